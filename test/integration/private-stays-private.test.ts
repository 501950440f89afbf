/**
 * A private cache stays private on the real Ceph RGW (SPEC 5 `anonymous`, notes/s3-policies-and-
 * lifecycle.md "Object ACLs"): RGW still honours ACLs and the builder owns what it uploads, so
 * without a Deny it could make objects public past a bucket policy that grants anonymous nothing.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { rgwClient, type CephRgwInfo } from '../helpers/ceph-rgw';
import { errorCodeOf } from '../helpers/error-code';
import { startRecordingProxy } from '../helpers/recording-proxy';
import { makeCliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

describe.skipIf(rgw === null)(`the builder cannot make a private cache public${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const id = randomBytes(4).toString('hex');
  const bucket = `private-${id}`;
  const builder = `private-builder-${id}`;
  const sandbox = makeCliSandbox();

  it('after setup with anonymous none, every way of setting a public ACL is refused and nothing becomes readable', async () => {
    sandbox.writeAnswers({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: builder }, anonymous: 'none' });
    const run = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(run.code, run.stderr).toBe(0);
    const secret = /aws_secret_access_key = (\S+)/.exec(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'))![1]!;
    const client = rgwClient(info, { accessKey: builder, secretKey: secret });
    const anonymousGet = async (key: string) => (await fetch(`${info.endpoint}/${bucket}/${key}`)).status;

    // an upload without an ACL header (as Nix sends it) still works, as does one saying "private"
    await client.putObject(bucket, 'plain.narinfo', Buffer.from('x'), 1);
    await client.putObject(bucket, 'private.narinfo', Buffer.from('x'), 1, { 'x-amz-acl': 'private' });
    // but an ACL change on its own object, or an upload with a public ACL or a grant, is refused
    const putAcl = (key: string, acl: string) => client.makeRequestAsyncOmit({ method: 'PUT', bucketName: bucket, objectName: key, query: 'acl', headers: { 'x-amz-acl': acl } }, '', [200]);
    expect(await errorCodeOf(putAcl('plain.narinfo', 'public-read'))).toBe('AccessDenied');
    expect(await errorCodeOf(client.putObject(bucket, 'public.narinfo', Buffer.from('x'), 1, { 'x-amz-acl': 'public-read' }))).toBe('AccessDenied');
    // an x-amz-grant-read header for everyone: refused, or (if the server ignores the header) without effect
    const grant = await errorCodeOf(client.putObject(bucket, 'grant.narinfo', Buffer.from('x'), 1, { 'x-amz-grant-read': 'uri="http://acs.amazonaws.com/groups/global/AllUsers"' }));
    expect([undefined, 'AccessDenied']).toContain(grant);
    // RGW 16 does not check x-amz-acl when a multipart upload starts (it never reaches the policy's
    // condition): the builder can still finish a public-read upload. The bucket's IgnorePublicAcls
    // (step public-acls) keeps that object unreadable without keys (checked below).
    const uploadId = await client.initiateNewMultipartUpload(bucket, 'multi.nar', { 'x-amz-acl': 'public-read' });
    const part = await client.uploadPart({ bucketName: bucket, objectName: 'multi.nar', uploadID: uploadId, partNumber: 1, headers: {} }, Buffer.from('nar bytes'));
    await client.completeMultipartUpload(bucket, 'multi.nar', uploadId, [{ part: 1, etag: part.etag }]);
    // and a plain multipart upload (Nix sends large NARs that way) still works under IgnorePublicAcls
    const plainId = await client.initiateNewMultipartUpload(bucket, 'plain.nar', {});
    const plainPart = await client.uploadPart({ bucketName: bucket, objectName: 'plain.nar', uploadID: plainId, partNumber: 1, headers: {} }, Buffer.from('nar bytes'));
    await client.completeMultipartUpload(bucket, 'plain.nar', plainId, [{ part: 1, etag: plainPart.etag }]);
    // tags select objects for lifecycle rules: tagging is outside the builder's rights, even on its own object
    const tag = (key: string) => client.makeRequestAsyncOmit({ method: 'PUT', bucketName: bucket, objectName: key, query: 'tagging' }, '<Tagging><TagSet><Tag><Key>expire</Key><Value>now</Value></Tag></TagSet></Tagging>', [200]);
    expect(await errorCodeOf(tag('plain.narinfo'))).toBe('AccessDenied');
    expect(await errorCodeOf(client.makeRequestAsyncOmit({ method: 'DELETE', bucketName: bucket, objectName: 'plain.narinfo', query: 'tagging' }, '', [200, 204]))).toBe('AccessDenied');
    // RGW looks the object up before the policy: a missing key is NoSuchKey, so verify probes an object the builder owns
    expect(await errorCodeOf(putAcl(`missing-${id}`, 'public-read'))).toBe('NoSuchKey');
    expect(await errorCodeOf(putAcl('plain.narinfo', 'private'))).toBe('AccessDenied');
    // and nothing is readable anonymously
    for (const key of ['plain.narinfo', 'private.narinfo', 'public.narinfo', 'grant.narinfo', 'multi.nar', 'plain.nar', 'nix-cache-info']) expect([key, await anonymousGet(key)]).toEqual([key, 403]);
  });

  it('verify probes it as the builder, and changes nothing a client or a later run can see', async () => {
    // Given verify talking to RGW through a proxy that counts every request
    const proxy = await startRecordingProxy(info.endpoint);
    try {
      const answers = JSON.parse(readFileSync(join(sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>;
      writeFileSync(join(sandbox.cwd, 'verify.json'), JSON.stringify({ ...answers, endpoint: proxy.endpoint }));
      const before = await rgwClient(info).statObject(bucket, 'nix-cache-info');

      const run = await sandbox.run(['verify', '--json', '--answers', 'verify.json']);

      // Then the ACL probe, the write and delete probes and the anonymous read all report ok
      const json = JSON.parse(run.stdout) as { steps: { id: string; status: string; detail: string }[] };
      for (const id of ['builder-acl', 'builder-tagging', 'public-acls', 'builder-write', 'builder-delete', 'anonymous-read']) expect(json.steps.find((s) => s.id === id), id).toMatchObject({ status: 'done' });
      // and every request that could change something changed nothing: an upload started and
      // aborted, a refused delete of a key that does not exist, a refused ACL change to what it already is,
      // a refused tagging of the same object with no tags
      const mutating = proxy.mutating();
      expect(mutating.map((r) => `${r.method} ${r.url.replace(/verify-[0-9a-f]+/, 'verify-X').replace(/uploadId=[^&]+/, 'uploadId=U').replace(/\/[^/?]+\?(acl|tagging)$/, '/OWNED?$1')}`).sort()).toEqual(
        [
          `POST /${bucket}/nix-cache-wizard-verify-X?uploads`,
          `DELETE /${bucket}/nix-cache-wizard-verify-X?uploadId=U`,
          `DELETE /${bucket}/nix-cache-wizard-verify-X`,
          `PUT /${bucket}/OWNED?acl`,
          `PUT /${bucket}/OWNED?tagging`,
        ].sort(),
      );
      const after = await rgwClient(info).statObject(bucket, 'nix-cache-info');
      expect(after.etag).toBe(before.etag);
      expect(after.lastModified).toEqual(before.lastModified);
      expect(await rgwClient(info).listObjectsV2(bucket, 'nix-cache-wizard-verify-', true).toArray()).toEqual([]);
    } finally {
      await proxy.close();
    }
  });
});
