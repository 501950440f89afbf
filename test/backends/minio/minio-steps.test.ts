import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { StepError } from '../../../source/errors';
import { isMadminEncrypted } from '../../../source/backends/minio/madmin-encryption';
import { createMinioAdminClient } from '../../../source/backends/minio/minio-admin-client';
import { minioAdminSteps, type MinioStepsContext } from '../../../source/backends/minio/minio-steps';
import { writePolicyDocument } from '../../../source/policies/write-policy';
import { type FakeMinioAdminServer, startFakeMinioAdminServer } from '../../helpers/fake-minio-admin-server';
import { exampleAnswers } from '../../files/example-answers';

const ADMIN = { accessKey: 'minioadmin', secretKey: 'root-Secret-123' };
const BUILDER_SECRET = 'Wq3+xT7.rn=Ka4-Hc9_Vm2,Ye8Pj4Lf';
const random = (n: number) => new Uint8Array(randomBytes(n));

let server: FakeMinioAdminServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function start(options: Partial<Parameters<typeof startFakeMinioAdminServer>[0]> = {}) {
  server = await startFakeMinioAdminServer({ admin: ADMIN, ...options });
  return server;
}

function context(endpoint: string, overrides: Partial<MinioStepsContext> = {}): MinioStepsContext {
  return {
    answers: exampleAnswers({ endpoint: endpoint, adminVia: 'api', builder: { accessKey: 'nixbuilder', secretKey: BUILDER_SECRET, profile: 'nixbuilder' } }),
    admin: ADMIN,
    builderSecret: BUILDER_SECRET,
    randomBytes: random,
    ...overrides,
  };
}

async function checkAll(ctx: MinioStepsContext) {
  const steps = minioAdminSteps(ctx);
  const results: Record<string, string> = {};
  for (const step of steps) results[step.id] = (await step.check()).status;
  return results;
}

describe('the MinIO admin steps through the admin REST API', () => {
  it('from nothing the steps are todo, apply creates user, policy and attachment, and a second check is all done with no change sent', async () => {
    const fake = await start();
    const ctx = context(fake.endpoint);

    // Given an empty server, the checks find everything to do and change nothing
    expect(await checkAll(ctx)).toEqual({ user: 'todo', policy: 'todo', attach: 'todo' });
    expect(fake.mutatingRequests()).toEqual([]);

    // When each step is applied in order
    for (const step of minioAdminSteps(ctx)) {
      expect((await step.check()).status).toBe('todo');
      await step.apply();
    }

    // Then the server holds the user with our secret, our policy, and the attachment
    expect(fake.users.get('nixbuilder')).toEqual({ secretKey: BUILDER_SECRET, status: 'enabled', policies: ['nix-cache-write'] });
    expect(fake.policies.get('nix-cache-write')).toEqual(writePolicyDocument('nix-cache'));
    expect(fake.mutatingRequests().map((r) => `${r.method} ${r.path}`)).toEqual([
      'PUT /minio/admin/v3/add-user',
      'PUT /minio/admin/v3/add-canned-policy',
      'POST /minio/admin/v3/idp/builtin/policy/attach',
    ]);

    // And a second run finds every step done and sends nothing that changes anything
    const before = fake.mutatingRequests().length;
    expect(await checkAll(context(fake.endpoint))).toEqual({ user: 'done', policy: 'done', attach: 'done' });
    expect(fake.mutatingRequests().length).toBe(before);
  });

  it('the builder secret travels only inside a madmin-encrypted body that the server decrypts with the admin secret', async () => {
    const fake = await start();
    const [user] = minioAdminSteps(context(fake.endpoint));
    await user!.apply();
    const addUser = fake.requests.find((r) => r.path.endsWith('/add-user'))!;
    expect(addUser.status).toBe(200);
    expect(isMadminEncrypted(addUser.rawBody)).toBe(true);
    expect(addUser.rawBody.includes(Buffer.from(BUILDER_SECRET))).toBe(false);
    expect(addUser.decrypted).toEqual({ secretKey: BUILDER_SECRET, status: 'enabled' });
    for (const r of fake.requests) expect(`${r.path}?${new URLSearchParams(r.query).toString()}`).not.toContain(BUILDER_SECRET);
  });

  it('an existing user whose secret is not known is a conflict pointing to rotate credentials, and add-user is never sent', async () => {
    const fake = await start();
    fake.users.set('nixbuilder', { secretKey: 'someone-elses-secret', status: 'enabled', policies: [] });
    const [user] = minioAdminSteps(context(fake.endpoint, { builderSecret: undefined }));

    const result = await user!.check();
    expect(result.status).toBe('conflict');
    expect(result.detail).toContain('nix-cache-wizard rotate credentials');

    await expect(user!.apply()).rejects.toThrow(StepError);
    expect(fake.requests.some((r) => r.path.endsWith('/add-user'))).toBe(false);
    expect(fake.users.get('nixbuilder')?.secretKey).toBe('someone-elses-secret');
  });

  it('an existing user whose known secret is wrong is a conflict, proven by the server refusing the signature', async () => {
    const fake = await start();
    fake.users.set('nixbuilder', { secretKey: 'the-real-secret-on-server', status: 'enabled', policies: [] });
    const [user] = minioAdminSteps(context(fake.endpoint));

    const result = await user!.check();
    expect(result).toMatchObject({ status: 'conflict' });
    expect(result.detail).toContain('SignatureDoesNotMatch');
    expect(result.detail).toContain('rotate credentials');
    expect(result.detail).not.toContain(BUILDER_SECRET);
    await expect(user!.apply()).rejects.toThrow(/left as it is/);
    expect(fake.requests.some((r) => r.path.endsWith('/add-user'))).toBe(false);
  });

  it('an existing user whose known secret works is done even before any policy lets it read (AccessDenied still proves the signature)', async () => {
    const fake = await start();
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: [] });
    const [user] = minioAdminSteps(context(fake.endpoint));
    const result = await user!.check();
    expect(result.status).toBe('done');
    expect(result.detail).toContain('AccessDenied');
    expect(fake.requests.find((r) => r.accessKey === 'nixbuilder')?.status).toBe(403);
  });

  it('a disabled builder user is a conflict', async () => {
    const fake = await start();
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'disabled', policies: [] });
    const [user] = minioAdminSteps(context(fake.endpoint));
    expect(await user!.check()).toMatchObject({ status: 'conflict', detail: expect.stringContaining('mc admin user enable s3 nixbuilder') });
  });

  it('a wrong admin secret gives a clear error that names the admin key and never the secret', async () => {
    const fake = await start();
    const wrong = 'not-the-root-secret';
    const [user] = minioAdminSteps(context(fake.endpoint, { admin: { accessKey: ADMIN.accessKey, secretKey: wrong } }));
    const error = await user!.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).step).toBe('user');
    expect((error as StepError).message).toMatch(/refused the admin secret key for access key "minioadmin" \(SignatureDoesNotMatch\)/);
    expect((error as StepError).hint).toMatch(/admin\.secretKey/);
    expect(`${(error as StepError).message} ${(error as StepError).hint}`).not.toContain(wrong);
    expect(fake.mutatingRequests()).toEqual([]);
  });

  it('an unknown admin access key is explained as such', async () => {
    const fake = await start();
    const [, policy] = minioAdminSteps(context(fake.endpoint, { admin: { accessKey: 'nobody', secretKey: 'whatever-secret' } }));
    await expect(policy!.check()).rejects.toThrow(/does not know the admin access key "nobody" \(InvalidAccessKeyId\)/);
  });

  it('a policy already attached counts as done, and attaching again is "already applied", not an error', async () => {
    const fake = await start();
    fake.policies.set('nix-cache-write', writePolicyDocument('nix-cache'));
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: ['consoleAdmin', 'nix-cache-write'] });
    const [, , attach] = minioAdminSteps(context(fake.endpoint));
    expect(await attach!.check()).toMatchObject({ status: 'done' });

    const client = createMinioAdminClient({ endpoint: fake.endpoint, region: 'us-east-1', caFile: undefined, insecure: false, admin: ADMIN, randomBytes: random });
    expect(await client.attachPolicy('nix-cache-write', 'nixbuilder')).toBe('already-attached');
    expect(fake.requests.at(-1)).toMatchObject({ status: 400 });
    expect(await attach!.apply()).toMatch(/already attached/);
  });

  it('a policy the server wrote back in its own format is still the same policy', async () => {
    const fake = await start();
    fake.policies.set('nix-cache-write', writePolicyDocument('nix-cache'));
    const [, policy] = minioAdminSteps(context(fake.endpoint));
    expect(await policy!.check()).toMatchObject({ status: 'done' });
  });

  it('a policy of the same name with a different document is replaced', async () => {
    const fake = await start();
    fake.policies.set('nix-cache-write', writePolicyDocument('other-bucket'));
    const [, policy] = minioAdminSteps(context(fake.endpoint));
    expect(await policy!.check()).toMatchObject({ status: 'todo', detail: expect.stringContaining('different document') });
    await policy!.apply();
    expect(fake.policies.get('nix-cache-write')).toEqual(writePolicyDocument('nix-cache'));
    expect(await policy!.check()).toMatchObject({ status: 'done' });
  });

  it('on a server without the attach call the policy is set the old way, keeping the policies the user already has', async () => {
    const fake = await start({ legacyPolicyApi: true });
    fake.policies.set('nix-cache-write', writePolicyDocument('nix-cache'));
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: ['readonly'] });
    const [, , attach] = minioAdminSteps(context(fake.endpoint));
    await attach!.apply();
    expect(fake.users.get('nixbuilder')?.policies).toEqual(['readonly', 'nix-cache-write']);
    expect(fake.mutatingRequests().map((r) => r.path)).toEqual(['/minio/admin/v3/idp/builtin/policy/attach', '/minio/admin/v3/set-user-or-group-policy']);
    expect(await attach!.check()).toMatchObject({ status: 'done' });
  });

  it('attaching a policy that does not exist says so in plain words', async () => {
    const fake = await start();
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: [] });
    const [, , attach] = minioAdminSteps(context(fake.endpoint));
    await expect(attach!.apply()).rejects.toThrow(/canned policy does not exist/);
  });

  it('an endpoint where nothing listens is explained, with the step that was running', async () => {
    const fake = await start();
    const endpoint = fake.endpoint;
    await fake.close();
    server = undefined;
    const [user] = minioAdminSteps(context(endpoint));
    await expect(user!.check()).rejects.toMatchObject({ step: 'user', message: expect.stringContaining(`Cannot reach ${endpoint}: nothing accepts connections`) });
  });

  it('every step says why it exists and shows the mc command with the secret as a placeholder', () => {
    const steps = minioAdminSteps(context('http://127.0.0.1:9000'));
    expect(steps.map((s) => s.id)).toEqual(['user', 'policy', 'attach']);
    expect(steps.map((s) => s.command)).toEqual([
      `printf '%s\\n%s\\n' nixbuilder "$BUILDER_SECRET" | mc admin user add s3`,
      'mc admin policy create s3 nix-cache-write ./nix-cache-write.json',
      'mc admin policy attach s3 nix-cache-write --user nixbuilder',
    ]);
    for (const step of steps) {
      expect(step.title.length).toBeGreaterThan(0);
      expect(step.why).toMatch(/\.$/);
      expect(step.command).not.toContain(BUILDER_SECRET);
      expect(step.command).not.toContain(ADMIN.secretKey);
    }
  });
});

describe('the builder secret on MinIO is never known only to the server (SPEC 10)', () => {
  it('is kept locally before add-user is sent; with the answer lost, a re-run from that copy finds the user done', async () => {
    // Given a server whose answer to add-user never arrives (the user is created all the same)
    const fake = await start();
    const kept: string[] = [];
    const ctx = context(fake.endpoint, {
      keepSecret: async (secret) => {
        // the copy is made before the request leaves
        expect(fake.users.has('nixbuilder')).toBe(false);
        kept.push(secret);
      },
    });
    const real = createMinioAdminClient({ endpoint: fake.endpoint, region: 'us-east-1', caFile: undefined, insecure: false, admin: ADMIN, randomBytes: random });
    const lossy = {
      ...real,
      userInfo: real.userInfo.bind(real),
      addUser: async (user: string, secret: string) => {
        await real.addUser(user, secret);
        throw new Error('socket hang up');
      },
    };
    const [userStep] = minioAdminSteps({ ...ctx, makeAdmin: () => lossy as never });

    // When the user step applies, it fails on the lost answer
    await expect(userStep!.apply()).rejects.toThrow(/socket hang up/);

    // Then the secret the server now holds was kept here first
    expect(kept).toEqual([BUILDER_SECRET]);
    expect(fake.users.get('nixbuilder')?.secretKey).toBe(BUILDER_SECRET);

    // And a re-run that starts from the kept copy finds the user done, sending no change
    const rerun = minioAdminSteps(context(fake.endpoint, { builderSecret: () => kept[0] }));
    const before = fake.mutatingRequests().length;
    expect((await rerun[0]!.check()).status).toBe('done');
    expect(fake.mutatingRequests().length).toBe(before);
  });

  it('never sends add-user for a user that exists, even when a stale plan thought it missing', async () => {
    const fake = await start();
    const [first] = minioAdminSteps(context(fake.endpoint));
    expect((await first!.check()).status).toBe('todo');
    // another run creates the user with another secret meanwhile
    await minioAdminSteps(context(fake.endpoint, { builderSecret: 'Other-secret-9xyzAB' }))[0]!.apply();
    await expect(first!.apply()).rejects.toThrow(/already exists; its secret was left as it is/);
    expect(fake.users.get('nixbuilder')?.secretKey).toBe('Other-secret-9xyzAB');
  });
});
