/**
 * The re-signing loop against the real RGW, on generated narinfos: streaming through more than one
 * listing page, leaving `nar/` unlisted, and resumable: a run whose PUTs partly fail (a stand-in
 * for a connection that drops, which a real server does not do on demand) counts the failures and
 * changes nothing else, and the next run signs exactly what is left.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'minio';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { narinfoFingerprint } from '../../source/keys/narinfo-fingerprint';
import { nativeSigner, nativeVerifier } from '../../source/keys/native-ed25519';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { serverTraits } from '../../source/backends/s3/s3-documents';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { resignCache, type ResignEvent } from '../../source/rotate/resign-cache';
import { rgwClient, type CephRgwInfo } from '../helpers/ceph-rgw';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');
const random = (n: number) => new Uint8Array(randomBytes(n));
const BASE32 = '0123456789abcdfghijklmnpqrsvwxyz';
const base32 = (length: number) => Array.from(randomBytes(length), (b) => BASE32[b % 32]).join('');

describe.skipIf(rgw === null)(`re-signing a bucket on a real Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const key1 = generateNixSecretKey('gen-1', random);
  const key2 = generateNixSecretKey('gen-2', random);
  const newKey = { ...nativeSigner(key2), verify: nativeVerifier(key2.publicKey()).verify };
  const oldKeys = [nativeVerifier(key1.publicKey())];
  const COUNT = 1100; // more than one listing page of 1000
  let client: Client;
  let bucket: string;
  const ifMatch = serverTraits('ceph').ifMatch;

  beforeAll(async () => {
    client = rgwClient(info);
    bucket = `resign-${randomBytes(4).toString('hex')}`;
    await client.makeBucket(bucket);
    const signer = nativeSigner(key1);
    const work = Array.from({ length: COUNT }, () => {
      const hash = base32(32);
      const fields = { storePath: `/nix/store/${hash}-gen`, narHash: `sha256:${base32(52)}`, narSize: 100, references: [] };
      const text = `StorePath: ${fields.storePath}\nURL: nar/${hash}.nar\nNarHash: ${fields.narHash}\nNarSize: 100\nReferences: \nSig: ${signer.sign(narinfoFingerprint(fields))}\n`;
      return { key: `${hash}.narinfo`, text };
    });
    for (let i = 0; i < work.length; i += 50) {
      await Promise.all(work.slice(i, i + 50).map(({ key, text }) => client.putObject(bucket, key, Buffer.from(text), text.length, { 'Content-Type': 'text/x-nix-narinfo' })));
    }
    // a NAR, whose folder the listing must not walk into
    await client.putObject(bucket, 'nar/x.nar', Buffer.from('nar'));
  }, 300_000);

  it('counts the PUTs that fail, and the next run signs exactly what is left, then nothing', async () => {
    let puts = 0;
    const flaky = Object.create(client) as Client;
    flaky.makeRequestAsyncOmit = (async (...args: Parameters<Client['makeRequestAsyncOmit']>) => {
      if (args[0].method === 'PUT') {
        puts += 1;
        if (puts % 3 === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      }
      return client.makeRequestAsyncOmit(...args);
    }) as Client['makeRequestAsyncOmit'];
    const events: ResignEvent[] = [];
    const first = await resignCache({ client: flaky, bucket, ifMatch, oldKeys, newKey, concurrency: 8, onProgress: (e) => events.push(e) });
    expect(first.counts.seen).toBe(COUNT);
    expect(first.counts.failed).toBe(Math.floor(COUNT / 3));
    expect(first.counts.signed).toBe(COUNT - first.counts.failed);
    expect(first.failures[0]).toMatchObject({ error: 'ECONNRESET' });
    expect(events.at(-1)).toMatchObject({ done: true, counts: first.counts });

    const second = await resignCache({ client, bucket, ifMatch, oldKeys, newKey });
    expect(second.counts).toMatchObject({ seen: COUNT, signed: first.counts.failed, already: first.counts.signed, failed: 0 });
    const third = await resignCache({ client, bucket, ifMatch, oldKeys, newKey, dryRun: true });
    expect(third.counts).toMatchObject({ seen: COUNT, signed: 0, already: COUNT });
  });
});

const minio = inject('minio');
const servers = [
  { label: 'the real Ceph RGW', backend: 'ceph' as const, info: rgw, skipped: unavailable },
  { label: 'the real MinIO', backend: 'minio' as const, info: minio, skipped: inject('minioUnavailable') },
];

/**
 * A lost update (issue 16): re-sign reads V1, someone uploads V3 before re-sign writes, and V1 +
 * Sig must not replace V3. The upload lands between re-sign's GET and its PUT, through a client
 * whose getObject uploads V3 right after answering (the real server does the rest). Both ways of
 * guarding the write are run on each server: its If-Match form, and a HEAD right before the write
 * (what a server that ignores If-Match gets).
 */
describe.each(servers)('re-signing on $label', ({ backend, info, skipped }) => {
  const key1 = generateNixSecretKey('gen-1', random);
  const key2 = generateNixSecretKey('gen-2', random);
  const newKey = { ...nativeSigner(key2), verify: nativeVerifier(key2.publicKey()).verify };
  const oldKeys = [nativeVerifier(key1.publicKey())];
  const narinfo = (hash: string, narSize: number) => {
    const fields = { storePath: `/nix/store/${hash}-gen`, narHash: `sha256:${'1'.repeat(52)}`, narSize, references: [] };
    return `StorePath: ${fields.storePath}\nURL: nar/${hash}-${narSize}.nar\nNarHash: ${fields.narHash}\nNarSize: ${narSize}\nReferences: \nSig: ${nativeSigner(key1).sign(narinfoFingerprint(fields))}\n`;
  };

  for (const guard of ['if-match', 'head'] as const) {
    it.skipIf(info === null)(`never writes over a narinfo uploaded between its read and its write (${guard})${skipped ? ` (skipped: ${skipped})` : ''}`, async () => {
      const client = createS3Client({ endpoint: info!.endpoint, region: 'us-east-1', accessKey: info!.accessKey, secretKey: info!.secretKey });
      const bucket = `lost-update-${randomBytes(4).toString('hex')}`;
      await client.makeBucket(bucket, 'us-east-1');
      const hash = base32(32);
      const key = `${hash}.narinfo`;
      const v1 = narinfo(hash, 100);
      const v3 = narinfo(hash, 300);
      await client.putObject(bucket, key, Buffer.from(v1), undefined, { 'Content-Type': 'text/x-nix-narinfo' });
      let uploaded = false;
      const racing = Object.create(client) as Client;
      racing.getObject = (async (...args: Parameters<Client['getObject']>) => {
        const answer = await client.getObject(...args);
        if (!uploaded) {
          uploaded = true;
          await client.putObject(bucket, key, Buffer.from(v3), undefined, { 'Content-Type': 'text/x-nix-narinfo' });
        }
        return answer;
      }) as Client['getObject'];

      const result = await resignCache({ client: racing, bucket, ifMatch: guard === 'if-match' ? serverTraits(backend).ifMatch : undefined, oldKeys, newKey });

      expect(uploaded).toBe(true);
      expect(result.counts).toMatchObject({ seen: 1, signed: 1, failed: 0 });
      const now = Buffer.concat(await (await client.getObject(bucket, key)).toArray()).toString('utf8');
      expect(now).toContain('NarSize: 300');
      expect(now.match(/^Sig: /gm)).toHaveLength(2);
      expect(now.startsWith(v3.trimEnd())).toBe(true);
    });
  }

  it.skipIf(info === null)(`keeps the narinfo's Cache-Control, Content-Disposition, Content-Type and x-amz-meta-*${skipped ? ` (skipped: ${skipped})` : ''}`, async () => {
    const client = createS3Client({ endpoint: info!.endpoint, region: 'us-east-1', accessKey: info!.accessKey, secretKey: info!.secretKey });
    const bucket = `resign-meta-${randomBytes(4).toString('hex')}`;
    await client.makeBucket(bucket, 'us-east-1');
    const hash = base32(32);
    const key = `${hash}.narinfo`;
    await client.putObject(bucket, key, Buffer.from(narinfo(hash, 100)), undefined, {
      'Content-Type': 'text/x-nix-narinfo; charset=utf-8',
      'Cache-Control': 'public, max-age=3600',
      'Content-Disposition': 'inline',
      'x-amz-meta-uploader': 'hydra',
    });
    const result = await resignCache({ client, bucket, ifMatch: serverTraits(backend).ifMatch, oldKeys, newKey });
    expect(result.counts.signed).toBe(1);
    const stat = await client.statObject(bucket, key);
    expect(stat.metaData).toMatchObject({
      'content-type': 'text/x-nix-narinfo; charset=utf-8',
      'cache-control': 'public, max-age=3600',
      'content-disposition': 'inline',
      uploader: 'hydra',
    });
  });
});
