/**
 * A throwaway single-node Ceph cluster with one RGW on 127.0.0.1, for tests that need a real
 * S3 server with RGW's behaviour (notes/ceph-rgw.md is the recipe): one monitor, one in-memory
 * (memstore) OSD, cephx on, every path inside one temp folder, free ports. No manager daemon.
 *
 * The daemons daemonize themselves and write pid files under `<dir>/run`, so a test worker can
 * stop and restart radosgw from the plain info (`stopRgwDaemon`, `startRgwDaemon`) while the
 * cluster was started by vitest's global setup in another process.
 */
import { execFile, spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'minio';
import { isAlive, readPidFile, sleep, terminate } from './processes';

/** What a test needs to reach the cluster; plain data, so it can cross from global setup to workers. */
export interface CephRgwInfo {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** `https://127.0.0.1:PORT` when started with `tls` */
  readonly httpsEndpoint?: string;
  /** with `tls: 'private-ca'`: the PEM of the private CA that signed the https certificate */
  readonly caPath?: string;
  /** the admin S3 user's keys (caps `users=*;buckets=*`) */
  readonly accessKey: string;
  readonly secretKey: string;
  /** the admin S3 user's uid */
  readonly adminUid: string;
  /** the temp folder holding everything (config, data, logs, pid files) */
  readonly dir: string;
  /** `<dir>/ceph.conf`: pass as `-c` to `radosgw-admin`, `ceph` */
  readonly confPath: string;
}

export interface CephRgw extends CephRgwInfo {
  /** stops just the radosgw daemon (connections are refused afterwards) */
  stopRgw(): Promise<void>;
  /** starts radosgw again and waits until it answers */
  startRgw(): Promise<void>;
  /** runs `radosgw-admin ARGS` against this cluster and returns stdout */
  radosgwAdmin(args: readonly string[]): Promise<string>;
  /** stops every daemon and removes the temp folder */
  stop(): Promise<void>;
}

export interface CephRgwOptions {
  /** extra command-line arguments for radosgw, e.g. `['--rgw-lc-debug-interval=10']` */
  readonly radosgwArgs?: readonly string[];
  /** extra `key = value` lines for the `[client.rgw.NAME]` section, e.g. `rgw_lc_debug_interval = 10` */
  readonly rgwConfLines?: readonly string[];
  /** extra `key = value` lines for `[global]` */
  readonly globalConfLines?: readonly string[];
  /**
   * adds a beast `ssl_endpoint`; the result then has `httpsEndpoint`. `'private-ca'` makes a
   * throwaway CA and a certificate for 127.0.0.1 and localhost signed by it (result: `caPath`).
   */
  readonly tls?: { readonly certPath: string; readonly keyPath: string } | 'private-ca';
  /** print progress to stderr (also on when `CEPH_RGW_DEBUG` is set) */
  readonly verbose?: boolean;
}

const RGW_NAME = 'client.rgw.test';
const MON_ID = 'a';
/** how long a daemon gets after SIGTERM before SIGKILL */
const TERM_GRACE_MS = 5_000;

/** Stored in the temp folder so `startRgwDaemon` can restart radosgw with the same arguments. */
interface RgwLaunch {
  readonly args: readonly string[];
  readonly endpoint: string;
}

class CommandError extends Error {
  override readonly name = 'CommandError';
}

function run(program: string, args: readonly string[], timeoutMs = 60_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(program, [...args], { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const how = error.killed ? `timed out after ${timeoutMs} ms` : `exited with ${String(error.code)}`;
        reject(new CommandError(`${program} ${args.join(' ')} ${how}\n${stderr.toString()}${stdout.toString()}`.trim()));
      } else {
        resolve(stdout.toString());
      }
    });
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function freePorts(count: number): Promise<number[]> {
  // Ask for them all before releasing any, so the kernel does not hand out the same one twice.
  const ports = new Set<number>();
  while (ports.size < count) ports.add(await freePort());
  return [...ports];
}

const readPid = readPidFile;

function pidFiles(dir: string): string[] {
  const runDir = join(dir, 'run');
  if (!existsSync(runDir)) return [];
  return readdirSync(runDir)
    .filter((name) => name.endsWith('.pid'))
    .map((name) => join(runDir, name));
}

function rgwPidFile(dir: string): string {
  return join(dir, 'run', `${RGW_NAME}.pid`);
}

/** The last lines of every daemon log and captured output, for startup errors. */
export function logTail(dir: string, lines = 25): string {
  const logDir = join(dir, 'log');
  if (!existsSync(logDir)) return '(no logs)';
  return readdirSync(logDir)
    .sort()
    .map((name) => {
      const text = readFileSync(join(logDir, name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
      return `--- ${name} (last ${lines} lines) ---\n${text}`;
    })
    .join('\n');
}

/** Resolves true once something accepts TCP connections on `port`. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(what: string, dir: string, timeoutMs: number, test: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await test()) return;
    if (Date.now() > deadline) throw new Error(`Ceph test cluster: ${what} did not happen within ${timeoutMs / 1000} s\n${logTail(dir)}`);
    await sleep(100);
  }
}

/** Waits until RGW answers an HTTP request (the port opens slightly before requests are served). */
async function waitForRgw(dir: string, endpoint: string, timeoutMs = 60_000): Promise<void> {
  await waitFor(`radosgw answering on ${endpoint}`, dir, timeoutMs, async () => {
    try {
      const response = await fetch(`${endpoint}/`, { signal: AbortSignal.timeout(2_000) });
      await response.arrayBuffer();
      return response.status < 500;
    } catch {
      return false;
    }
  });
}

function portOf(endpoint: string): number {
  return Number(new URL(endpoint).port);
}

function readLaunch(dir: string): RgwLaunch {
  return JSON.parse(readFileSync(join(dir, 'rgw-launch.json'), 'utf8')) as RgwLaunch;
}

/** Stops radosgw of the cluster in `info.dir` (works from any process): SIGTERM, SIGKILL after 5 s. */
export async function stopRgwDaemon(info: Pick<CephRgwInfo, 'dir'>): Promise<void> {
  const pid = readPid(rgwPidFile(info.dir));
  if (pid !== undefined) await terminate(pid, TERM_GRACE_MS, 50);
  const { endpoint } = readLaunch(info.dir);
  await waitFor('radosgw closing its port', info.dir, 10_000, async () => !(await portAnswers(portOf(endpoint))));
}

/** Starts radosgw of the cluster in `info.dir` again (works from any process) and waits until it answers. */
export async function startRgwDaemon(info: Pick<CephRgwInfo, 'dir'>): Promise<void> {
  const pid = readPid(rgwPidFile(info.dir));
  if (pid !== undefined && isAlive(pid)) return;
  const launch = readLaunch(info.dir);
  try {
    await run('radosgw', launch.args);
  } catch (error) {
    throw new Error(`${(error as Error).message}\n${logTail(info.dir)}`);
  }
  await waitForRgw(info.dir, launch.endpoint);
}

/** Runs `radosgw-admin -c <conf> ARGS` against the cluster and returns stdout. */
export function radosgwAdmin(info: Pick<CephRgwInfo, 'confPath'>, args: readonly string[], timeoutMs = 120_000): Promise<string> {
  return run('radosgw-admin', ['-c', info.confPath, ...args], timeoutMs);
}

/** Kills every daemon of the cluster in `dir` at once (SIGKILL), synchronously: for process exit. */
function killAllNow(dir: string): void {
  for (const file of pidFiles(dir)) {
    const pid = readPid(file);
    if (pid !== undefined && isAlive(pid)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

/** Stops every daemon (radosgw, then OSD, then monitor) and removes the temp folder. */
export async function stopCluster(dir: string): Promise<void> {
  const order = (file: string) => (file.includes('client.rgw') ? 0 : file.includes('osd.') ? 1 : file.includes('mon.') ? 2 : 3);
  const files = pidFiles(dir).sort((a, b) => order(a) - order(b));
  for (const file of files) {
    const pid = readPid(file);
    if (pid !== undefined) await terminate(pid, TERM_GRACE_MS, 50);
  }
  rmSync(dir, { recursive: true, force: true });
}

function randomKey(length: number, alphabet: string): string {
  const bytes = randomBytes(length);
  return Array.from(bytes, (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * A throwaway private CA and a server certificate for IP 127.0.0.1 and DNS localhost, valid two
 * days, in `dir`. Uses the openssl program (Debian's `openssl`, present wherever ca-certificates is).
 */
export async function makePrivateCa(dir: string): Promise<{ caPath: string; certPath: string; keyPath: string }> {
  const caKey = join(dir, 'ca.key');
  const caPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'server.key');
  const csr = join(dir, 'server.csr');
  const certPath = join(dir, 'server.pem');
  const ext = join(dir, 'server.ext');
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await run('openssl', [
    'req', '-x509', ...ec, '-keyout', caKey, '-out', caPath, '-days', '2', '-subj', '/CN=nix-cache-wizard test CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await run('openssl', ['req', ...ec, '-keyout', keyPath, '-out', csr, '-subj', '/CN=127.0.0.1']);
  writeFileSync(
    ext,
    'subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  await run('openssl', [
    'x509', '-req', '-in', csr, '-CA', caPath, '-CAkey', caKey, '-CAcreateserial', '-out', certPath, '-days', '2', '-extfile', ext,
  ]);
  return { caPath, certPath, keyPath };
}

function cephConf(options: {
  dir: string;
  fsid: string;
  monV1: number;
  monV2: number;
  frontends: string;
  extraGlobal: readonly string[];
  extraRgw: readonly string[];
}): string {
  const { dir } = options;
  return `[global]
fsid = ${options.fsid}
mon_initial_members = ${MON_ID}
mon_host = [v2:127.0.0.1:${options.monV2},v1:127.0.0.1:${options.monV1}]
public_addr = 127.0.0.1
cluster_addr = 127.0.0.1
ms_bind_ipv6 = false
auth_cluster_required = cephx
auth_service_required = cephx
auth_client_required = cephx
keyring = ${dir}/keyring
run_dir = ${dir}/run
pid_file = ${dir}/run/$name.pid
admin_socket = ${dir}/run/$name.asok
log_file = ${dir}/log/$name.log
log_to_stderr = false
err_to_stderr = true
mon_cluster_log_file = ${dir}/log/cluster.log
crash_dir = ${dir}/crash
osd_pool_default_size = 1
osd_pool_default_min_size = 1
mon_allow_pool_size_one = true
mon_warn_on_pool_no_redundancy = false
osd_crush_chooseleaf_type = 0
osd_pool_default_pg_num = 8
osd_pool_default_pgp_num = 8
osd_pool_default_pg_autoscale_mode = off
mon_max_pg_per_osd = 1000
mon_data_avail_warn = 1
mon_data_avail_crit = 0
# Every OSD map change (the OSD booting, each pool RGW creates) waits for a Paxos proposal,
# by default up to 1 s apart: with these, the cluster answers in ~2.5 s instead of ~13 s.
paxos_propose_interval = 0.1
paxos_min_wait = 0.01
${options.extraGlobal.join('\n')}

[mon]
mon_data = ${dir}/mon/$name

[osd]
osd_data = ${dir}/osd/$id
keyring = ${dir}/osd/$id/keyring
osd_objectstore = memstore
memstore_device_bytes = 1073741824
osd_max_object_name_len = 460
osd_max_object_namespace_len = 64
osd_op_num_shards = 1
osd_op_num_threads_per_shard = 1

[${RGW_NAME}]
rgw_frontends = ${options.frontends}
rgw_dns_name = 127.0.0.1
rgw_data = ${dir}/rgw
keyring = ${dir}/rgw/keyring
${options.extraRgw.join('\n')}
`;
}

/** Clusters started by this process, killed on exit if a test run crashes before its teardown. */
const liveClusters = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of liveClusters) {
      killAllNow(dir);
      try {
        rmSync(dir, { recursive: true, force: true });
      } catch {
        // best effort on the way out
      }
    }
  });
}

/**
 * A watchdog shell that kills the daemons if this process dies without running its exit hooks
 * (SIGKILL, an out-of-memory kill): the daemons are reparented away and would outlive the run.
 */
function startWatchdog(dir: string): number | undefined {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
for f in "$1"/run/*.pid; do [ -f "$f" ] && kill -9 "$(cat "$f")" 2>/dev/null; done
rm -rf "$1"`;
  const child = spawn('sh', ['-c', script, 'ceph-rgw-watchdog', dir], { detached: true, stdio: 'ignore' });
  child.unref();
  return child.pid;
}

/**
 * Starts a fresh single-node cluster with one RGW and an admin S3 user; about 2.5 s. Tries twice:
 * a free port can be taken by another process (another test run) before a daemon binds it.
 */
export async function startCephRgw(options: CephRgwOptions = {}): Promise<CephRgw> {
  try {
    return await startCephRgwOnce(options);
  } catch (first) {
    process.stderr.write(`Ceph test cluster: first start failed, trying once more with new ports.\n${(first as Error).message}\n`);
    return await startCephRgwOnce(options);
  }
}

async function startCephRgwOnce(options: CephRgwOptions): Promise<CephRgw> {
  const verbose = options.verbose ?? Boolean(process.env['CEPH_RGW_DEBUG']);
  const started = Date.now();
  const progress = (message: string) => {
    if (verbose) process.stderr.write(`[ceph-rgw +${((Date.now() - started) / 1000).toFixed(1)}s] ${message}\n`);
  };
  const dir = mkdtempSync(join(tmpdir(), 'ceph-rgw-'));
  for (const sub of ['run', 'log', 'mon', 'osd', 'rgw', 'crash', 'tls']) mkdirSync(join(dir, sub), { recursive: true });
  installExitHook();
  liveClusters.add(dir);
  const watchdog = startWatchdog(dir);

  const confPath = join(dir, 'ceph.conf');
  const keyring = join(dir, 'keyring');
  const c = ['-c', confPath];
  const ceph = (args: readonly string[], timeoutMs = 60_000) => run('ceph', [...c, '--connect-timeout', '30', ...args], timeoutMs);

  try {
    const [monV1, monV2, rgwPort, httpsPort] = (await freePorts(options.tls ? 4 : 3)) as [number, number, number, number | undefined];
    const endpoint = `http://127.0.0.1:${rgwPort}`;
    const httpsEndpoint = options.tls ? `https://127.0.0.1:${httpsPort}` : undefined;
    let frontends = `beast endpoint=127.0.0.1:${rgwPort}`;
    let caPath: string | undefined;
    if (options.tls) {
      let tls = options.tls;
      if (tls === 'private-ca') {
        const made = await makePrivateCa(join(dir, 'tls'));
        caPath = made.caPath;
        tls = made;
      }
      frontends += ` ssl_endpoint=127.0.0.1:${httpsPort} ssl_certificate=${tls.certPath} ssl_private_key=${tls.keyPath}`;
    }
    const fsid = randomUUID();
    writeFileSync(
      confPath,
      cephConf({ dir, fsid, monV1, monV2, frontends, extraGlobal: options.globalConfLines ?? [], extraRgw: options.rgwConfLines ?? [] }),
    );

    // Monitor: keys, map, store, start.
    await run('ceph-authtool', ['--create-keyring', keyring, '--gen-key', '-n', 'mon.', '--cap', 'mon', 'allow *']);
    await run('ceph-authtool', [
      keyring, '--gen-key', '-n', 'client.admin',
      '--cap', 'mon', 'allow *', '--cap', 'osd', 'allow *', '--cap', 'mds', 'allow *', '--cap', 'mgr', 'allow *',
    ]);
    const monmap = join(dir, 'monmap');
    await run('monmaptool', ['--create', '--fsid', fsid, '--addv', MON_ID, `[v2:127.0.0.1:${monV2},v1:127.0.0.1:${monV1}]`, monmap]);
    await run('ceph-mon', [...c, '--mkfs', '-i', MON_ID, '--monmap', monmap, '--keyring', keyring]);
    await run('ceph-mon', [...c, '-i', MON_ID]);
    progress('monitor started');

    // OSD in memory.
    const osdUuid = randomUUID();
    const osdId = (await ceph(['osd', 'new', osdUuid])).trim();
    if (!/^\d+$/.test(osdId)) throw new Error(`ceph osd new answered ${JSON.stringify(osdId)}`);
    mkdirSync(join(dir, 'osd', osdId), { recursive: true });
    await run('ceph-osd', [...c, '-i', osdId, '--mkfs', '--mkkey', '--osd-uuid', osdUuid, '--no-mon-config']);
    await ceph([
      'auth', 'add', `osd.${osdId}`, 'osd', 'allow *', 'mon', 'allow profile osd', 'mgr', 'allow profile osd',
      '-i', join(dir, 'osd', osdId, 'keyring'),
    ]);
    await run('ceph-osd', [...c, '-i', osdId]);
    progress('osd started');
    await waitFor('the OSD coming up', dir, 60_000, async () => / 1 up/.test(await ceph(['osd', 'stat']).catch(() => '')));
    progress('osd up');

    // RGW.
    await ceph(['auth', 'get-or-create', RGW_NAME, 'mon', 'allow rw', 'osd', 'allow rwx', '-o', join(dir, 'rgw', 'keyring')]);
    const launch: RgwLaunch = { args: [...c, '-n', RGW_NAME, ...(options.radosgwArgs ?? [])], endpoint };
    writeFileSync(join(dir, 'rgw-launch.json'), JSON.stringify(launch));
    await run('radosgw', launch.args);
    await waitForRgw(dir, endpoint);
    if (httpsPort !== undefined) await waitFor('radosgw answering https', dir, 10_000, () => portAnswers(httpsPort));
    progress('radosgw answers');

    // The admin S3 user (test keys on the command line are fine here: nothing secret).
    const adminUid = 'test-admin';
    const accessKey = randomKey(20, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789');
    const secretKey = randomKey(40, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789');
    const info: CephRgwInfo = { endpoint, ...(httpsEndpoint ? { httpsEndpoint } : {}), ...(caPath ? { caPath } : {}), accessKey, secretKey, adminUid, dir, confPath };
    await radosgwAdmin(info, [
      'user', 'create', `--uid=${adminUid}`, '--display-name=Test admin', `--access-key=${accessKey}`, `--secret-key=${secretKey}`,
    ]);
    await radosgwAdmin(info, ['caps', 'add', `--uid=${adminUid}`, '--caps=users=*;buckets=*']);
    progress('admin user created');

    return {
      ...info,
      stopRgw: () => stopRgwDaemon(info),
      startRgw: () => startRgwDaemon(info),
      radosgwAdmin: (args) => radosgwAdmin(info, args),
      stop: async () => {
        await stopCluster(dir);
        liveClusters.delete(dir);
        if (watchdog !== undefined) await terminate(watchdog, 1_000, 50);
      },
    };
  } catch (error) {
    const tail = logTail(dir);
    // Clean-up of a start that already failed: the start's error (thrown below, with the log
    // tail) is what the run must report, not a second failure stopping a half-started cluster.
    await stopCluster(dir).catch(() => undefined);
    liveClusters.delete(dir);
    if (watchdog !== undefined) await terminate(watchdog, 1_000, 50);
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`Could not start the Ceph test cluster: ${message}${message.includes('--- ') ? '' : `\n${tail}`}`);
  }
}

/**
 * A plain `minio` client for the test RGW (http, path style): the tests' own view of the server,
 * with the admin keys unless others are given.
 */
export function rgwClient(info: Pick<CephRgwInfo, 'endpoint' | 'accessKey' | 'secretKey'>, keys: { readonly accessKey: string; readonly secretKey: string } = info): Client {
  const url = new URL(info.endpoint);
  return new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, pathStyle: true, region: 'us-east-1', accessKey: keys.accessKey, secretKey: keys.secretKey });
}
