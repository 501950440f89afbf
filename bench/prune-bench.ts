/**
 * Prune (issue 19): a bucket of N generated narinfos (default 20,000), each with a small NAR, in a
 * synthetic graph: the live half is 1% pinned tops whose chains (each path refers to the one
 * before it and to a random earlier live path) reach every live path; the dead half is built the
 * same way, also referring to live paths, and nothing live refers to it. On a throwaway Ceph RGW
 * and MinIO, each in one run:
 *  - the floor, on one copy of the bucket: the same recursive listing, a concurrent GET of every
 *    narinfo (same concurrency), and DeleteObjects of the dead keys, known in advance (no
 *    parsing, no marking, no re-check);
 *  - `pruneCache --apply` on another copy: list, read, mark, plan, re-check, write the report,
 *    delete.
 * Goal: prune at least half the floor's throughput (narinfos a second). Resident memory is taken,
 * in a process of prune's own (the bucket's fill and its garbage are not in it), when 2,000
 * narinfos have been read and at its highest until the end: the growth from 2,000 to N must stay
 * under 50 MiB.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { Agent } from 'node:http';
import { Client } from 'minio';
import { createS3Client } from '../source/backends/s3/s3-connection';
import { listBucket } from '../source/inventory/list-bucket';
import { pruneCache } from '../source/prune/prune-cache';
import { startCephRgw } from '../test/helpers/ceph-rgw';
import { startMinio } from '../test/helpers/minio-server';
import { mib, pool, readAll } from './bench-tools';

const COUNT = Number(process.env['BENCH_PRUNE_NARINFOS'] ?? 20_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';
const CHAIN = 100;
/** BENCH_PRUNE_FLOOR=0: prune alone (its memory), no floor; BENCH_PRUNE_SERVERS=rgw|minio: one server */
const WITH_FLOOR = process.env['BENCH_PRUNE_FLOOR'] !== '0';
const SERVERS = process.env['BENCH_PRUNE_SERVERS'] ?? 'rgw,minio';

function nixBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! % 32];
  return out;
}

interface Generated {
  readonly hash: string;
  readonly narKey: string;
  readonly text: string;
  readonly live: boolean;
}

/** The synthetic cache: live half then dead half, each in chains of CHAIN paths. */
function generate(count: number): { paths: Generated[]; pins: string[] } {
  const half = Math.floor(count / 2);
  const hashes = Array.from({ length: count }, () => nixBase32(32));
  const pins: string[] = [];
  const paths = hashes.map((hash, i): Generated => {
    const live = i < half;
    const start = live ? 0 : half;
    const offset = i - start;
    const refs = new Set<string>([hash]);
    if (offset % CHAIN !== 0) refs.add(hashes[i - 1]!);
    if (offset > 0) refs.add(hashes[start + Math.floor(Math.random() * offset)]!);
    if (!live) refs.add(hashes[Math.floor(Math.random() * half)]!);
    if (live && (offset % CHAIN === CHAIN - 1 || i === half - 1)) pins.push(hash);
    const narKey = `nar/${nixBase32(52)}.nar.xz`;
    const text = [
      `StorePath: /nix/store/${hash}-bench-${i}`,
      `URL: ${narKey}`,
      'Compression: xz',
      `FileHash: sha256:${nixBase32(52)}`,
      'FileSize: 64',
      `NarHash: sha256:${nixBase32(52)}`,
      `NarSize: ${1000 + i}`,
      `References: ${[...refs].map((ref) => `${ref}-bench`).join(' ')}`,
      `Deriver: ${nixBase32(32)}-bench-${i}.drv`,
      'Sig: bench-1:AAAA',
      '',
    ].join('\n');
    return { hash, narKey, text, live };
  });
  return { paths, pins };
}

async function fill(client: Client, bucket: string, paths: readonly Generated[]): Promise<void> {
  await client.makeBucket(bucket);
  const nar = Buffer.alloc(64, 7);
  await pool(paths, 64, async (path) => {
    await client.putObject(bucket, path.narKey, nar, nar.length);
    await client.putObject(bucket, `${path.hash}.narinfo`, Buffer.from(path.text), path.text.length, { 'Content-Type': 'text/x-nix-narinfo' });
  });
}

/** The floor: the listing, a concurrent GET of each narinfo, DeleteObjects of the dead keys (known in advance). */
async function floor(client: Client, bucket: string, dead: readonly string[]): Promise<number> {
  const start = performance.now();
  const narinfos: string[] = [];
  const listing = (async () => {
    for await (const object of listBucket(client, bucket)) if (object.kind === 'narinfo') narinfos.push(object.key);
  })();
  // the GETs start as the listing goes, as prune's do
  let listed = false;
  void listing.then(() => (listed = true));
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (;;) {
        if (next < narinfos.length) {
          const key = narinfos[next++]!;
          await readAll((await client.getObject(bucket, key)) as IncomingMessage);
        } else if (listed) return;
        else await Promise.race([listing, new Promise((resolve) => setImmediate(resolve))]);
      }
    }),
  );
  await listing;
  const batches: string[][] = [];
  for (let i = 0; i < dead.length; i += 1000) batches.push(dead.slice(i, i + 1000));
  await pool(batches, 4, async (batch) => {
    await client.removeObjects(bucket, batch);
  });
  return performance.now() - start;
}

interface PruneTask {
  readonly server: { readonly endpoint: string; readonly accessKey: string; readonly secretKey: string };
  readonly bucket: string;
  readonly pins: readonly string[];
}

interface PruneRun {
  readonly result: { readonly deleted: { readonly narinfo: number; readonly nar: number } };
  readonly oursMs: number;
  readonly atMark?: number;
  readonly highest: number;
  /** the phase in which resident memory was highest */
  readonly peakPhase: string;
  readonly markHeap?: number;
  readonly endHeap?: number;
  readonly endRss?: number;
}

/** Runs prune in a child process (this file again, with this process's node flags: --expose-gc when given). */
function pruneInChild(task: PruneTask): PruneRun {
  const result = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url)], {
    env: { ...process.env, PRUNE_BENCH_CHILD: JSON.stringify(task) },
    encoding: 'utf8',
    maxBuffer: 4 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`prune failed: ${result.stderr}`);
  return JSON.parse(result.stdout.trim().split('\n').pop()!) as PruneRun;
}

async function child(task: PruneTask): Promise<void> {
  const { server } = task;
  const client = createS3Client({ endpoint: server.endpoint, region: 'us-east-1', accessKey: server.accessKey, secretKey: server.secretKey });
  const dir = mkdtempSync(join(tmpdir(), 'prune-bench-'));
  let atMark: number | undefined;
  let highest = 0;
  // with node --expose-gc: memory after a collection, what is really held, besides the high-water mark
  const gc = (globalThis as { gc?: () => void }).gc;
  let markHeap: number | undefined;
  let endHeap: number | undefined;
  let endRss: number | undefined;
  let phase = 'scan';
  let peakPhase = phase;
  const sample = () => {
    const rss = process.memoryUsage().rss;
    if (rss > highest) peakPhase = phase;
    highest = Math.max(highest, rss);
    return rss;
  };
  const start = performance.now();
  const result = await pruneCache({
    client,
    bucket: task.bucket,
    now: () => new Date(),
    keepDays: 0,
    minAgeMs: 0,
    pins: task.pins,
    apply: true,
    reportPath: join(dir, 'prune.keys'),
    concurrency: CONCURRENCY,
    progressEveryMs: 0,
    onProgress: (progress) => {
      phase = progress.phase;
      const rss = sample();
      if (atMark === undefined && progress.read >= 2000) {
        gc?.();
        atMark = process.memoryUsage().rss;
        highest = Math.max(rss, atMark);
        markHeap = process.memoryUsage().heapUsed;
      }
      // what is still held once the scan is done and the plan made: the graph and the plan
      if (progress.phase === 'recheck' && endHeap === undefined) {
        gc?.();
        endHeap = process.memoryUsage().heapUsed;
        endRss = sample();
      }
    },
  });
  sample();
  const oursMs = performance.now() - start;
  rmSync(dir, { recursive: true, force: true });
  console.log(JSON.stringify({ result: { deleted: result.deleted }, oursMs, atMark, highest, peakPhase, markHeap, endHeap, endRss }));
}

async function benchOn(name: string, server: { endpoint: string; accessKey: string; secretKey: string }): Promise<void> {
  const client = createS3Client({ endpoint: server.endpoint, region: 'us-east-1', accessKey: server.accessKey, secretKey: server.secretKey });
  const { paths, pins } = generate(COUNT);
  const dead = paths.filter((p) => !p.live).flatMap((p) => [`${p.hash}.narinfo`, p.narKey]);
  const id = randomBytes(3).toString('hex');
  const fillStart = performance.now();
  // filling is not measured: a client that keeps its connections open writes them faster
  const url = new URL(server.endpoint);
  const filler = new Client({ endPoint: url.hostname, port: Number(url.port), useSSL: false, pathStyle: true, region: 'us-east-1', accessKey: server.accessKey, secretKey: server.secretKey, transportAgent: new Agent({ keepAlive: true, maxSockets: 64 }) });
  if (WITH_FLOOR) await fill(filler, `floor-${id}`, paths);
  await fill(filler, `prune-${id}`, paths);
  console.log(`  ${name}: two buckets of ${COUNT} narinfos and NARs written in ${((performance.now() - fillStart) / 1000).toFixed(0)} s`);

  const floorMs = WITH_FLOOR ? await floor(client, `floor-${id}`, dead) : NaN;

  // prune runs in a process of its own (as the command does): the fill's texts and garbage are not in its memory
  const run = pruneInChild({ server, bucket: `prune-${id}`, pins });
  const { result, oursMs, atMark, highest, peakPhase, markHeap, endHeap, endRss } = run;
  // the child runs with this process's flags: it collected when this one can
  const gc = (globalThis as { gc?: () => void }).gc;
  const deletedAll = result.deleted.narinfo + result.deleted.nar;
  const perSecond = (ms: number) => (COUNT / (ms / 1000)).toFixed(0).padStart(6);
  if (WITH_FLOOR) console.log(`  ${name}: floor (list + GET each narinfo + DeleteObjects of ${dead.length} keys) ${perSecond(floorMs)} narinfos/s  (${(floorMs / 1000).toFixed(1)} s, baseline)`);
  console.log(
    `  ${name}: prune --apply                                          ${perSecond(oursMs)} narinfos/s  (${(oursMs / 1000).toFixed(1)} s) ${WITH_FLOOR ? `= ${(floorMs / oursMs).toFixed(2)}× the floor (goal ≥ 0.5×)` : '(no floor run)'}; deleted ${deletedAll} of ${dead.length} dead keys${deletedAll === dead.length ? '' : ' (WRONG)'}`,
  );
  const growth = highest - (atMark ?? highest);
  console.log(`  ${name}: resident memory ${mib(atMark ?? 0)} at 2,000 narinfos read, at most ${mib(highest)} until the end: growth ${mib(growth)} (goal ≤ 50 MiB), highest in the ${peakPhase} phase`);
  if (gc && markHeap !== undefined && endHeap !== undefined && endRss !== undefined) {
    console.log(`  ${name}: after a collection: resident ${mib(atMark ?? 0)} → ${mib(endRss)} (growth ${mib(endRss - (atMark ?? 0))}), JS heap ${mib(markHeap)} → ${mib(endHeap)} from 2,000 read to the plan of ${COUNT}`);
  }
}

export async function pruneBench(): Promise<void> {
  console.log(`\nPrune, ${COUNT} narinfos (half unreachable), concurrency ${CONCURRENCY}: servers: ${SERVERS}`);
  if (SERVERS.includes('rgw')) await benchOnRgw();
  if (!SERVERS.includes('minio')) return;
  let minio: Awaited<ReturnType<typeof startMinio>>;
  try {
    minio = await startMinio();
  } catch (error) {
    console.log(`  MinIO: skipped, ${(error as Error).message}`);
    return;
  }
  try {
    await benchOn('MinIO', minio);
  } finally {
    await minio.stop();
  }
}

async function benchOnRgw(): Promise<void> {
  const rgw = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  try {
    await benchOn('Ceph RGW', rgw);
  } finally {
    await rgw.stop();
  }
}

const task = process.env['PRUNE_BENCH_CHILD'];
if (task !== undefined) await child(JSON.parse(task) as PruneTask);
else if (process.argv[1]?.endsWith('prune-bench.ts')) await pruneBench();
