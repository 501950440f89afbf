/**
 * A throwaway single-drive MinIO server on 127.0.0.1, and the real `mc`, for tests that need
 * MinIO's own behaviour (notes/minio-admin.md, "A real server and a real mc for tests"): random
 * free ports, a temp data folder, ready when `/minio/health/cluster` answers 200, optionally over
 * TLS with a throwaway private CA. The binaries are built from source at pinned releases by
 * scripts/install-test-servers.sh into a cache folder outside the repository (`ensureMinioBinaries`).
 *
 * The server runs detached with a pid file under `<dir>/run`, so a test worker can stop and restart
 * it from the plain info (`stopMinioServer`, `startMinioServer`) while global setup started it in
 * another process; a watchdog kills it if the starting process dies without its exit hooks.
 */
import { execFile, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from 'minio';
import { makePrivateCa } from './ceph-rgw';
import { isAlive, readPidFile, sleep, terminate as terminateAfter } from './processes';

/** What a test needs to reach the server; plain data, so it can cross from global setup to workers. */
export interface MinioInfo {
  /** `http://127.0.0.1:PORT`, or `https://127.0.0.1:PORT` when started with `tls` */
  readonly endpoint: string;
  /** with `tls: 'private-ca'`: the PEM of the private CA that signed the server's certificate */
  readonly caPath?: string;
  /** the root user's keys */
  readonly accessKey: string;
  readonly secretKey: string;
  /** the temp folder holding everything (data, certificates, log, pid file) */
  readonly dir: string;
  /** the `minio` and `mc` programs used */
  readonly minioPath: string;
  readonly mcPath: string;
}

export interface MinioServer extends MinioInfo {
  /** stops the server process (connections are refused afterwards); the data stays */
  stopServer(): Promise<void>;
  /** starts it again on the same port and data, and waits until it is ready */
  startServer(): Promise<void>;
  /** stops the server and removes the temp folder */
  stop(): Promise<void>;
}

export interface MinioOptions {
  /** serve https with a certificate for 127.0.0.1 signed by a throwaway private CA (result: `caPath`) */
  readonly tls?: 'private-ca';
  /** print progress to stderr (also on when `MINIO_TEST_DEBUG` is set) */
  readonly verbose?: boolean;
}

export interface MinioBinaries {
  readonly minio: string;
  readonly mc: string;
  /** the releases built, as `RELEASE.…` tags */
  readonly minioRelease: string;
  readonly mcRelease: string;
}

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const INSTALL_SCRIPT = join(REPO, 'scripts', 'install-test-servers.sh');
const TERM_GRACE_MS = 5_000;

/** The releases pinned in the install script (its variables are the one place they are written). */
function pinnedReleases(): { minio: string; mc: string } {
  const script = readFileSync(INSTALL_SCRIPT, 'utf8');
  const read = (name: string): string => {
    const match = new RegExp(`^${name}="([^"]+)"`, 'm').exec(script);
    if (!match?.[1]) throw new Error(`${INSTALL_SCRIPT} sets no ${name}`);
    return match[1];
  };
  return { minio: read('MINIO_RELEASE'), mc: read('MC_RELEASE') };
}

/** The cache folder the install script builds into. */
export function testServersDir(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env['NIX_CACHE_WIZARD_TEST_SERVERS'];
  if (explicit) return explicit;
  return join(env['XDG_CACHE_HOME'] || join(env['HOME'] || homedir(), '.cache'), 'nix-cache-wizard', 'test-servers');
}

function binaryPaths(): MinioBinaries {
  const releases = pinnedReleases();
  const dir = testServersDir();
  return {
    minio: join(dir, `minio-${releases.minio}`, 'minio'),
    mc: join(dir, `mc-${releases.mc}`, 'mc'),
    minioRelease: releases.minio,
    mcRelease: releases.mc,
  };
}

const isCi = (): boolean => Boolean(process.env['CI'] || process.env['NCW_CI']);

/**
 * The pinned `minio` and `mc` programs: built with the install script when missing and this process
 * may (root, or `NIX_CACHE_WIZARD_BUILD_TEST_SERVERS` set), else the reason they are not there.
 * In CI a missing server is a failure, never a skip.
 */
export function ensureMinioBinaries(): MinioBinaries | string {
  let paths = binaryPaths();
  const present = () => existsSync(paths.minio) && existsSync(paths.mc);
  if (present()) return paths;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot || process.env['NIX_CACHE_WIZARD_BUILD_TEST_SERVERS'] || isCi()) {
    try {
      execFileSync('bash', [INSTALL_SCRIPT], { stdio: ['ignore', 'inherit', 'inherit'], timeout: 60 * 60_000 });
    } catch (error) {
      if (isCi()) throw new Error(`building MinIO and mc failed: ${(error as Error).message}. CI must not skip these tests.`);
    }
    paths = binaryPaths();
    if (present()) return paths;
  }
  const reason = `MinIO ${paths.minioRelease} and mc ${paths.mcRelease} are not built (run scripts/install-test-servers.sh, which needs Go)`;
  if (isCi()) throw new Error(`${reason}. CI must not skip these tests.`);
  return reason;
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

export { isAlive };

/** Stored in the temp folder so a worker can restart the server with the same arguments. */
interface MinioLaunch {
  readonly minioPath: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly endpoint: string;
  readonly caPath?: string;
}

const pidFile = (dir: string) => join(dir, 'run', 'minio.pid');
const launchFile = (dir: string) => join(dir, 'run', 'launch.json');
const logFile = (dir: string) => join(dir, 'minio.log');

function readPid(dir: string): number | undefined {
  return readPidFile(pidFile(dir));
}

/** The last lines of the server's log, for start-up errors. */
export function minioLogTail(dir: string, lines = 30): string {
  try {
    return readFileSync(logFile(dir), 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/**
 * Stops `pid` and waits until it is gone from the process table: a killed server stays a zombie
 * until its parent (global setup's process, or this one) reaps it, which Node does from its
 * event loop a moment later.
 */
async function terminate(pid: number): Promise<void> {
  await terminateAfter(pid, TERM_GRACE_MS);
  const deadline = Date.now() + 3_000;
  while (existsSync(`/proc/${pid}`) && Date.now() < deadline) await sleep(10);
}


/** One GET of `url` (trusting `ca` when given): its status, or the error's message. */
function getStatus(url: string, ca: string | undefined): Promise<number | string> {
  return new Promise((resolve) => {
    const get = url.startsWith('https:') ? httpsGet : httpGet;
    const req = get(url, { timeout: 2_000, ...(ca ? { ca } : {}) }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => resolve(error.message));
  });
}

/** Polls `/minio/health/cluster` until 200 (`/live` and `/ready` answer before IAM is up). */
async function waitUntilReady(launch: MinioLaunch, dir: string, timeoutMs = 60_000): Promise<void> {
  const ca = launch.caPath ? readFileSync(launch.caPath, 'utf8') : undefined;
  const deadline = Date.now() + timeoutMs;
  let last: number | string = '';
  while (Date.now() < deadline) {
    const pid = readPid(dir);
    if (pid === undefined || !isAlive(pid)) throw new Error(`MinIO exited during start-up:\n${minioLogTail(dir)}`);
    last = await getStatus(`${launch.endpoint}/minio/health/cluster`, ca);
    if (last === 200) return;
    await sleep(50);
  }
  throw new Error(`MinIO did not become ready in ${timeoutMs} ms (${String(last)}):\n${minioLogTail(dir)}`);
}

function launchServer(dir: string, launch: MinioLaunch): void {
  const out = openSync(logFile(dir), 'a');
  const child = spawn(launch.minioPath, [...launch.args], {
    detached: true,
    stdio: ['ignore', out, out],
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...launch.env },
  });
  closeSync(out);
  if (child.pid === undefined) throw new Error('MinIO did not start');
  writeFileSync(pidFile(dir), `${child.pid}\n`);
  child.unref();
}

/** Stops the server process of a running test server (from any process that has its info). */
export async function stopMinioServer(info: Pick<MinioInfo, 'dir'>): Promise<void> {
  const pid = readPid(info.dir);
  if (pid !== undefined) await terminate(pid);
  rmSync(pidFile(info.dir), { force: true });
}

/** Starts the server again with its data, on the same port (unless it runs), and waits until it is ready. */
export async function startMinioServer(info: Pick<MinioInfo, 'dir'>): Promise<void> {
  const launch = JSON.parse(readFileSync(launchFile(info.dir), 'utf8')) as MinioLaunch;
  const running = readPid(info.dir);
  // Already running (a test's cleanup restarts it whether or not it was stopped): just wait for it.
  if (running === undefined || !isAlive(running)) launchServer(info.dir, launch);
  await waitUntilReady(launch, info.dir);
}

/** Servers started by this process, killed on exit if a run crashes before its teardown. */
const liveServers = new Set<string>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const dir of liveServers) {
      const pid = readPid(dir);
      if (pid !== undefined) {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

/** Kills the server if this process dies without running its exit hooks (SIGKILL, OOM). */
function startWatchdog(dir: string): void {
  const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done
[ -f "$1/run/minio.pid" ] && kill -9 "$(cat "$1/run/minio.pid")" 2>/dev/null
rm -rf "$1"`;
  spawn('sh', ['-c', script, 'minio-watchdog', dir], { detached: true, stdio: 'ignore' }).unref();
}

function randomText(length: number): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789';
  return Array.from(randomBytes(length), (byte) => alphabet[byte % alphabet.length]).join('');
}

/**
 * Starts a fresh single-drive MinIO; about a second once built. Tries twice: a free port can be
 * taken by another process before MinIO binds it.
 */
export async function startMinio(options: MinioOptions = {}): Promise<MinioServer> {
  const binaries = ensureMinioBinaries();
  if (typeof binaries === 'string') throw new Error(binaries);
  try {
    return await startMinioOnce(binaries, options);
  } catch (first) {
    process.stderr.write(`MinIO test server: first start failed, trying once more with new ports.\n${(first as Error).message}\n`);
    return await startMinioOnce(binaries, options);
  }
}

async function startMinioOnce(binaries: MinioBinaries, options: MinioOptions): Promise<MinioServer> {
  const verbose = options.verbose ?? Boolean(process.env['MINIO_TEST_DEBUG']);
  const started = Date.now();
  const dir = mkdtempSync(join(tmpdir(), 'minio-'));
  for (const sub of ['run', 'data', 'certs', 'home']) mkdirSync(join(dir, sub), { recursive: true });
  installExitHook();
  liveServers.add(dir);
  startWatchdog(dir);

  let caPath: string | undefined;
  if (options.tls === 'private-ca') {
    const tls = await makePrivateCa(join(dir, 'certs'));
    // MinIO reads `public.crt` and `private.key` from --certs-dir.
    writeFileSync(join(dir, 'certs', 'public.crt'), readFileSync(tls.certPath));
    writeFileSync(join(dir, 'certs', 'private.key'), readFileSync(tls.keyPath));
    caPath = tls.caPath;
  }
  const [port, consolePort] = [await freePort(), await freePort()];
  const endpoint = `${caPath ? 'https' : 'http'}://127.0.0.1:${port}`;
  const accessKey = `admin${randomText(8)}`;
  const secretKey = randomText(24);
  const launch: MinioLaunch = {
    minioPath: binaries.minio,
    args: [
      'server', join(dir, 'data'),
      '--address', `127.0.0.1:${port}`,
      '--console-address', `127.0.0.1:${consolePort}`,
      '--certs-dir', join(dir, 'certs'),
      '--quiet',
    ],
    env: {
      HOME: join(dir, 'home'),
      MINIO_ROOT_USER: accessKey,
      MINIO_ROOT_PASSWORD: secretKey,
      MINIO_BROWSER: 'off',
      MINIO_UPDATE: 'off',
      MINIO_CALLHOME_ENABLE: 'off',
    },
    endpoint,
    ...(caPath ? { caPath } : {}),
  };
  writeFileSync(launchFile(dir), JSON.stringify(launch));
  try {
    launchServer(dir, launch);
    await waitUntilReady(launch, dir);
  } catch (error) {
    await stopMinioServer({ dir });
    rmSync(dir, { recursive: true, force: true });
    liveServers.delete(dir);
    throw error;
  }
  if (verbose) process.stderr.write(`[minio] ready at ${endpoint} in ${Date.now() - started} ms\n`);
  const info: MinioInfo = {
    endpoint,
    ...(caPath ? { caPath } : {}),
    accessKey,
    secretKey,
    dir,
    minioPath: binaries.minio,
    mcPath: binaries.mc,
  };
  return {
    ...info,
    stopServer: () => stopMinioServer(info),
    startServer: () => startMinioServer(info),
    async stop() {
      await stopMinioServer(info);
      rmSync(dir, { recursive: true, force: true });
      liveServers.delete(dir);
    },
  };
}

/** An S3 client for the server, as root or with other keys (http only: for https pass a CA-aware transport). */
export function minioClient(info: Pick<MinioInfo, 'endpoint' | 'accessKey' | 'secretKey'>, keys: { readonly accessKey: string; readonly secretKey: string } = info): Client {
  const url = new URL(info.endpoint);
  return new Client({
    endPoint: url.hostname,
    port: Number(url.port),
    useSSL: url.protocol === 'https:',
    accessKey: keys.accessKey,
    secretKey: keys.secretKey,
    region: 'us-east-1',
  });
}

export interface McRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs the real `mc` with its own config folder (`configDir`, given before the command words, where
 * mc honours it) and the root user's alias `ALIAS` passed by environment, never on the command line.
 */
export function runMc(
  info: MinioInfo,
  args: readonly string[],
  options: { readonly configDir: string; readonly stdin?: string; readonly env?: Record<string, string> },
): Promise<McRun> {
  const url = new URL(info.endpoint);
  const host = `${url.protocol}//${encodeURIComponent(info.accessKey)}:${encodeURIComponent(info.secretKey)}@${url.host}`;
  return new Promise((resolve) => {
    const child = execFile(
      info.mcPath,
      ['--config-dir', options.configDir, '--no-color', ...args],
      {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: options.configDir, MC_HOST_ALIAS: host, ...options.env },
        timeout: 60_000,
        maxBuffer: 16 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout: stdout.toString(), stderr: stderr.toString() });
      },
    );
    child.stdin?.end(options.stdin ?? '');
  });
}
