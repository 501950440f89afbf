/**
 * SPEC 5 against the real test Ceph RGW (inject('rgw')): each S3 step goes from todo to done, a
 * second pass of checks sends no request that changes anything (counted by a recording proxy),
 * other people's policy statements and lifecycle rules survive, and the policies do what they
 * say: anonymous GET only, and a builder that can upload but not delete.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Client } from 'minio';
import type { Answers } from '../../source/answers/answers';
import { CEPH_POLICY_SIDS, READER_READ_SID } from '../../source/backends/s3/bucket-policy-merge';
import { parseLifecycleConfiguration } from '../../source/backends/s3/lifecycle-rules';
import { createS3Client } from '../../source/backends/s3/s3-connection';
import { getBucketPolicyText, getLifecycleXml, putBucketPolicyText, putLifecycleXml, readObjectText } from '../../source/backends/s3/s3-requests';
import { s3Steps } from '../../source/backends/s3/s3-steps';
import type { S3StepContext } from '../../source/backends/s3/s3-step-context';
import { renderNixCacheInfo } from '../../source/files/render-nix-cache-info';
import type { ServerStep, StepId } from '../../source/steps/server-step';
import { StepError } from '../../source/errors';
import { radosgwAdmin, type CephRgwInfo } from '../helpers/ceph-rgw';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { makeAnswers, type AnswersOverrides } from '../backends/s3/answers-fixture';
import { errorCodeOf } from '../helpers/error-code';
import { anonymousStatus } from '../helpers/anonymous-status';

const rgw = inject('rgw');

/** The S3 steps do not depend on adminVia: one MinIO row is enough. */
const servers = backendTargets().filter((row) => row.name !== 'MinIO, adminVia mc');

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

describe.each(servers)('the S3 steps against $name', ({ target: maybeTarget, unavailable }) => {
  if (maybeTarget === null) {
    it.skip(`skipped: ${unavailable ?? 'no server'}`, () => {});
    return;
  }
  const target: BackendTarget = maybeTarget;
  const info = (target.backend === 'ceph' ? rgw : { endpoint: target.endpoint, ...target.admin }) as CephRgwInfo;
  const onCeph = target.backend === 'ceph';
  /** a test only one of the servers can run: not registered on the other (no skipped tests) */
  const itIf = (yes: boolean) => (yes ? it : ((() => undefined) as unknown as typeof it));
  let proxy: RecordingProxy;
  /**
   * Buckets that got lifecycle rules, each with the client of the keys that own it (the admin's, or
   * on `s3` the bucket owner's: RGW refuses anyone else AccessDenied): cleared afterwards so later
   * `lc process` runs stay short.
   */
  const withLifecycle = new Map<string, Client>();

  beforeAll(async () => {
    proxy = await startRecordingProxy(info.endpoint);
  });

  afterAll(async () => {
    for (const [bucket, owner] of withLifecycle) await putLifecycleXml(owner, bucket, null);
    await proxy?.close();
  });

  /** Answers for the proxy's endpoint with the cluster's admin keys and a bucket of its own. */
  function answersFor(overrides: AnswersOverrides = {}): Answers {
    return makeAnswers({
      backend: target.backend,
      endpoint: proxy.endpoint,
      bucket: unique('s3steps'),
      ...overrides,
      admin: { accessKey: info.accessKey, secretKey: info.secretKey, ...overrides.admin },
    });
  }

  function contextFor(answers: Answers, extra: Partial<S3StepContext> = {}): S3StepContext {
    const keys = answers.backend === 's3' ? answers.builder : answers.admin;
    const client = createS3Client({ endpoint: answers.endpoint, region: answers.region, accessKey: keys.accessKey!, secretKey: keys.secretKey! });
    if (answers.expireDays !== null && !withLifecycle.has(answers.bucket)) withLifecycle.set(answers.bucket, client);
    return { answers, client, cacheInfoContent: renderNixCacheInfo(answers.cacheInfo), ...extra };
  }

  /** Checks every step; a todo step is applied and must then check done. Returns the statuses seen first. */
  async function applyAll(steps: readonly ServerStep[]): Promise<Record<string, string>> {
    const first: Record<string, string> = {};
    for (const step of steps) {
      const before = await step.check();
      first[step.id] = before.status;
      if (before.status === 'todo') {
        await step.apply();
        const after = await step.check();
        expect(after, `${step.id} after apply`).toMatchObject({ status: 'done' });
      } else {
        expect(before, step.id).toMatchObject({ status: 'done' });
      }
    }
    return first;
  }

  async function checkAll(steps: readonly ServerStep[]): Promise<Partial<Record<StepId, string>>> {
    const result: Partial<Record<StepId, string>> = {};
    for (const step of steps) result[step.id] = (await step.check()).status;
    return result;
  }

  /** A user of the test cluster with keys we know (radosgw-admin, not the Admin Ops API under test elsewhere). */
  async function createUser(uid: string): Promise<{ accessKey: string; secretKey: string }> {
    const accessKey = unique('AK').toUpperCase().replace(/-/g, '');
    const secretKey = randomBytes(20).toString('hex');
    await radosgwAdmin(info, ['user', 'create', `--uid=${uid}`, `--display-name=${uid}`, `--access-key=${accessKey}`, `--secret-key=${secretKey}`, '--max-buckets=-1']);
    return { accessKey, secretKey };
  }

  function clientAs(keys: { accessKey: string; secretKey: string }) {
    return createS3Client({ endpoint: info.endpoint, region: 'us-east-1', ...keys });
  }

  it('takes a fresh server from todo to done on every step, and a second check pass changes nothing', async () => {
    // Given a bucket name nobody uses and a builder uid
    const answers = answersFor({ anonymous: 'get', expireDays: 14 });
    const steps = s3Steps(contextFor(answers, { builderUid: unique('builder') }));

    // When every step is checked first (as --dry-run does)
    proxy.clear();
    const dryRun = await checkAll(steps);
    const adminSteps = onCeph ? { policy: 'todo', attach: 'todo' } : {};
    expect(dryRun).toEqual({ connect: 'done', bucket: 'todo', ...adminSteps, anonymous: 'todo', 'cache-info': 'todo', expiry: 'todo' });
    expect(proxy.mutating()).toEqual([]);

    // Then applying makes each one done
    const first = await applyAll(steps);
    expect(first).toEqual({ connect: 'done', bucket: 'todo', ...(onCeph ? { policy: 'todo', attach: 'done' } : {}), anonymous: 'todo', 'cache-info': 'todo', expiry: 'todo' });

    // And a second run finds all done without one mutating request
    proxy.clear();
    expect(Object.values(await checkAll(steps)).every((status) => status === 'done')).toBe(true);
    expect(proxy.requests.length).toBeGreaterThan(0);
    expect(proxy.mutating()).toEqual([]);

    // And applying a done step is harmless too: the runner never does it, but apply is idempotent
    for (const step of steps.filter((s) => s.id === 'anonymous' || s.id === 'expiry' || s.id === 'policy')) await step.apply();
    expect(proxy.mutating()).toEqual([]);
  });

  itIf(onCeph)('keeps foreign bucket policy statements byte for byte and foreign lifecycle rules', async () => {
    const answers = answersFor({ anonymous: 'download', expireDays: 3 });
    const ctx = contextFor(answers);
    const [connect, bucket] = s3Steps(ctx);
    await connect!.check();
    await bucket!.apply();
    // Given statements and rules someone else made
    const foreignStatement = `{"Sid":"Backup","Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/backup"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::${answers.bucket}/*"]}`;
    await putBucketPolicyText(ctx.client, answers.bucket, `{"Version":"2012-10-17","Statement":[${foreignStatement}]}`);
    const foreignRule = '<Rule><ID>tmp-cleanup</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>';
    await putLifecycleXml(ctx.client, answers.bucket, `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${foreignRule}</LifecycleConfiguration>`);

    // When the steps run
    await applyAll(s3Steps(ctx));

    // Then ours are there and theirs untouched
    const policy = (await getBucketPolicyText(ctx.client, answers.bucket))!;
    expect(policy).toContain(foreignStatement);
    expect((JSON.parse(policy).Statement as { Sid: string }[]).map((s) => s.Sid)).toEqual(['Backup', ...CEPH_POLICY_SIDS.filter((sid) => sid !== 'NixCacheOwnerRead'), 'NixCacheAnonymousList', 'NixCacheAnonymousRead']);
    const rules = parseLifecycleConfiguration((await getLifecycleXml(ctx.client, answers.bucket))!);
    expect(rules.find((r) => r.id === 'tmp-cleanup')).toMatchObject({ prefix: 'tmp/', expirationDays: 2, enabled: true });
    expect(rules).toHaveLength(189);

    // And switching to no anonymous access and no expiry removes only ours
    const off = { ...answers, anonymous: 'none' as const, expireDays: null };
    const offCtx = contextFor(off, { builderUid: answers.builder.accessKey });
    const statuses = await applyAll(s3Steps(offCtx));
    expect(statuses).toMatchObject({ policy: 'todo', 'reader-policy': 'todo', anonymous: 'todo', expiry: 'todo', 'cache-info': 'done' });
    const after = (await getBucketPolicyText(ctx.client, answers.bucket))!;
    expect(after).toContain(foreignStatement);
    expect((JSON.parse(after).Statement as { Sid: string }[]).map((s) => s.Sid)).toEqual(['Backup', ...CEPH_POLICY_SIDS, READER_READ_SID]);
    const left = parseLifecycleConfiguration((await getLifecycleXml(ctx.client, answers.bucket))!);
    expect(left.map((r) => r.id)).toEqual(['tmp-cleanup']);
  });

  itIf(!onCeph)('keeps foreign bucket policy statements by meaning (MinIO writes a stored policy back its own way) and foreign lifecycle rules', async () => {
    const answers = answersFor({ anonymous: 'download', expireDays: 3 });
    const ctx = contextFor(answers);
    const [connect, bucket] = s3Steps(ctx);
    await connect!.check();
    await bucket!.apply();
    // Given a statement and a rule someone else made (MinIO takes only "*" as a bucket-policy principal)
    const foreign = { Sid: 'Backup', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: [`arn:aws:s3:::${answers.bucket}/public/*`] };
    await putBucketPolicyText(ctx.client, answers.bucket, JSON.stringify({ Version: '2012-10-17', Statement: [foreign] }));
    const stored = (await getBucketPolicyText(ctx.client, answers.bucket))!;
    const foreignRule = '<Rule><ID>tmp-cleanup</ID><Filter><Prefix>tmp/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>';
    await putLifecycleXml(ctx.client, answers.bucket, `<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${foreignRule}</LifecycleConfiguration>`);

    // When the steps run
    await applyAll(s3Steps(ctx));

    // Then ours are there and theirs unchanged in meaning
    const policy = JSON.parse((await getBucketPolicyText(ctx.client, answers.bucket))!) as { Statement: { Sid: string }[] };
    expect(policy.Statement.map((st) => st.Sid)).toEqual(['Backup', 'NixCacheAnonymousList', 'NixCacheAnonymousRead']);
    expect(policy.Statement[0]).toEqual(JSON.parse(stored).Statement[0]);
    const rules = parseLifecycleConfiguration((await getLifecycleXml(ctx.client, answers.bucket))!);
    expect(rules.find((r) => r.id === 'tmp-cleanup')).toMatchObject({ prefix: 'tmp/', expirationDays: 2, enabled: true });

    // And switching to no anonymous access and no expiry removes only ours
    const statuses = await applyAll(s3Steps(contextFor({ ...answers, anonymous: 'none' as const, expireDays: null })));
    expect(statuses).toMatchObject({ anonymous: 'todo', expiry: 'todo', 'cache-info': 'done' });
    const after = JSON.parse((await getBucketPolicyText(ctx.client, answers.bucket))!) as { Statement: { Sid: string }[] };
    expect(after.Statement.map((st) => st.Sid)).toEqual(['Backup']);
    expect(parseLifecycleConfiguration((await getLifecycleXml(ctx.client, answers.bucket))!).map((r) => r.id)).toEqual(['tmp-cleanup']);
  });

  it('deletes the bucket policy and lifecycle configuration when nothing is left in them, whatever success code RGW answers', async () => {
    const answers = answersFor({ backend: 'minio', anonymous: 'get', expireDays: 5 });
    const ctx = contextFor(answers);
    await applyAll(s3Steps(ctx));
    expect(await getBucketPolicyText(ctx.client, answers.bucket)).not.toBeNull();
    expect(await getLifecycleXml(ctx.client, answers.bucket)).not.toBeNull();
    proxy.clear();
    const statuses = await applyAll(s3Steps(contextFor({ ...answers, anonymous: 'none', expireDays: null })));
    expect(statuses).toMatchObject({ anonymous: 'todo', expiry: 'todo' });
    // RGW answers 200 to DELETE ?policy, which minio v8's setBucketPolicy would report as an error; MinIO 204
    expect(proxy.mutating()).toEqual([
      expect.objectContaining({ method: 'DELETE', url: expect.stringContaining('?policy'), status: onCeph ? 200 : 204 }),
      expect.objectContaining({ method: 'DELETE', url: expect.stringContaining('?lifecycle') }),
    ]);
    expect(await getBucketPolicyText(ctx.client, answers.bucket)).toBeNull();
    expect(await getLifecycleXml(ctx.client, answers.bucket)).toBeNull();
  });

  it('with anonymous get lets anyone read nix-cache-info but not list the bucket nor upload', async () => {
    const answers = answersFor({ backend: 'minio', anonymous: 'get' });
    const ctx = contextFor(answers);
    await applyAll(s3Steps(ctx));
    const base = `${info.endpoint}/${answers.bucket}`;

    const read = await fetch(`${base}/nix-cache-info`);
    expect(read.status).toBe(200);
    expect(await read.text()).toBe(ctx.cacheInfoContent);
    expect(read.headers.get('content-type')).toBe('text/x-nix-cache-info');

    const missing = await fetch(`${base}/0000000000000000000000000000000a.narinfo`);
    // a miss for Nix either way: RGW answers 403 without ListBucket, MinIO 404 (NoSuchKey)
    expect(missing.status).toBe(onCeph ? 403 : 404);
    await missing.arrayBuffer();

    const list = await fetch(`${base}/`);
    expect(list.status).toBe(403);
    await list.arrayBuffer();

    expect(await anonymousStatus(`${base}/evil.narinfo`, 'PUT')).toBe(403);
  });

  it('with anonymous download also lets anyone list the bucket', async () => {
    const answers = answersFor({ backend: 'minio', anonymous: 'download' });
    await applyAll(s3Steps(contextFor(answers)));
    const list = await fetch(`${info.endpoint}/${answers.bucket}/`);
    expect(list.status).toBe(200);
    expect(await list.text()).toContain('<Key>nix-cache-info</Key>');
  });

  itIf(onCeph)('on ceph lets the builder upload and overwrite but not delete, and the owner read its uploads with anonymous none', async () => {
    // Given a builder user of the cluster
    const builderUid = unique('nixbuilder');
    const builderKeys = await createUser(builderUid);
    const answers = answersFor({ anonymous: 'none', builder: { accessKey: builderKeys.accessKey, secretKey: builderKeys.secretKey } });
    const ctx = contextFor(answers, { builderUid });

    // When the steps run (policy names the builder's uid)
    await applyAll(s3Steps(ctx));
    const policy = JSON.parse((await getBucketPolicyText(ctx.client, answers.bucket))!) as { Statement: { Sid: string; Principal: { AWS: string[] } }[] };
    expect(policy.Statement.map((s) => s.Sid)).toEqual([...CEPH_POLICY_SIDS, READER_READ_SID]);
    expect(policy.Statement[0]!.Principal.AWS).toEqual([`arn:aws:iam:::user/${builderUid}`]);
    expect(policy.Statement.find((s) => s.Sid === 'NixCacheOwnerRead')!.Principal.AWS).toEqual([`arn:aws:iam:::user/${info.adminUid}`]);
    // and every Deny of ACL changes names the builder
    for (const statement of policy.Statement.filter((s) => s.Sid.startsWith('NixCacheBuilderNo'))) expect(statement.Principal.AWS).toEqual([`arn:aws:iam:::user/${builderUid}`]);

    // Then the builder can put, overwrite, read and list
    const builder = clientAs(builderKeys);
    await builder.putObject(answers.bucket, 'abc.narinfo', Buffer.from('StorePath: /nix/store/abc\n'));
    await builder.putObject(answers.bucket, 'abc.narinfo', Buffer.from('StorePath: /nix/store/abc-2\n'));
    await builder.putObject(answers.bucket, 'nix-cache-info', Buffer.from(ctx.cacheInfoContent));
    expect(await readObjectText(builder, answers.bucket, 'abc.narinfo')).toBe('StorePath: /nix/store/abc-2\n');
    // But not delete, create buckets, or change the policy
    expect(await errorCodeOf(builder.removeObject(answers.bucket, 'abc.narinfo'))).toBe('AccessDenied');
    expect(await errorCodeOf(builder.makeBucket(unique('builder-bucket'), 'us-east-1'))).toBeDefined();
    expect(await errorCodeOf(putBucketPolicyText(builder, answers.bucket, null))).toBe('AccessDenied');
    // And the owner can read what the builder uploaded (anonymous is none)
    expect(await readObjectText(ctx.client, answers.bucket, 'abc.narinfo')).toBe('StorePath: /nix/store/abc-2\n');
    // And nobody else can
    const anonymous = await fetch(`${info.endpoint}/${answers.bucket}/abc.narinfo`);
    expect(anonymous.status).toBe(403);
    await anonymous.arrayBuffer();
    // And a re-run finds everything done, although nix-cache-info now belongs to the builder
    proxy.clear();
    expect(Object.values(await checkAll(s3Steps(ctx))).every((status) => status === 'done')).toBe(true);
    expect(proxy.mutating()).toEqual([]);
  });

  itIf(onCeph)('reports a bucket owned by another user as a conflict and does not touch it', async () => {
    const uid = unique('other');
    const other = await createUser(uid);
    // createUser forbids creating buckets; let this user own one
    await radosgwAdmin(info, ['user', 'modify', `--uid=${uid}`, '--max-buckets=10']);
    const bucket = unique('taken');
    await clientAs(other).makeBucket(bucket, 'us-east-1');

    const answers = answersFor({ bucket, backend: 'minio' });
    const [, bucketStep] = s3Steps(contextFor(answers));
    proxy.clear();
    const result = await bucketStep!.check();
    expect(result.status).toBe('conflict');
    expect(result.detail).toMatch(/belongs to someone else.*choose another bucket name/);
    expect(proxy.mutating()).toEqual([]);
    // applying anyway explains it too
    await expect(bucketStep!.apply()).rejects.toThrow(StepError);
  });

  it('explains wrong admin keys at the connect step', async () => {
    const answers = answersFor({ admin: { secretKey: 'not-the-secret-at-all' } });
    const [connect] = s3Steps(contextFor(answers));
    const error = (await connect!.check().catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.step).toBe('connect');
    expect(error.message).toMatch(/secret key is wrong \(SignatureDoesNotMatch\)/);
    expect(error.hint).toMatch(/admin keys are wrong/);
    expect(`${error.message} ${error.hint}`).not.toContain('not-the-secret-at-all');

    const unknown = answersFor({ admin: { accessKey: 'NOSUCHKEY123' } });
    const unknownError = (await s3Steps(contextFor(unknown))[0]!.check().catch((e: unknown) => e)) as StepError;
    expect(unknownError.message).toMatch(/InvalidAccessKeyId/);
    expect(unknownError.hint).toMatch(/admin keys are wrong/);
  });

  itIf(onCeph)('on s3 works with the builder keys alone', async () => {
    // Given a user that owns the bucket (on a plain S3 store the builder keys are all we have)
    const uid = unique('s3user');
    const keys = await createUser(uid);
    await radosgwAdmin(info, ['user', 'modify', `--uid=${uid}`, '--max-buckets=10']);
    const answers = answersFor({ backend: 's3', admin: { accessKey: undefined, secretKey: undefined }, builder: keys, expireDays: 2 });
    const statuses = await applyAll(s3Steps(contextFor(answers)));
    expect(statuses).toEqual({ connect: 'done', bucket: 'todo', anonymous: 'todo', 'cache-info': 'todo', expiry: 'todo' });
  });
});
