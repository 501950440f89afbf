/**
 * Re-signing (issue 11): a bucket of N generated narinfos (default 10,000), each signed by key 1,
 * on a throwaway Ceph RGW. In one run:
 *  - the floor: a plain concurrent GET+PUT loop over the same objects with the same concurrency,
 *    keys known in advance (no listing, no parsing, no crypto): two requests per narinfo;
 *  - `resignCache`: list, GET, verify key 1, sign with key 2, PUT;
 *  - `resignCache` again: everything already signed (GET only).
 * Goal: re-signing at least half the floor's throughput. Resident memory is printed when 1,000
 * and when N narinfos have been handled, to show it does not grow with the cache.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { Client } from 'minio';
import { createS3Client } from '../source/backends/s3/s3-connection';
import { serverTraits } from '../source/backends/s3/s3-documents';
import { narinfoFingerprint } from '../source/keys/narinfo-fingerprint';
import { nativeSigner, nativeVerifier } from '../source/keys/native-ed25519';
import { generateNixSecretKey } from '../source/keys/nix-secret-key';
import { resignCache } from '../source/rotate/resign-cache';
import { startCephRgw } from '../test/helpers/ceph-rgw';
import { mib, pool, readAll } from './bench-tools';

const COUNT = Number(process.env['BENCH_NARINFOS'] ?? 10_000);
const CONCURRENCY = Number(process.env['BENCH_CONCURRENCY'] ?? 16);
const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';
const random = (n: number) => new Uint8Array(randomBytes(n));

function nixBase32(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (let i = 0; i < length; i++) out += BASE32[bytes[i]! % 32];
  return out;
}

function narinfo(signer: ReturnType<typeof nativeSigner>): { key: string; text: string } {
  const hash = nixBase32(32);
  const storePath = `/nix/store/${hash}-bench-${hash.slice(0, 6)}`;
  const references = [`${nixBase32(32)}-glibc-2.40`, `${nixBase32(32)}-bash-5.2`];
  const info = { storePath, narHash: `sha256:${nixBase32(52)}`, narSize: 1000 + (randomBytes(2).readUInt16BE() % 100_000), references };
  const text = [
    `StorePath: ${storePath}`,
    `URL: nar/${nixBase32(52)}.nar.xz`,
    'Compression: xz',
    `FileHash: sha256:${nixBase32(52)}`,
    `FileSize: ${Math.floor(info.narSize / 3)}`,
    `NarHash: ${info.narHash}`,
    `NarSize: ${info.narSize}`,
    `References: ${references.join(' ')}`,
    `Deriver: ${nixBase32(32)}-bench.drv`,
    `Sig: ${signer.sign(narinfoFingerprint(info))}`,
    '',
  ].join('\n');
  return { key: `${hash}.narinfo`, text };
}

export async function resignBench(): Promise<void> {
  console.log(`\nRe-signing ${COUNT} narinfos, concurrency ${CONCURRENCY}: starting a throwaway Ceph RGW …`);
  const rgw = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
  try {
    const client: Client = createS3Client({ endpoint: rgw.endpoint, region: 'us-east-1', accessKey: rgw.accessKey, secretKey: rgw.secretKey });
    const bucket = `resign-${randomBytes(3).toString('hex')}`;
    await client.makeBucket(bucket);
    const key1 = generateNixSecretKey('bench-1', random);
    const key2 = generateNixSecretKey('bench-2', random);
    const signer1 = nativeSigner(key1);
    const keys: string[] = [];
    await pool(
      Array.from({ length: COUNT }, (_, i) => i),
      32,
      async () => {
        const { key, text } = narinfo(signer1);
        keys.push(key);
        await client.putObject(bucket, key, Buffer.from(text), text.length, { 'Content-Type': 'text/x-nix-narinfo' });
      },
    );
    // and some NARs under nar/, which the listing must not walk
    for (let i = 0; i < 200; i++) await client.putObject(bucket, `nar/${nixBase32(52)}.nar.xz`, Buffer.from('x'), 1);

    // The floor: GET + PUT of the same bytes, same concurrency, keys known in advance.
    const floorStart = performance.now();
    await pool(keys, CONCURRENCY, async (key) => {
      const response = (await client.getObject(bucket, key)) as IncomingMessage;
      const body = await readAll(response);
      await client.putObject(bucket, key, body, body.length, { 'Content-Type': response.headers['content-type'] ?? 'text/x-nix-narinfo' });
    });
    const floorMs = performance.now() - floorStart;

    const rss: { at: number; rss: number }[] = [];
    const marks = [1000, COUNT];
    const start = performance.now();
    const result = await resignCache({
      client,
      bucket,
      ifMatch: serverTraits('ceph').ifMatch,
      oldKeys: [nativeVerifier(key1.publicKey())],
      newKey: { ...nativeSigner(key2), verify: nativeVerifier(key2.publicKey()).verify },
      concurrency: CONCURRENCY,
      progressEveryMs: 0,
      onProgress: (event) => {
        const mark = marks[0];
        if (mark !== undefined && event.counts.seen >= mark) {
          marks.shift();
          rss.push({ at: event.counts.seen, rss: process.memoryUsage().rss });
        }
      },
    });
    const oursMs = performance.now() - start;
    const againStart = performance.now();
    const again = await resignCache({
      client,
      bucket,
      ifMatch: serverTraits('ceph').ifMatch,
      oldKeys: [nativeVerifier(key1.publicKey())],
      newKey: { ...nativeSigner(key2), verify: nativeVerifier(key2.publicKey()).verify },
      concurrency: CONCURRENCY,
    });
    const againMs = performance.now() - againStart;

    const perSecond = (ms: number) => (COUNT / (ms / 1000)).toFixed(0).padStart(6);
    console.log(`  floor: GET+PUT loop              ${perSecond(floorMs)} narinfos/s  (${(floorMs / 1000).toFixed(1)} s, baseline)`);
    console.log(
      `  rotate key re-sign               ${perSecond(oursMs)} narinfos/s  (${(oursMs / 1000).toFixed(1)} s) = ${(floorMs / oursMs).toFixed(2)}× the floor (goal ≥ 0.5×); signed ${result.counts.signed}, failed ${result.counts.failed}`,
    );
    console.log(`  second run (all already signed)  ${perSecond(againMs)} narinfos/s  (${(againMs / 1000).toFixed(1)} s); signed ${again.counts.signed}, already ${again.counts.already}`);
    console.log(`  resident memory: ${rss.map((r) => `${mib(r.rss)} after ${r.at}`).join(', ')}`);
  } finally {
    await rgw.stop();
  }
}

if (process.argv[1]?.endsWith('resign-bench.ts')) await resignBench();
