/**
 * The doctor (issue 18): a bucket of N narinfos (default 20,000) with their NARs, a synthetic
 * closure graph (each path refers to up to 3 earlier ones, so every closure is complete), signed,
 * small NARs stored uncompressed with true hashes, on a throwaway real Ceph RGW and a real MinIO.
 * In one run, per server:
 *  - the floor: the listing plus a bare concurrent GET of every narinfo (same concurrency, no
 *    parsing, no checks, no signature);
 *  - the doctor's scan (scanCache), in a child process so its peak resident memory is its own:
 *    once on the first 2,000 narinfos (a bucket of its own) and once on all N. Goals: at least
 *    half the floor's throughput; peak RSS growth ≤ 30 MiB from 2,000 to N;
 *  - `doctor --deep --sample 100` as the command runs it: the scan drawing the sample during its
 *    own narinfo pass, then 100 NARs downloaded and checked (and a HEAD of every other NAR, for
 *    the aws-chunked trap): the whole time printed, the scan's part beside it.
 */
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import type { Client } from 'minio';
import { createS3Client } from '../source/backends/s3/s3-connection';
import { runDeepCheck } from '../source/doctor/deep-check';
import { sampleDuringScan } from '../source/doctor/run-deep-repair';
import { bucketSource, scanCache, type ScanProgress } from '../source/doctor/scan-cache';
import { listBucket } from '../source/inventory/list-bucket';
import { narinfoFingerprint } from '../source/keys/narinfo-fingerprint';
import { nativeSigner, nativeVerifier } from '../source/keys/native-ed25519';
import { nixBase32 } from '../source/keys/nix-base32';
import { parseNixPublicKey } from '../source/keys/nix-public-key';
import { generateNixSecretKey } from '../source/keys/nix-secret-key';
import { startCephRgw } from '../test/helpers/ceph-rgw';
import { ensureMinioBinaries, startMinio } from '../test/helpers/minio-server';
import { mib, pool } from './bench-tools';

const COUNT = Number(process.env['BENCH_NARINFOS'] ?? 20_000);
const SMALL = Math.min(2_000, COUNT);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const SEED_CONCURRENCY = 64;

interface Server {
  readonly endpoint: string;
  readonly accessKey: string;
  readonly secretKey: string;
}

/** What the child process is told: where to scan, and with which trusted key. */
interface ChildTask {
  /** run with --expose-gc and collect once the last narinfo is checked (the tables still held): the heap the scan retains, not its peak */
  readonly measureHeap?: boolean;
  readonly server: Server;
  readonly bucket: string;
  readonly publicKey: string;
}

function clientFor(server: Server): Client {
  return createS3Client({ endpoint: server.endpoint, region: 'us-east-1', accessKey: server.accessKey, secretKey: server.secretKey });
}

/** Seeds `count` paths into each of `buckets` (the first `count` paths go to all of them). */
async function seed(client: Client, buckets: readonly { bucket: string; count: number }[], signer: ReturnType<typeof nativeSigner>): Promise<void> {
  const total = Math.max(...buckets.map((b) => b.count));
  const names: string[] = [];
  for (let i = 0; i < total; i++) names.push(`${nixBase32(randomBytes(20)).slice(0, 32)}-bench-${i}`);
  await pool(
    Array.from({ length: total }, (_, i) => i),
    SEED_CONCURRENCY,
    async (i) => {
      const name = names[i]!;
      // up to 3 references to earlier paths: a closure graph whose every closure is in the cache
      const references = i === 0 ? [] : [...new Set([0, 1, 2].map(() => names[Math.floor(Math.random() * i)]!))].sort();
      const nar = randomBytes(200 + (i % 800));
      const hash = nixBase32(createHash('sha256').update(nar).digest());
      const storePath = `/nix/store/${name}`;
      const info = { storePath, narHash: `sha256:${hash}`, narSize: nar.length, references: references.map((ref) => `/nix/store/${ref}`) };
      const narKey = `nar/${hash}.nar`;
      const text = [
        `StorePath: ${storePath}`,
        `URL: ${narKey}`,
        'Compression: none',
        `FileHash: sha256:${hash}`,
        `FileSize: ${nar.length}`,
        `NarHash: sha256:${hash}`,
        `NarSize: ${nar.length}`,
        `References: ${references.join(' ')}`,
        `Sig: ${signer.sign(narinfoFingerprint(info))}`,
        '',
      ].join('\n');
      for (const { bucket, count } of buckets) {
        if (i >= count) continue;
        await client.putObject(bucket, narKey, nar, nar.length, { 'Content-Type': 'application/x-nix-nar' });
        await client.putObject(bucket, `${name.slice(0, 32)}.narinfo`, Buffer.from(text), text.length, { 'Content-Type': 'text/x-nix-narinfo' });
      }
    },
  );
}

/** The floor: the listing, then a bare GET of every narinfo, `CONCURRENCY` at once. */
async function floor(client: Client, bucket: string): Promise<number> {
  const start = performance.now();
  const keys: string[] = [];
  for await (const object of listBucket(client, bucket)) if (object.kind === 'narinfo') keys.push(object.key);
  await pool(keys, CONCURRENCY, async (key) => {
    const response = (await client.getObject(bucket, key)) as IncomingMessage;
    for await (const chunk of response) void chunk;
  });
  return performance.now() - start;
}

/** Runs the scan in a child process (this file again): its time and its peak resident memory. */
interface ChildRun {
  readonly ms: number;
  readonly maxRss: number;
  /** with measureHeap: the heap used after a full collection once every narinfo is checked (the scan's tables held) */
  readonly heapAfterGc: number;
  readonly findings: number;
  readonly narinfos: number;
}

function scanInChild(task: ChildTask): ChildRun {
  // the peak RSS run has no flag (the scan runs as the product does); the heap run has --expose-gc
  const result = spawnSync(process.execPath, [...(task.measureHeap ? ['--expose-gc'] : []), '--import', 'tsx', fileURLToPath(import.meta.url)], {
    env: { ...process.env, DOCTOR_BENCH_CHILD: JSON.stringify(task) },
    encoding: 'utf8',
    maxBuffer: 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`the doctor scan failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as ChildRun;
}

async function child(task: ChildTask): Promise<void> {
  const client = clientFor(task.server);
  const start = performance.now();
  let heapAfterGc = 0;
  const onProgress = (progress: ScanProgress) => {
    if (!task.measureHeap || progress.phase !== 'narinfos' || progress.done !== progress.total) return;
    (globalThis as { gc?: () => void }).gc?.();
    heapAfterGc = process.memoryUsage().heapUsed;
  };
  const report = await scanCache({ source: bucketSource(client, task.bucket, CONCURRENCY), trusted: [nativeVerifier(parseNixPublicKey(task.publicKey, 'bench'))], now: new Date(), concurrency: CONCURRENCY, onProgress });
  const ms = performance.now() - start;
  const maxRss = process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB
  console.log(JSON.stringify({ ms, maxRss, heapAfterGc, findings: report.findings.length, narinfos: report.narinfos.read }));
}

async function benchOn(label: string, server: Server): Promise<string[]> {
  const client = clientFor(server);
  const id = randomBytes(3).toString('hex');
  const small = `doctor-small-${id}`;
  const large = `doctor-large-${id}`;
  await client.makeBucket(small);
  await client.makeBucket(large);
  const key = generateNixSecretKey('bench-doctor-1', (n) => new Uint8Array(randomBytes(n)));
  const seedStart = performance.now();
  await seed(client, [{ bucket: small, count: SMALL }, { bucket: large, count: COUNT }], nativeSigner(key));
  console.log(`  ${label}: seeded ${COUNT} + ${SMALL} narinfos with their NARs in ${((performance.now() - seedStart) / 1000).toFixed(0)} s`);

  const floorMs = await floor(client, large);
  const task = { server, publicKey: key.publicKeyText() };
  const smallRun = scanInChild({ ...task, bucket: small });
  const largeRun = scanInChild({ ...task, bucket: large });
  const smallHeap = scanInChild({ ...task, bucket: small, measureHeap: true });
  const largeHeap = scanInChild({ ...task, bucket: large, measureHeap: true });
  // --deep --sample 100 as the command runs it: the sample drawn during the scan's narinfo pass, then checked
  const deepStart = performance.now();
  const sampled = sampleDuringScan({ deep: true, sample: 100 }, { randomBytes: (n) => new Uint8Array(randomBytes(n)) })!;
  await scanCache({ source: bucketSource(client, large, CONCURRENCY), trusted: [nativeVerifier(parseNixPublicKey(task.publicKey, 'bench'))], now: new Date(), concurrency: CONCURRENCY, onNarinfo: sampled.onNarinfo });
  const scanMs = performance.now() - deepStart;
  const deep = await runDeepCheck({ client, bucket: large, random: Math.random, sample: 100, drawn: sampled.drawn() });
  const deepMs = performance.now() - deepStart;
  const perSecond = (ms: number) => `${(COUNT / (ms / 1000)).toFixed(0).padStart(5)} narinfos/s`;
  const growth = largeRun.maxRss - smallRun.maxRss;
  return [
    `| ${label} | floor: listing + bare GET of every narinfo | ${perSecond(floorMs)} (${(floorMs / 1000).toFixed(1)} s) | baseline |`,
    `| ${label} | doctor scan (${largeRun.narinfos} narinfos, ${largeRun.findings} findings) | ${perSecond(largeRun.ms)} (${(largeRun.ms / 1000).toFixed(1)} s) | ${(floorMs / largeRun.ms).toFixed(2)}× the floor (goal ≥ 0.5×) |`,
    `| ${label} | peak RSS of the scan, ${SMALL} → ${COUNT} narinfos | ${mib(smallRun.maxRss)} → ${mib(largeRun.maxRss)} | +${mib(growth)} (goal ≤ 30 MiB) |`,
    `| ${label} | heap after a collection once every narinfo is checked (another run, --expose-gc), ${SMALL} → ${COUNT} narinfos | ${mib(smallHeap.heapAfterGc)} → ${mib(largeHeap.heapAfterGc)} | +${mib(largeHeap.heapAfterGc - smallHeap.heapAfterGc)} |`,
    `| ${label} | doctor --deep --sample 100 (the scan drawing the sample, then 100 NARs checked: ${deep.whole} whole, and a HEAD of every other NAR) | ${(deepMs / 1000).toFixed(1)} s (scan ${(scanMs / 1000).toFixed(1)} s) | |`,
  ];
}

function printRows(rows: readonly string[]): void {
  console.log('| server | what | figure | against the floor |');
  console.log('| --- | --- | --- | --- |');
  for (const row of rows) console.log(row);
}

/** BENCH_DOCTOR_SERVERS=rgw|minio runs one server's part [both] */
export async function doctorBench(): Promise<void> {
  const servers = (process.env['BENCH_DOCTOR_SERVERS'] ?? 'rgw,minio').split(',');
  console.log(`\nDoctor over ${COUNT} narinfos with their NARs, concurrency ${CONCURRENCY}:`);
  if (servers.includes('rgw')) {
    const rgw = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
    try {
      printRows(await benchOn('Ceph RGW', rgw));
    } finally {
      await rgw.stop();
    }
  }
  if (servers.includes('minio')) {
    const binaries = ensureMinioBinaries();
    if (typeof binaries === 'string') console.log(`  MinIO: skipped, ${binaries}`);
    else {
      const minio = await startMinio();
      try {
        printRows(await benchOn('MinIO', minio));
      } finally {
        await minio.stop();
      }
    }
  }
}

const task = process.env['DOCTOR_BENCH_CHILD'];
if (task !== undefined) await child(JSON.parse(task) as ChildTask);
else if (process.argv[1]?.endsWith('doctor-bench.ts')) await doctorBench();
