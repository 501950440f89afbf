/**
 * `npm run bench`: wall times measured in one run, each printed with its baseline and the ratio.
 *
 * 1. Provisioning (issue 3): `setup --yes` on a fresh bucket against the same steps typed by hand
 *    with the aws CLI (one process per command, as the guide does), on a throwaway Ceph RGW.
 *    Goal: the wizard at least 5× faster. Plus: a no-change re-run sends zero mutating requests.
 * 2. Start-up (issue 4): `--version` and the first rendered frame of the UI, each against
 *    `node -e 0`. Goals: `--version` ≤ 1.5×, first frame ≤ 5×.
 * 3. Round trips (issue 12): `setup --dry-run` and `setup --yes` on a fresh bucket, `setup --yes`
 *    with nothing to change, and `verify`, each through a local proxy that delays every request by
 *    BENCH_DELAY_MS (100 ms), as a server across a VPN or the internet would. Printed: requests,
 *    sequential round trips (network time ÷ delay, and the longest chain of requests sent one after
 *    another), and the ratio to the dependency depth. Goals: dry-run and no-change ≤ 2, fresh ≤ 6,
 *    verify ≤ 2 round trips; requests never above the counts measured before issue 12 (`before`).
 * 4. Re-signing (issue 11, bench/resign-bench.ts): 10,000 narinfos against a plain GET+PUT loop.
 *    Goal: at least half the floor's throughput; resident memory flat from 1,000 to 10,000.
 * 4b. Prune (issue 19, bench/prune-bench.ts): 20,000 narinfos, half unreachable, on RGW and MinIO,
 *    against a floor of the same listing, GETs and DeleteObjects. Goals: ≥ 0.5× the floor's
 *    throughput; resident memory growth ≤ 50 MiB from 2,000 to 20,000 narinfos.
 * 5. MinIO (issue 7): on one throwaway real MinIO, the guide's command sequence typed as written
 *    with the real mc (one process per command, including `nix key generate-secret`;
 *    test/helpers/guide-commands.ts) against `setup --yes` doing the same on a fresh bucket, for
 *    adminVia "api" and "mc". Goal: ≥ 5× with "api". Plus: a no-change re-run of each sends zero
 *    mutating requests (counted through a recording proxy).
 * 6. Doctor (issue 18, bench/doctor-bench.ts): the scan over 20,000 narinfos with their NARs on the
 *    real RGW and MinIO against a floor (the listing plus a bare GET of every narinfo). Goals:
 *    ≥ 0.5× the floor's throughput; peak RSS growth ≤ 30 MiB from 2,000 to 20,000 narinfos; the
 *    time of --deep --sample 100 printed.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startCephRgw, type CephRgw } from '../test/helpers/ceph-rgw';
import { runGuideCommands, writeGuideFiles } from '../test/helpers/guide-commands';
import { makeNixSandbox } from '../test/helpers/nix';
import { ensureMinioBinaries, startMinio, type MinioInfo } from '../test/helpers/minio-server';
import { startRecordingProxy, type RecordingProxy } from '../test/helpers/recording-proxy';
import { doctorBench } from './doctor-bench';
import { resignBench } from './resign-bench';
import { pruneBench } from './prune-bench';

/** BENCH_CLI: another build to measure (e.g. main's, for the before column) */
const CLI = resolve(process.env['BENCH_CLI'] ?? 'dist/cli.js');
const RUNS = Number(process.env['BENCH_RUNS'] ?? 5);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function ms(value: number): string {
  return `${value.toFixed(0).padStart(6)} ms`;
}

function run(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string } = {}): string {
  const result = spawnSync(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, input: options.input, encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed (${result.status}): ${result.stderr}`);
  return result.stdout;
}

/** Like run, without blocking the event loop (the recording proxy lives in this process). */
function runAsync(command: string, args: readonly string[], options: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, [...args], { env: options.env ?? process.env, cwd: options.cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolvePromise() : reject(new Error(`${command} ${args.join(' ')} failed (${code}): ${stderr}`))));
  });
}

/** CPU seconds (user + system) of this process's finished children, from /proc/self/stat. */
function childrenCpuMs(): number {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 (state): cutime and cstime are fields 16 and 17, in clock ticks (100/s)
    return (Number(fields[13]) + Number(fields[14])) * 10;
  } catch {
    return NaN;
  }
}

async function timedAsync(work: () => Promise<void>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

function timed(work: () => void): number {
  const start = performance.now();
  work();
  return performance.now() - start;
}

function hasProgram(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

interface Workspace {
  readonly dir: string;
  readonly home: string;
  readonly env: NodeJS.ProcessEnv;
}

function workspace(): Workspace {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-bench-'));
  const home = join(dir, 'home');
  mkdirSync(home);
  return { dir, home, env: { PATH: process.env['PATH'], HOME: home } };
}

function wizardRun(rgw: CephRgw | { endpoint: string; accessKey: string; secretKey: string }, bucket: string, user: string, ws: Workspace): Promise<number> {
  writeFileSync(
    join(ws.dir, 'answers.json'),
    JSON.stringify({ backend: 'ceph', endpoint: rgw.endpoint, admin: { accessKey: rgw.accessKey, secretKey: rgw.secretKey }, bucket, builder: { accessKey: user }, expireDays: 30 }),
  );
  return timedAsync(() => runAsync('node', [CLI, 'setup', '--yes', '--answers', 'answers.json'], { env: ws.env, cwd: ws.dir }));
}

/** The guide's steps for Ceph, one process per command, as a person (or a shell script) runs them. */
function manualRun(rgw: CephRgw, bucket: string, user: string, ws: Workspace): number {
  const env = { ...ws.env, AWS_ACCESS_KEY_ID: rgw.accessKey, AWS_SECRET_ACCESS_KEY: rgw.secretKey, AWS_DEFAULT_REGION: 'us-east-1', AWS_CONFIG_FILE: '/dev/null' };
  const aws = (...args: string[]) => run('aws', ['--endpoint-url', rgw.endpoint, ...args], { env, cwd: ws.dir });
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Sid: 'NixCacheBuilderWrite', Effect: 'Allow', Principal: { AWS: [`arn:aws:iam:::user/${user}`] }, Action: ['s3:PutObject', 's3:GetObject', 's3:ListBucket', 's3:AbortMultipartUpload', 's3:ListMultipartUploadParts', 's3:ListBucketMultipartUploads', 's3:GetBucketLocation'], Resource: [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`] },
      { Sid: 'NixCacheAnonymousRead', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${bucket}/*`] },
    ],
  };
  writeFileSync(join(ws.dir, 'policy.json'), JSON.stringify(policy));
  writeFileSync(join(ws.dir, 'nix-cache-info'), 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
  writeFileSync(join(ws.dir, 'lifecycle.json'), JSON.stringify({ Rules: [{ ID: 'expire', Status: 'Enabled', Filter: { Prefix: '' }, Expiration: { Days: 30 } }] }));
  const nix = hasProgram('nix');
  return timed(() => {
    if (nix) {
      const secret = run('nix', ['--extra-experimental-features', 'nix-command', 'key', 'generate-secret', '--key-name', 'cache-1'], { env });
      run('nix', ['--extra-experimental-features', 'nix-command', 'key', 'convert-secret-to-public'], { env, input: secret });
    }
    aws('s3api', 'list-buckets');
    aws('s3api', 'create-bucket', '--bucket', bucket);
    run('radosgw-admin', ['-c', rgw.confPath, 'user', 'create', `--uid=${user}`, `--display-name=${user}`, '--max-buckets=-1'], { env });
    aws('s3api', 'put-bucket-policy', '--bucket', bucket, '--policy', 'file://policy.json');
    aws('s3', 'cp', 'nix-cache-info', `s3://${bucket}/nix-cache-info`, '--content-type', 'text/x-nix-cache-info');
    aws('s3api', 'put-bucket-lifecycle-configuration', '--bucket', bucket, '--lifecycle-configuration', 'file://lifecycle.json');
  });
}

async function provisioningBench(): Promise<void> {
  if (!hasProgram('aws')) {
    console.log('provisioning: skipped, the aws CLI is not installed (apt-get install awscli)');
    return;
  }
  console.log('Starting a throwaway Ceph RGW on 127.0.0.1 …');
  const rgw = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  try {
    // The first bucket and object on a fresh cluster create its pools (~2 s each): warm up first.
    const warm = workspace();
    await wizardRun(rgw, `warm-${randomBytes(3).toString('hex')}`, `warm${randomBytes(3).toString('hex')}`, warm);
    const wizard: number[] = [];
    const manual: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const id = randomBytes(4).toString('hex');
      wizard.push(await wizardRun(rgw, `bench-w-${id}`, `benchw${id}`, workspace()));
      manual.push(manualRun(rgw, `bench-m-${id}`, `benchm${id}`, workspace()));
    }
    const w = median(wizard);
    const m = median(manual);
    console.log(`\nProvisioning a fresh bucket on Ceph RGW (median of ${RUNS}):`);
    console.log(`  by hand, aws CLI + radosgw-admin${hasProgram('nix') ? ' + nix key' : ''} (one process per command) ${ms(m)}   (baseline)`);
    console.log(`  nix-cache-wizard setup --yes                                ${ms(w)}   ${(m / w).toFixed(1)}× faster (goal ≥ 5×)`);

    // A no-change re-run, counted through a recording proxy.
    const proxy = await startRecordingProxy(rgw.endpoint);
    try {
      const ws = workspace();
      const id = randomBytes(4).toString('hex');
      const through = { endpoint: proxy.endpoint, accessKey: rgw.accessKey, secretKey: rgw.secretKey };
      await wizardRun(through, `bench-r-${id}`, `benchr${id}`, ws);
      proxy.clear();
      const again = await wizardRun(through, `bench-r-${id}`, `benchr${id}`, ws);
      console.log(`  no-change re-run: ${ms(again)}, ${proxy.requests.length} requests, ${proxy.mutating().length} mutating (goal 0)`);
    } finally {
      await proxy.close();
    }
  } finally {
    await rgw.stop();
  }
}

/** Wall time of a command run in a pseudo-terminal (via `script`), until it exits. */
function ptyExit(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm-256color' }, stdio: ['pipe', 'ignore', 'ignore'] });
    child.on('exit', () => resolvePromise(performance.now() - start));
    child.on('error', reject);
  });
}

/** Time until the process writes its first frame to a pseudo-terminal (via `script`), then stop it. */
function firstOutput(command: string, env: NodeJS.ProcessEnv): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const start = performance.now();
    const child = spawn('script', ['-qfec', command, '/dev/null'], { env: { ...env, TERM: 'xterm-256color', COLUMNS: '80', LINES: '24' }, stdio: ['pipe', 'pipe', 'ignore'] });
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no frame within 10 s: ${JSON.stringify(output.slice(0, 200))}`));
    }, 10_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
      // a frame: visible text, not just terminal set-up sequences
      // eslint-disable-next-line no-control-regex -- strips terminal escape sequences
      if (/[A-Za-z]{4,}/.test(output.replace(/\u001B\[[0-9;?]*[A-Za-z]/g, ''))) {
        const elapsed = performance.now() - start;
        clearTimeout(timer);
        child.kill('SIGKILL');
        resolvePromise(elapsed);
      }
    });
    child.on('error', reject);
  });
}

async function startupBench(): Promise<void> {
  const nodeBaseline: number[] = [];
  const version: number[] = [];
  for (let i = 0; i < Math.max(RUNS, 10); i++) {
    nodeBaseline.push(timed(() => run('node', ['-e', '0'])));
    version.push(timed(() => run('node', [CLI, '--version'])));
  }
  const base = median(nodeBaseline);
  console.log(`\nStart-up (median of ${nodeBaseline.length}):`);
  console.log(`  node -e 0                      ${ms(base)}   (baseline)`);
  console.log(`  nix-cache-wizard --version     ${ms(median(version))}   ${(median(version) / base).toFixed(2)}× (goal ≤ 1.3×)`);
  if (!hasProgram('script')) {
    console.log('  first frame: skipped, `script` (util-linux) is not installed');
    return;
  }
  const ws = workspace();
  const frames: number[] = [];
  const ptyBaseline: number[] = [];
  try {
    for (let i = 0; i < Math.max(RUNS, 5); i++) {
      ptyBaseline.push(await ptyExit('node -e 0', ws.env));
      frames.push(await firstOutput(`node ${CLI}`, ws.env));
    }
    const ptyBase = median(ptyBaseline);
    console.log(`  node -e 0 in a pty (to exit)   ${ms(ptyBase)}   (baseline)`);
    console.log(`  first UI frame in a pty         ${ms(median(frames))}   ${(median(frames) / ptyBase).toFixed(2)}× (goal ≤ 4×)`);
  } catch (error) {
    console.log(`  first frame: could not be measured: ${(error as Error).message}`);
  } finally {
    rmSync(ws.dir, { recursive: true, force: true });
  }
}

/** `setup --yes` on MinIO with the guide's choices (expiry 7 days), through `endpoint`. */
function minioWizardRun(minio: MinioInfo, endpoint: string, adminVia: 'api' | 'mc', bucket: string, user: string, ws: Workspace): Promise<number> {
  writeFileSync(
    join(ws.dir, 'answers.json'),
    JSON.stringify({ backend: 'minio', adminVia, endpoint, admin: { accessKey: minio.accessKey, secretKey: minio.secretKey }, bucket, builder: { accessKey: user }, expireDays: 7 }),
  );
  const env = { ...ws.env, PATH: `${dirname(minio.mcPath)}:${ws.env['PATH'] ?? ''}` };
  return timedAsync(() => runAsync('node', [CLI, 'setup', '--yes', '--answers', 'answers.json'], { env, cwd: ws.dir }));
}

/** The guide's MinIO commands as written, one process per command (mc, nix key). */
async function minioManualRun(minio: MinioInfo, bucket: string, user: string, ws: Workspace, nixEnv: NodeJS.ProcessEnv | undefined): Promise<number> {
  const setup = { home: ws.home, cwd: ws.dir, bucket, user, secret: randomBytes(16).toString('hex'), expireDays: 7, keyName: 'cache-1', ...(nixEnv ? { nixEnv } : {}) };
  writeGuideFiles(minio, setup);
  return timedAsync(() => runGuideCommands(minio, setup));
}

async function minioBench(): Promise<void> {
  const binaries = ensureMinioBinaries();
  if (typeof binaries === 'string') {
    console.log(`MinIO: skipped, ${binaries}`);
    return;
  }
  console.log('\nStarting a throwaway MinIO on 127.0.0.1 …');
  const minio = await startMinio();
  const nixEnv = hasProgram('nix') ? makeNixSandbox().env : undefined;
  try {
    const id = () => randomBytes(4).toString('hex');
    // warm up: the first bucket and user on a fresh server, and the page cache for node and mc
    await minioWizardRun(minio, minio.endpoint, 'api', `warm-${id()}`, `warm${id()}`, workspace());
    await minioManualRun(minio, `warm-${id()}`, `warm${id()}`, workspace(), nixEnv);
    const times: Record<'manual' | 'api' | 'mc', number[]> = { manual: [], api: [], mc: [] };
    // CPU time of the client processes (the server's is the same for both): a figure that a
    // loaded machine, where wall time mostly measures waiting for a core, distorts less.
    const cpu: Record<'manual' | 'api' | 'mc', number[]> = { manual: [], api: [], mc: [] };
    const measure = async (which: 'manual' | 'api' | 'mc', work: () => Promise<number>) => {
      const before = childrenCpuMs();
      times[which].push(await work());
      cpu[which].push(childrenCpuMs() - before);
    };
    for (let i = 0; i < RUNS; i++) {
      const run = id();
      await measure('manual', () => minioManualRun(minio, `bench-m-${run}`, `benchm${run}`, workspace(), nixEnv));
      await measure('api', () => minioWizardRun(minio, minio.endpoint, 'api', `bench-a-${run}`, `bencha${run}`, workspace()));
      await measure('mc', () => minioWizardRun(minio, minio.endpoint, 'mc', `bench-c-${run}`, `benchc${run}`, workspace()));
    }
    const m = median(times.manual);
    const mCpu = median(cpu.manual);
    console.log(`\nProvisioning a fresh bucket on MinIO (median of ${RUNS}; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores):`);
    console.log(`  the guide by hand, real mc${nixEnv ? ' + nix key' : ''} (one process per command) ${ms(m)}   (baseline), client CPU ${ms(mCpu)}`);
    for (const via of ['api', 'mc'] as const) {
      const w = median(times[via]);
      const c = median(cpu[via]);
      console.log(`  setup --yes, adminVia ${via.padEnd(3)}                         ${ms(w)}   ${(m / w).toFixed(1)}× faster${via === 'api' ? ' (goal ≥ 5×)' : ''}, client CPU ${ms(c)} (${(mCpu / c).toFixed(1)}×)`);
    }
    const proxy = await startRecordingProxy(minio.endpoint);
    try {
      for (const via of ['api', 'mc'] as const) {
        const ws = workspace();
        const run = id();
        await minioWizardRun(minio, proxy.endpoint, via, `bench-r-${run}`, `benchr${run}`, ws);
        proxy.clear();
        const again = await minioWizardRun(minio, proxy.endpoint, via, `bench-r-${run}`, `benchr${run}`, ws);
        console.log(`  no-change re-run, adminVia ${via.padEnd(3)}: ${ms(again)}, ${proxy.requests.length} requests, ${proxy.mutating().length} mutating (goal 0)`);
      }
    } finally {
      await proxy.close();
    }
  } finally {
    await minio.stop();
  }
}

/** A server the latency bench runs against: its real endpoint, admin keys and answers. */
interface LatencyTarget {
  readonly name: string;
  readonly endpoint: string;
  readonly answers: (endpoint: string, bucket: string, user: string) => Record<string, unknown>;
}

interface LatencyCase {
  readonly label: string;
  /** the floor: the depth of the real dependencies between the requests (see latencyBench) */
  readonly depth: number;
  readonly goal: number;
  /** requests before issue 12 (the most this command may send) */
  readonly before: number;
}

/**
 * Round trips behind latency. The floor of each command is the depth of its real dependencies:
 *  - --dry-run and no change: one round of reads (on Ceph, whose the builder's access key is, is
 *    asked together with the user; on MinIO an existing user's secret is tried once it is known
 *    to exist: two).
 *  - fresh --yes: the reads; bucket and user (MinIO: and the canned policy); the bucket's
 *    documents read again (it is ours now) with nix-cache-info put (MinIO: and attach); then the
 *    bucket's policy and lifecycle writes, one at a time (both servers mishandle overlapping
 *    ones, s3-documents.ts): on Ceph lifecycle, builder statement, anonymous statement, three
 *    rounds with the lifecycle read back alongside; on MinIO lifecycle and anonymous statement,
 *    then the policy read back.
 *  - verify: anonymous read, listing, the builder's upload and delete and the lifecycle read are
 *    independent: one round.
 */
async function latencyBench(target: LatencyTarget, cases: { dryRun: LatencyCase; fresh: LatencyCase; again: LatencyCase; verify: LatencyCase }): Promise<void> {
  const delayMs = Number(process.env['BENCH_DELAY_MS'] ?? 100);
  const proxy: RecordingProxy = await startRecordingProxy(target.endpoint, { delayMs });
  const ws = workspace();
  const id = randomBytes(4).toString('hex');
  writeFileSync(join(ws.dir, 'answers.json'), JSON.stringify(target.answers(proxy.endpoint, `lat-${id}`, `lat${id}`)));
  const rows: string[] = [];
  const measure = async (c: LatencyCase, args: string[]) => {
    proxy.clear();
    const wall = await timedAsync(() => runAsync('node', [CLI, ...args, '--answers', 'answers.json'], { env: ws.env, cwd: ws.dir }));
    const requests = proxy.requests.length;
    const byTime = proxy.busyMs() / delayMs;
    const chain = proxy.sequentialRounds();
    if (process.env['BENCH_TRACE']) {
      const t0 = Math.min(...proxy.requests.map((r) => r.start));
      for (const r of [...proxy.requests].sort((a, b) => a.start - b.start)) console.log(`  ${c.label}: ${(r.start - t0).toFixed(0).padStart(5)}–${(r.end - t0).toFixed(0).padStart(5)} ms ${r.method} ${r.url.replace(/\?.*(uid|access-key)=[^&]*/, '?…')} ${r.status}`);
    }
    const met = chain <= c.goal && requests <= c.before ? 'yes' : 'NO';
    rows.push(
      `| ${c.label.padEnd(30)} | ${String(requests).padStart(4)} (before ${String(c.before).padStart(2)}) | ${byTime.toFixed(1).padStart(5)} | ${String(chain).padStart(5)} | ${String(c.depth).padStart(5)} | ${(chain / c.depth).toFixed(1).padStart(5)} | ${String(c.goal).padStart(4)} | ${met.padEnd(3)} | ${(wall / 1000).toFixed(2)} s |`,
    );
  };
  try {
    await measure(cases.dryRun, ['setup', '--dry-run']);
    await measure(cases.fresh, ['setup', '--yes']);
    await measure(cases.again, ['setup', '--yes']);
    await measure(cases.verify, ['verify']);
  } finally {
    await proxy.close();
    rmSync(ws.dir, { recursive: true, force: true });
  }
  console.log(`\nRound trips on ${target.name}, every request delayed ${delayMs} ms by a proxy on 127.0.0.1:`);
  console.log('| command                        | requests         | time÷delay | chain | depth | ratio | goal | met | wall |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

/** MinIO request counts before issue 12 (measured with BENCH_CLI set to a build of main before it). */
const MINIO_BEFORE = { dryRun: 8, fresh: 23, again: 10, verify: 5 };

async function roundTripBench(): Promise<void> {
  console.log('\nStarting a throwaway Ceph RGW on 127.0.0.1 for the round-trip bench …');
  const rgw = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  try {
    // The first bucket and object on a fresh cluster create its pools (~2 s each): warm up first.
    await wizardRun(rgw, `warm-${randomBytes(3).toString('hex')}`, `warm${randomBytes(3).toString('hex')}`, workspace());
    await latencyBench(
      {
        name: 'Ceph RGW',
        endpoint: rgw.endpoint,
        answers: (endpoint, bucket, user) => ({ backend: 'ceph', endpoint, admin: { accessKey: rgw.accessKey, secretKey: rgw.secretKey }, bucket, builder: { accessKey: user }, expireDays: 30 }),
      },
      {
        dryRun: { label: 'setup --dry-run, fresh bucket', depth: 1, goal: 2, before: 9 },
        fresh: { label: 'setup --yes, fresh bucket', depth: 6, goal: 6, before: 25 },
        again: { label: 'setup --yes, nothing to change', depth: 1, goal: 2, before: 9 },
        verify: { label: 'verify', depth: 1, goal: 2, before: 5 },
      },
    );
  } finally {
    await rgw.stop();
  }
  console.log('\nStarting a throwaway MinIO on 127.0.0.1 for the round-trip bench …');
  let minio: Awaited<ReturnType<typeof startMinio>>;
  try {
    minio = await startMinio();
  } catch (error) {
    console.log(`round trips on MinIO: skipped, ${(error as Error).message}`);
    return;
  }
  try {
    await latencyBench(
      {
        name: 'MinIO',
        endpoint: minio.endpoint,
        answers: (endpoint, bucket, user) => ({ backend: 'minio', endpoint, admin: { accessKey: minio.accessKey, secretKey: minio.secretKey }, bucket, builder: { accessKey: user }, expireDays: 30 }),
      },
      {
        dryRun: { label: 'setup --dry-run, fresh bucket', depth: 1, goal: 2, before: MINIO_BEFORE.dryRun },
        fresh: { label: 'setup --yes, fresh bucket', depth: 6, goal: 6, before: MINIO_BEFORE.fresh },
        again: { label: 'setup --yes, nothing to change', depth: 2, goal: 2, before: MINIO_BEFORE.again },
        verify: { label: 'verify', depth: 1, goal: 2, before: MINIO_BEFORE.verify },
      },
    );
  } finally {
    await minio.stop();
  }
}

// BENCH_ONLY=startup|provisioning (or ceph)|round-trips|resign|prune|minio runs one part.
const only = process.env['BENCH_ONLY'];
if (!only || only === 'startup') await startupBench();
if (!only || only === 'provisioning' || only === 'ceph') await provisioningBench();
if (!only || only === 'round-trips') await roundTripBench();
if (!only || only === 'resign') await resignBench();
if (!only || only === 'prune') await pruneBench();
if (!only || only === 'minio') await minioBench();
if (!only || only === 'doctor') await doctorBench();
