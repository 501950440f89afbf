/**
 * The throwaway Ceph RGW behaves like the real S3 server the other integration tests rely on:
 * signatures are checked, buckets are private by default, and radosgw can be stopped and
 * restarted for "server stopped before step X" tests.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import https from 'node:https';
import { describe, expect, inject, it } from 'vitest';
import { radosgwAdmin, rgwClient, startCephRgw, startRgwDaemon, stopRgwDaemon, type CephRgwInfo } from '../helpers/ceph-rgw';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

function uniqueBucket(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

async function errorCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

describe.skipIf(rgw === null)(`the test Ceph RGW${unavailable ? ` (${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;

  it('stores and returns an object in a new bucket', async () => {
    const client = rgwClient(info);
    const bucket = uniqueBucket('harness');
    await client.makeBucket(bucket, 'us-east-1');
    await client.putObject(bucket, 'hello.txt', Buffer.from('hello from ceph'));
    const stream = await client.getObject(bucket, 'hello.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from ceph');
  });

  it('rejects a request signed with the wrong secret', async () => {
    const client = rgwClient(info, { accessKey: info.accessKey, secretKey: 'not-the-secret-0000000000000000000000000' });
    const code = await errorCode(client.listBuckets());
    expect(code).toBe('SignatureDoesNotMatch');
  });

  it('refuses anonymous reads of a bucket without a policy', async () => {
    const client = rgwClient(info);
    const bucket = uniqueBucket('private');
    await client.makeBucket(bucket, 'us-east-1');
    await client.putObject(bucket, 'secret.txt', Buffer.from('not for you'));
    const response = await fetch(`${info.endpoint}/${bucket}/secret.txt`);
    expect(response.status).toBe(403);
  });

  it('serves https with a certificate for 127.0.0.1 from the private CA in caPath', async () => {
    expect(info.httpsEndpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const get = (options: https.RequestOptions) =>
      new Promise<number>((resolve, reject) => {
        https.get(`${info.httpsEndpoint}/`, options, (response) => {
          response.resume();
          resolve(response.statusCode ?? 0);
        }).on('error', reject);
      });
    expect(await get({ ca: readFileSync(info.caPath!) })).toBe(200);
    await expect(get({})).rejects.toMatchObject({ code: 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' });
  });

  it('expires objects when a test runs lifecycle processing with a short day', async () => {
    // A private cluster (~2.5 s): `lc process` walks every bucket with rules, so on the shared
    // one its duration depends on what other test files left behind (~0.2 s per rule).
    const own = await startCephRgw({ radosgwArgs: ['--rgw-enable-lc-threads=false'] });
    try {
      // Given a bucket whose rule expires "old/" after one day, and a day of 2 seconds
      const client = rgwClient(own);
      const bucket = uniqueBucket('lifecycle');
      await client.makeBucket(bucket, 'us-east-1');
      await client.setBucketLifecycle(bucket, {
        Rule: [{ ID: 'expire-old', Status: 'Enabled', Filter: { Prefix: 'old/' }, Expiration: { Days: 1 } }],
      });
      await client.putObject(bucket, 'old/a', Buffer.from('a'));
      await client.putObject(bucket, 'keep/b', Buffer.from('b'));
      await new Promise((resolve) => setTimeout(resolve, 3_500));

      // When lifecycle processing runs to completion
      await own.radosgwAdmin(['--rgw-lc-debug-interval=2', '--rgw-lc-max-wp-worker=1', 'lc', 'process']);

      // Then only the object under the rule's prefix is gone
      const names: string[] = [];
      for await (const item of client.listObjectsV2(bucket, '', true)) names.push((item as { name: string }).name);
      expect(names).toEqual(['keep/b']);
    } finally {
      await own.stop();
    }
    expect(existsSync(own.dir)).toBe(false);
  });

  it('runs radosgw-admin against the shared cluster from a test file', async () => {
    const user = JSON.parse(await radosgwAdmin(info, ['user', 'info', `--uid=${info.adminUid}`])) as { caps: { type: string; perm: string }[] };
    expect(user.caps).toEqual(
      expect.arrayContaining([
        { type: 'buckets', perm: '*' },
        { type: 'users', perm: '*' },
      ]),
    );
  });

  it('refuses connections while radosgw is stopped and serves again after a restart', async () => {
    await stopRgwDaemon(info);
    try {
      const failure = await fetch(`${info.endpoint}/`).then(
        () => undefined,
        (error: unknown) => (error as { cause?: { code?: string } }).cause?.code,
      );
      expect(failure).toBe('ECONNREFUSED');
    } finally {
      await startRgwDaemon(info);
    }
    const buckets = await rgwClient(info).listBuckets();
    expect(Array.isArray(buckets)).toBe(true);
  });
});
