import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isMadminEncrypted } from '../../../source/backends/minio/madmin-encryption';
import { createMinioAdminClient } from '../../../source/backends/minio/minio-admin-client';
import { minioAdminSteps, type MinioStepsContext } from '../../../source/backends/minio/minio-steps';
import { writePolicyDocument } from '../../../source/policies/write-policy';
import { connectionsFrom } from '../../../source/connections/connections';
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
  const answers = exampleAnswers({ endpoint: endpoint, adminVia: 'api', admin: { ...ADMIN, mcAlias: undefined }, builder: { accessKey: 'nixbuilder', secretKey: BUILDER_SECRET, profile: 'nixbuilder' } });
  return {
    answers,
    // the clients as the wizard makes them from the answers (connections/)
    ...connectionsFrom(answers, { caPem: undefined }, { randomBytes: random, env: {} }).minioSteps(),
    builderSecret: BUILDER_SECRET,
    ...overrides,
  };
}

describe('the MinIO admin steps against the stand-in admin endpoint, for what a real MinIO cannot show (every other case runs on the real server: test/integration/minio-admin.test.ts)', () => {
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

  it('on a server without the attach call (before 2023) the policy is set, keeping the policies the user already has', async () => {
    const fake = await start({ legacyPolicyApi: true });
    fake.policies.set('nix-cache-write', writePolicyDocument('nix-cache'));
    fake.policies.set('readonly', {});
    fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: ['readonly'] });
    const [, , attach] = minioAdminSteps(context(fake.endpoint));
    await attach!.apply();
    expect(fake.users.get('nixbuilder')?.policies).toEqual(['readonly', 'nix-cache-write']);
    expect(fake.mutatingRequests().map((r) => r.path)).toEqual(['/minio/admin/v3/set-user-or-group-policy']);
    expect(await attach!.check()).toMatchObject({ status: 'done' });
  });

  it('on a server without the set call, or when a policy the user has was deleted, the attach call adds ours alone', async () => {
    for (const [options, attachedBefore] of [
      [{ withoutSetPolicyApi: true }, 'readonly'],
      [{}, 'deleted-since'],
    ] as const) {
      const fake = await start(options);
      fake.policies.set('nix-cache-write', writePolicyDocument('nix-cache'));
      fake.policies.set('readonly', {});
      fake.users.set('nixbuilder', { secretKey: BUILDER_SECRET, status: 'enabled', policies: [attachedBefore] });
      const [, , attach] = minioAdminSteps(context(fake.endpoint));
      await attach!.apply();
      expect(fake.users.get('nixbuilder')?.policies).toEqual([attachedBefore, 'nix-cache-write']);
      expect(fake.mutatingRequests().map((r) => r.path)).toEqual(['/minio/admin/v3/set-user-or-group-policy', '/minio/admin/v3/idp/builtin/policy/attach']);
    }
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
    const real = createMinioAdminClient({ endpoint: fake.endpoint, region: 'us-east-1', insecure: false, admin: ADMIN, randomBytes: random });
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

describe('the MinIO steps of a private cache', () => {
  it('order the reader like the builder: each attach after its own user and policy', () => {
    const ctx = context('http://127.0.0.1:9', { answers: exampleAnswers({ endpoint: 'http://127.0.0.1:9', anonymous: 'none' }), readerSecret: 'Reader-secret-1' });
    const steps = minioAdminSteps(ctx);
    expect(steps.map((s) => [s.id, s.after ?? []])).toEqual([
      ['user', []],
      ['policy', []],
      ['attach', ['user', 'policy']],
      ['reader-user', []],
      ['reader-policy', []],
      ['reader-attach', ['reader-user', 'reader-policy']],
    ]);
  });
});
