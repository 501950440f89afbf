/**
 * The `public-acls` step (Ceph RGW, private caches) against the real test RGW: it sets the
 * bucket's IgnorePublicAcls and keeps the other three settings as they were; a BlockPublicAcls
 * someone set (which makes RGW 16 refuse every upload) is a conflict that says so.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { parsePublicAccessBlock, publicAclsStep } from '../../source/backends/ceph/public-acls-step';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { getPublicAccessBlockXml, putPublicAccessBlockXml } from '../../source/backends/s3/s3-requests';
import { s3Steps } from '../../source/backends/s3/s3-steps';
import { makeAnswers } from '../backends/s3/answers-fixture';
import type { CephRgwInfo } from '../helpers/ceph-rgw';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

const block = (settings: Record<string, boolean>) =>
  `<PublicAccessBlockConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${Object.entries(settings)
    .map(([name, on]) => `<${name}>${on}</${name}>`)
    .join('')}</PublicAccessBlockConfiguration>`;

describe.skipIf(rgw === null)(`the public-acls step on the real Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const client = createS3Client({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
  const stepFor = (bucket: string) => publicAclsStep({ answers: makeAnswers({ backend: 'ceph', endpoint: info.endpoint, bucket, anonymous: 'none' }), client, cacheInfoContent: '' });

  it('is a step of Ceph private caches only', () => {
    const ids = (backend: 'ceph' | 'minio', anonymous: 'none' | 'get') => s3Steps({ answers: makeAnswers({ backend, anonymous }), client, cacheInfoContent: '' }).map((s) => s.id);
    expect(ids('ceph', 'none')).toContain('public-acls');
    expect(ids('ceph', 'get')).not.toContain('public-acls');
    expect(ids('minio', 'none')).not.toContain('public-acls');
  });

  it('sets IgnorePublicAcls, keeps the other settings, and is done on the next check', async () => {
    const bucket = `acls-${randomBytes(4).toString('hex')}`;
    const step = stepFor(bucket);
    expect((await step.check()).status).toBe('todo'); // no bucket yet
    await client.makeBucket(bucket);
    expect(await step.check()).toMatchObject({ status: 'todo' });
    // someone else's setting, kept
    await putPublicAccessBlockXml(client, bucket, block({ BlockPublicAcls: false, IgnorePublicAcls: false, BlockPublicPolicy: true, RestrictPublicBuckets: false }));

    await step.apply();

    expect(parsePublicAccessBlock(await getPublicAccessBlockXml(client, bucket))).toEqual({ BlockPublicAcls: false, IgnorePublicAcls: true, BlockPublicPolicy: true, RestrictPublicBuckets: false });
    expect(await step.check()).toMatchObject({ status: 'done' });
  });

  it("reports someone's BlockPublicAcls as a conflict: RGW 16 then refuses every upload", async () => {
    const bucket = `acls-${randomBytes(4).toString('hex')}`;
    await client.makeBucket(bucket);
    await putPublicAccessBlockXml(client, bucket, block({ BlockPublicAcls: true, IgnorePublicAcls: false, BlockPublicPolicy: false, RestrictPublicBuckets: false }));
    // measured: with it, even the owner's plain upload is refused
    await expect(client.putObject(bucket, 'plain', Buffer.from('x'), 1)).rejects.toMatchObject({ code: 'AccessDenied' });

    const result = await stepFor(bucket).check();

    expect(result.status).toBe('conflict');
    expect(result.detail).toContain('BlockPublicAcls');
  });
});
