/**
 * SPEC 5 `user`, `policy`, `attach` on a real MinIO, through its admin REST API and through the
 * real mc (notes/minio-admin.md): every request passes a recording proxy, so a check is shown to
 * send only reads and an existing user's secret is shown never to be reset. What MinIO itself
 * answers (a missing user, an attach with no effect, a policy it writes back its own way, wrong
 * admin keys) comes from the server, not from a stand-in.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { minioAdminSteps, type MinioStepsContext } from '../../source/backends/minio/minio-steps';
import { connectionsFrom } from '../../source/connections/connections';
import { StepError } from '../../source/errors';
import type { ServerStep } from '../../source/steps/server-step';
import { makeAnswers } from '../backends/s3/answers-fixture';
import { minioTargets, type BackendTarget } from '../helpers/backend-targets';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

const secret = () => `Bs-${randomBytes(12).toString('hex')}`;

/**
 * `mc` in a folder of its own that logs its arguments and runs the real mc: argv is what other
 * local users can read, so the tests look at it. HOME is a temp folder too: a mc that ignored
 * `--config-dir` would create `.mc` there.
 */
function loggingMc(realMc: string): { path: string; home: string; argv: () => string[][] } {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-logging-mc-'));
  const log = join(dir, 'argv.log');
  writeFileSync(join(dir, 'mc'), `#!/bin/sh\nfor a in "$@"; do printf '%s\\037' "$a"; done >> '${log}'\necho >> '${log}'\nexec '${realMc}' "$@"\n`);
  chmodSync(join(dir, 'mc'), 0o755);
  const home = mkdtempSync(join(tmpdir(), 'ncw-mc-home-'));
  return {
    path: `${dir}:${process.env['PATH'] ?? ''}`,
    home,
    argv: () =>
      existsSync(log)
        ? readFileSync(log, 'utf8')
            .split('\n')
            .filter((line) => line !== '')
            .map((line) => line.split('\x1f').slice(0, -1))
        : [],
  };
}

const minio = inject('minio');

describe.each(minioTargets())('the MinIO admin steps on a real MinIO, $name', ({ target: maybeTarget, unavailable }) => {
  describe.skipIf(maybeTarget === null)(unavailable ?? 'MinIO', () => {
    const target = maybeTarget as BackendTarget;
    const mc = loggingMc(minio?.mcPath ?? 'mc');
    let proxy: RecordingProxy;

    beforeAll(async () => {
      proxy = await startRecordingProxy(target.endpoint);
    });
    afterAll(async () => {
      await proxy?.close();
    });

    function steps(
      overrides: { user?: string; bucket?: string; policyName?: string; builderSecret?: string | undefined; admin?: { accessKey: string; secretKey: string } } = {},
    ): ServerStep[] {
      const answers = makeAnswers({
        backend: 'minio',
        adminVia: target.adminVia,
        endpoint: proxy.endpoint,
        bucket: overrides.bucket ?? 'admin-steps',
        builder: { accessKey: overrides.user ?? 'nobody' },
        policyName: overrides.policyName ?? unique('policy'),
      });
      // As npm gives it to `npx nix-cache-wizard`: hints spell the command that way.
      const env = { PATH: mc.path, HOME: mc.home, npm_command: 'exec', npm_lifecycle_script: "'nix-cache-wizard'" };
      const admin = overrides.admin ?? target.admin;
      const connections = connectionsFrom({ ...answers, admin: { ...admin, mcAlias: undefined } }, { caPem: undefined }, { randomBytes: (n) => new Uint8Array(randomBytes(n)), env });
      const ctx: MinioStepsContext = {
        answers,
        ...connections.minioSteps(),
        builderSecret: 'builderSecret' in overrides ? overrides.builderSecret : secret(),
        env,
      };
      return minioAdminSteps(ctx);
    }

    const adminCalls = () => proxy.requests.filter((r) => r.url.startsWith('/minio/admin/'));
    const mutatingAdminCalls = () => proxy.mutating().filter((r) => r.url.startsWith('/minio/admin/'));

    async function createUser(user: string, userSecret: string): Promise<void> {
      const result = await target.mc!(['admin', 'user', 'add', 'ALIAS'], `${user}\n${userSecret}\n`);
      expect(result.code, result.stderr + result.stdout).toBe(0);
    }

    it('from nothing: each step is todo, apply makes it done, and a second check sends only reads', async () => {
      const user = unique('builder');
      const builderSecret = secret();
      const bucket = unique('admin-steps');
      const policyName = unique('nix-cache-write');
      const all = steps({ user, bucket, builderSecret, policyName });
      for (const step of all) {
        expect((await step.check()).status, step.id).toBe('todo');
        await step.apply();
        expect((await step.check()).status, step.id).toBe('done');
      }
      // MinIO holds the user with that secret: an S3 request signed with it is accepted
      await target.client().makeBucket(bucket, 'us-east-1');
      await target.client({ accessKey: user, secretKey: builderSecret }).putObject(bucket, 'x.narinfo', Buffer.from('x'));
      proxy.clear();
      for (const step of steps({ user, bucket, builderSecret, policyName })) expect((await step.check()).status, step.id).toBe('done');
      expect(adminCalls().length).toBeGreaterThanOrEqual(3);
      expect(mutatingAdminCalls()).toEqual([]);
    });

    it('a missing user is a result (MinIO answers 404 XMinioAdminNoSuchUser), not an error', async () => {
      const [user] = steps({ user: unique('missing') });
      proxy.clear();
      expect(await user!.check()).toMatchObject({ status: 'todo' });
      expect(proxy.requests.find((r) => r.url.includes('/user-info'))).toMatchObject({ status: 404 });
    });

    it('an existing user whose secret is not known is a conflict, and its secret is never reset', async () => {
      const user = unique('theirs');
      await createUser(user, secret());
      const [userStep] = steps({ user, builderSecret: undefined });
      proxy.clear();
      expect(await userStep!.check()).toMatchObject({ status: 'conflict', detail: expect.stringContaining('`npx nix-cache-wizard rotate credentials`') });
      await expect(userStep!.apply()).rejects.toThrow(StepError);
      expect(proxy.requests.filter((r) => r.url.includes('/add-user'))).toEqual([]);
    });

    it('an existing user whose known secret is wrong is a conflict, proven by MinIO refusing the signature', async () => {
      const user = unique('wrong');
      await createUser(user, secret());
      const [userStep] = steps({ user, builderSecret: secret() });
      expect(await userStep!.check()).toMatchObject({ status: 'conflict', detail: expect.stringContaining('SignatureDoesNotMatch') });
    });

    it('an existing user whose known secret works is done before any policy lets it read', async () => {
      const user = unique('known');
      const known = secret();
      await createUser(user, known);
      const [userStep] = steps({ user, builderSecret: known });
      expect(await userStep!.check()).toMatchObject({ status: 'done' });
    });

    it('a disabled builder user is a conflict', async () => {
      const user = unique('disabled');
      const known = secret();
      await createUser(user, known);
      expect((await target.mc!(['admin', 'user', 'disable', 'ALIAS', user])).code).toBe(0);
      const [userStep] = steps({ user, builderSecret: known });
      expect(await userStep!.check()).toMatchObject({ status: 'conflict', detail: expect.stringContaining('disabled') });
    });

    it('attaching a policy that is already attached is not an error and changes nothing (api: found in the user read first; mc: exit 0)', async () => {
      const user = unique('attached');
      const known = secret();
      await createUser(user, known);
      const [, policy, attach] = steps({ user, builderSecret: known, policyName: `attach-test-${target.adminVia}` });
      await policy!.apply();
      await attach!.apply();
      expect(await attach!.check()).toMatchObject({ status: 'done' });
      proxy.clear();
      expect(await attach!.apply()).toMatch(/attach-test-\w+ (was already attached|to)/);
      if (target.adminVia === 'api') expect(proxy.mutating()).toEqual([]);
    });

    it('attaching keeps the policies the user already has (api: set-user-or-group-policy gets the whole list, no Argon2id answer)', async () => {
      const user = unique('keeps');
      const known = secret();
      await createUser(user, known);
      expect((await target.mc!(['admin', 'policy', 'attach', 'ALIAS', 'readonly', '--user', user])).code).toBe(0);
      const [, policy, attach] = steps({ user, builderSecret: known, policyName: `keeps-test-${target.adminVia}` });
      await policy!.apply();
      proxy.clear();
      await attach!.apply();
      const info = await target.mc!(['admin', 'user', 'info', 'ALIAS', user, '--json']);
      const policies = String((JSON.parse(info.stdout) as { policyName?: string }).policyName).split(',');
      expect(policies.sort()).toEqual([`keeps-test-${target.adminVia}`, 'readonly'].sort());
      if (target.adminVia === 'api') {
        expect(proxy.mutating().map((r) => r.url.split('?')[0])).toEqual(['/minio/admin/v3/set-user-or-group-policy']);
      }
    });

    it('a policy of the same name with another document for this bucket is replaced, and the one MinIO writes back is the same policy', async () => {
      const name = unique('replaced');
      const file = join(mkdtempSync(join(tmpdir(), 'ncw-policy-')), 'p.json');
      writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::admin-steps', 'arn:aws:s3:::admin-steps/*'] }] }));
      expect((await target.mc!(['admin', 'policy', 'create', 'ALIAS', name, file])).code).toBe(0);
      const [, policy] = steps({ policyName: name });
      expect(await policy!.check()).toMatchObject({ status: 'todo', detail: expect.stringContaining('different document') });
      await policy!.apply();
      expect(await policy!.check()).toMatchObject({ status: 'done' });
    });

    it('a policy of the same name that grants other buckets is a conflict naming them and a free name, and is left as it is (issue 15)', async () => {
      const name = unique('elsewhere');
      const file = join(mkdtempSync(join(tmpdir(), 'ncw-policy-')), 'p.json');
      writeFileSync(file, JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: ['s3:*'], Resource: ['arn:aws:s3:::*'] }] }));
      expect((await target.mc!(['admin', 'policy', 'create', 'ALIAS', name, file])).code).toBe(0);
      const [, policy] = steps({ policyName: name });
      const result = await policy!.check();
      expect(result.status).toBe('conflict');
      expect(result.detail).toContain(`policy ${name} belongs to another cache: it grants every bucket`);
      expect(result.detail).toContain(`(${name}-admin-steps is free)`);
    });

    it('attaching a policy that does not exist says so in plain words', async () => {
      const user = unique('nopolicy');
      await createUser(user, secret());
      const [, , attach] = steps({ user, policyName: unique('absent') });
      const error = (await attach!.apply().catch((e: unknown) => e)) as StepError;
      expect(error).toBeInstanceOf(StepError);
      expect(error.step).toBe('attach');
      expect(error.message).toMatch(/canned policy does not exist/);
    });

    it('a wrong admin secret is named as such, with the step, and never shown', async () => {
      const wrong = `wrong-${randomBytes(8).toString('hex')}`;
      const [, policy] = steps({ admin: { accessKey: target.admin.accessKey, secretKey: wrong } });
      const error = (await policy!.check().catch((e: unknown) => e)) as StepError;
      expect(error).toBeInstanceOf(StepError);
      expect(error.step).toBe('policy');
      expect(error.message).toMatch(/refused the admin secret key .*SignatureDoesNotMatch/);
      expect(`${error.message} ${error.hint}`).not.toContain(wrong);
    });

    it('an unknown admin access key is explained as such', async () => {
      const [user] = steps({ admin: { accessKey: 'NOSUCHADMIN', secretKey: target.admin.secretKey } });
      const error = (await user!.check().catch((e: unknown) => e)) as StepError;
      expect(error.message).toMatch(/does not know the admin access key "NOSUCHADMIN" \(InvalidAccessKeyId\)/);
    });

    (target?.adminVia === 'mc' ? it : () => undefined)('runs mc with its global flags first, no secret in argv, and nothing left in HOME', () => {
      const calls = mc.argv().filter((argv) => argv.includes('admin'));
      expect(calls.length).toBeGreaterThan(10);
      for (const argv of calls) {
        // `mc --config-dir D --json admin …`: after the command words mc ignores --config-dir
        expect(argv.slice(0, 3)).toEqual(['--config-dir', expect.stringContaining('ncw-mc-'), '--json']);
        expect(argv.join(' ')).not.toContain(target.admin.secretKey);
        expect(argv.join(' ')).not.toMatch(/Bs-[0-9a-f]{24}/);
      }
      expect(existsSync(join(mc.home, '.mc'))).toBe(false);
    });
  });
});
