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
    flaky.putObject = (async (...args: Parameters<Client['putObject']>) => {
      puts += 1;
      if (puts % 3 === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
      return client.putObject(...args);
    }) as Client['putObject'];
    const events: ResignEvent[] = [];
    const first = await resignCache({ client: flaky, bucket, oldKeys, newKey, concurrency: 8, onProgress: (e) => events.push(e) });
    expect(first.counts.seen).toBe(COUNT);
    expect(first.counts.failed).toBe(Math.floor(COUNT / 3));
    expect(first.counts.signed).toBe(COUNT - first.counts.failed);
    expect(first.failures[0]).toMatchObject({ error: 'ECONNRESET' });
    expect(events.at(-1)).toMatchObject({ done: true, counts: first.counts });

    const second = await resignCache({ client, bucket, oldKeys, newKey });
    expect(second.counts).toMatchObject({ seen: COUNT, signed: first.counts.failed, already: first.counts.signed, failed: 0 });
    const third = await resignCache({ client, bucket, oldKeys, newKey, dryRun: true });
    expect(third.counts).toMatchObject({ seen: COUNT, signed: 0, already: COUNT });
  });
});
