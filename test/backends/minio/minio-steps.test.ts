import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { isMadminEncrypted } from '../../../source/backends/minio/madmin-encryption';
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
