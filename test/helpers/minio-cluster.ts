/**
 * A throwaway distributed MinIO for tests: 4 nodes with one drive each, erasure-coded as one set,
 * the pinned release `minio-server.ts` builds (`ensureMinioBinaries`).
 *
 * In a container MinIO waits forever on endpoints that resolve to a loopback address and refuses
 * drives on the root filesystem (notes/minio-admin.md). So the nodes run in a private network
 * namespace the harness makes (`ip netns add`), each on its own address of a /24 in 10.77.0.0/16
 * that nothing else on the machine uses, on the namespace's end of a veth pair, with
 * `MINIO_CI_CD=1`. The host's end of the veth holds `.254` of the same /24 and nothing else, so
 * processes on the host (the balancer, the tests checking every node directly) reach the nodes
 * and no other address is touched. Deleting the namespace deletes the veth pair with it.
 *
 * Nothing is left behind: `stop()` kills every process in the namespace (`ip netns pids`, which
 * lists only the processes inside it) and deletes it; an exit hook does the same if a run ends
 * without its teardown, and a watchdog if this process dies without its exit hooks (SIGKILL, OOM).
 */
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './debian-packages';
import { ensureMinioBinaries, type MinioBinaries } from './minio-server';
import { isAlive, readPidFile, sleep, terminate } from './processes';

export interface ClusterNode {
  /** 0-based position in the cluster */
  readonly index: number;
  /** `http://10.77.X.N:PORT`: the node itself, reachable from the host through the veth */
  readonly endpoint: string;
  readonly host: string;
  readonly port: number;
}

export interface MinioCluster {
  readonly nodes: readonly ClusterNode[];
  /** the root user's keys (the same on every node) */
  readonly accessKey: string;
  readonly secretKey: string;
  /** the temp folder holding the drives, logs and pid files */
  readonly dir: string;
  /** the network namespace the nodes run in */
  readonly namespace: string;
  readonly minioPath: string;
  readonly mcPath: string;
  /** SIGKILLs node `index` and waits until it is gone; its drive stays */
  killNode(index: number): Promise<void>;
  /** starts node `index` again on its drive and waits until every node reports the cluster healthy */
  startNode(index: number): Promise<void>;
  /** stops every node (SIGTERM), starts them all again and waits until healthy: "right after the cluster starts" */
  restart(): Promise<void>;
  /**
   * waits until `/minio/health/cluster` answers 200 on every node not killed by `killNode`; one
   * found not running is started again (once per wait) and recorded in `deaths`
   */
  waitHealthy(timeoutMs?: number): Promise<void>;
  /** nodes found dead that no test killed, with the end of their logs: MinIO's doing, for the report */
  readonly deaths: readonly string[];
  /** the last lines of node `index`'s log */
  logTail(index: number, lines?: number): string;
  /** kills every process in the namespace, deletes the namespace and the temp folder */
  stop(): Promise<void>;
}

export interface MinioClusterOptions {
  /** @default 4 */
  readonly nodeCount?: number;
  /** print progress to stderr (also on when `MINIO_TEST_DEBUG` is set) */
  readonly verbose?: boolean;
}

const NODE_PORT_BASE = 9000;
const CONSOLE_PORT_BASE = 9100;
const HEALTH_TIMEOUT_MS = 90_000;

/**
 * Why a cluster cannot be started here (not root, no iproute2, no MinIO build), or undefined.
 * Installs iproute2 when root and it is missing; in CI a missing piece throws instead.
 */
export function minioClusterUnavailable(): string | undefined {
  const binaries = ensureMinioBinaries();
  if (typeof binaries === 'string') return binaries;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) {
    const reason = 'a network namespace needs root (ip netns add)';
    if (process.env['CI'] || process.env['NCW_CI']) throw new Error(`${reason}. CI must not skip these tests.`);
    return reason;
  }
  return ensureDebianPackages(['ip'], ['iproute2']);
}

function ip(args: readonly string[]): string {
  return execFileSync('ip', [...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 30_000 });
}

/** A /24 in 10.77.0.0/16 that no address or route on the host uses yet. */
function freeSubnet(): string {
  const used = ip(['-o', 'addr']) + ip(['route']);
  for (let attempt = 0; attempt < 50; attempt++) {
    const third = 1 + (randomBytes(1)[0]! % 254);
    const prefix = `10.77.${third}.`;
    if (!used.includes(prefix)) return prefix;
  }
  throw new Error('no free /24 in 10.77.0.0/16 for the test cluster');
}

/** Pids of the processes inside `namespace` (none when it does not exist). */
function namespacePids(namespace: string): number[] {
  try {
    return ip(['netns', 'pids', namespace]).split('\n').filter(Boolean).map(Number).filter((pid) => pid > 1);
  } catch {
    return [];
  }
}

/** Synchronous teardown, for the exit hook and failed starts: kill everything inside, delete the namespace. */
function destroyNamespace(namespace: string): void {
  for (const pid of namespacePids(namespace)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  try {
    ip(['netns', 'del', namespace]);
  } catch {
    // never made, or already deleted
  }
}

/** One GET of `url`: its status, or the error's message. */
function getStatus(url: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpGet(url, { timeout: 2_000, agent: false }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(error.message));
  });
}

function randomText(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/** Namespaces made by this process, destroyed on exit if a run ends before its teardown. */
const liveClusters = new Map<string, string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const [namespace, dir] of liveClusters) {
      destroyNamespace(namespace);
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Destroys the namespace if this process dies without its exit hooks; returns the watchdog's pid. */
function startWatchdog(namespace: string, dir: string): number | undefined {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
for pid in $(ip netns pids "$1" 2>/dev/null); do kill -9 "$pid" 2>/dev/null; done
ip netns del "$1" 2>/dev/null
rm -rf "$2"`;
  const child = spawn('sh', ['-c', script, 'minio-cluster-watchdog', namespace, dir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/** Starts a fresh distributed MinIO; about 10 s on the 2-core machine (the nodes wait for each other). */
export async function startMinioCluster(options: MinioClusterOptions = {}): Promise<MinioCluster> {
  const unavailable = minioClusterUnavailable();
  if (unavailable !== undefined) throw new Error(`cannot start a MinIO cluster: ${unavailable}`);
  const binaries = ensureMinioBinaries() as MinioBinaries;
  const nodeCount = options.nodeCount ?? 4;
  const verbose = options.verbose ?? Boolean(process.env['MINIO_TEST_DEBUG']);
  const started = Date.now();

  const id = randomBytes(3).toString('hex');
  const namespace = `ncw-cluster-${id}`;
  const dir = mkdtempSync(join(tmpdir(), 'minio-cluster-'));
  mkdirSync(join(dir, 'run'));
  mkdirSync(join(dir, 'home'));
  installExitHook();
  liveClusters.set(namespace, dir);
  const watchdog = startWatchdog(namespace, dir);

  const subnet = freeSubnet();
  const nodes: ClusterNode[] = Array.from({ length: nodeCount }, (_, index) => {
    const host = `${subnet}${index + 1}`;
    // distinct ports too: a node takes every endpoint whose address is local AND port is its own for
    // its own drive, and in the namespace all the addresses are local
    const port = NODE_PORT_BASE + index + 1;
    return { index, host, port, endpoint: `http://${host}:${port}` };
  });
  const accessKey = `admin${randomText(8)}`;
  const secretKey = randomText(24);
  const drives = nodes.map((node) => `${node.endpoint}${join(dir, `drive-${node.index + 1}`)}`);
  const pidFile = (index: number) => join(dir, 'run', `node-${index + 1}.pid`);
  const logFile = (index: number) => join(dir, `node-${index + 1}.log`);

  const launch = (index: number): void => {
    const node = nodes[index]!;
    const out = openSync(logFile(index), 'a');
    const child = spawn(
      'ip',
      ['netns', 'exec', namespace, binaries.minio, 'server', '--address', `${node.host}:${node.port}`, '--console-address', `${node.host}:${CONSOLE_PORT_BASE + index + 1}`, '--quiet', ...drives],
      {
        detached: true,
        stdio: ['ignore', out, out],
        env: {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          HOME: join(dir, 'home'),
          MINIO_ROOT_USER: accessKey,
          MINIO_ROOT_PASSWORD: secretKey,
          // the drives are folders on the root filesystem, which MinIO refuses otherwise
          MINIO_CI_CD: '1',
          MINIO_BROWSER: 'off',
          MINIO_UPDATE: 'off',
          MINIO_CALLHOME_ENABLE: 'off',
        },
      },
    );
    closeSync(out);
    if (child.pid === undefined) throw new Error(`MinIO node ${index + 1} did not start`);
    // `ip netns exec` execs the program: this pid is the server's
    writeFileSync(pidFile(index), `${child.pid}\n`);
    child.unref();
  };

  const logTail = (index: number, lines = 20): string => {
    try {
      return readFileSync(logFile(index), 'utf8').split('\n').filter((line) => !/^\s+\d+: /.test(line)).slice(-lines).join('\n');
    } catch {
      return '(no log)';
    }
  };

  const running = (index: number): boolean => {
    const pid = readPidFile(pidFile(index));
    return pid !== undefined && isAlive(pid);
  };
  /** the nodes a test killed and did not start again */
  const killed = new Set<number>();
  const deaths: string[] = [];

  const waitHealthy = async (timeoutMs = HEALTH_TIMEOUT_MS): Promise<void> => {
    const deadline = Date.now() + timeoutMs;
    const last = new Map<number, number | string>();
    const revived = new Set<number>();
    for (;;) {
      for (const node of nodes) {
        if (killed.has(node.index) || running(node.index)) continue;
        const log = logTail(node.index, 12);
        if (revived.has(node.index)) throw new Error(`MinIO node ${node.index + 1} died again after it was started again:\n${log}`);
        deaths.push(`node ${node.index + 1} found not running at ${new Date().toISOString()}; its log ended:\n${log}`);
        revived.add(node.index);
        launch(node.index);
      }
      const up = nodes.filter((node) => running(node.index));
      if (up.length === 0) throw new Error(`no MinIO node of the cluster is running:\n${logTail(0)}`);
      const statuses = await Promise.all(up.map((node) => getStatus(`${node.endpoint}/minio/health/cluster`)));
      up.forEach((node, i) => last.set(node.index, statuses[i]!));
      if (statuses.every((status) => status === 200)) return;
      if (Date.now() > deadline) {
        const report = [...last].map(([index, status]) => `node ${index + 1}: ${String(status)}\n${logTail(index, 8)}`).join('\n');
        throw new Error(`the MinIO cluster was not healthy in ${timeoutMs} ms:\n${report}`);
      }
      await sleep(100);
    }
  };

  const stopNode = async (index: number, signal: 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const pid = readPidFile(pidFile(index));
    if (pid !== undefined) {
      if (signal === 'SIGKILL' && isAlive(pid)) process.kill(pid, 'SIGKILL');
      await terminate(pid, 5_000);
    }
    // Only the pid file of the process stopped here: a node started again meanwhile keeps its own
    // (removing it left that node running unseen, holding its port, and every start after it
    // failed "port already in use": clean-clone runs V and W of issue 20).
    if (readPidFile(pidFile(index)) === pid) rmSync(pidFile(index), { force: true });
  };

  const stop = async (): Promise<void> => {
    await Promise.all(nodes.map((node) => stopNode(node.index, 'SIGKILL')));
    destroyNamespace(namespace);
    rmSync(dir, { recursive: true, force: true });
    liveClusters.delete(namespace);
    if (watchdog !== undefined) {
      try {
        process.kill(watchdog, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };

  try {
    ip(['netns', 'add', namespace]);
    ip(['-n', namespace, 'link', 'set', 'lo', 'up']);
    const hostSide = `ncw${id}h`;
    const namespaceSide = `ncw${id}n`;
    ip(['link', 'add', hostSide, 'type', 'veth', 'peer', 'name', namespaceSide, 'netns', namespace]);
    ip(['addr', 'add', `${subnet}254/24`, 'dev', hostSide]);
    ip(['link', 'set', hostSide, 'up']);
    for (const node of nodes) ip(['-n', namespace, 'addr', 'add', `${node.host}/24`, 'dev', namespaceSide]);
    ip(['-n', namespace, 'link', 'set', namespaceSide, 'up']);
    for (const node of nodes) launch(node.index);
    await waitHealthy();
  } catch (error) {
    await stop();
    throw error;
  }
  if (verbose) process.stderr.write(`[minio-cluster] ${nodeCount} nodes healthy in ${Date.now() - started} ms (${namespace}, ${subnet}0/24)\n`);

  return {
    nodes,
    accessKey,
    secretKey,
    dir,
    namespace,
    minioPath: binaries.minio,
    mcPath: binaries.mc,
    async killNode(index) {
      killed.add(index);
      await stopNode(index, 'SIGKILL');
    },
    async startNode(index) {
      killed.delete(index);
      if (!running(index)) launch(index);
      await waitHealthy();
    },
    async restart() {
      await Promise.all(nodes.map((node) => stopNode(node.index, 'SIGTERM')));
      killed.clear();
      for (const node of nodes) launch(node.index);
      await waitHealthy();
    },
    waitHealthy,
    deaths,
    logTail,
    stop,
  };
}
