import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepError } from '../../../source/errors';
import { createMcClient, parseJsonValues } from '../../../source/backends/minio/mc-client';
import { minioAdminSteps, type MinioStepsContext } from '../../../source/backends/minio/minio-steps';
import { writePolicyDocument } from '../../../source/policies/write-policy';
import { installStandInMc, type StandInMc } from '../../helpers/stand-in-mc';
import { exampleAnswers } from '../../files/example-answers';

const ADMIN = { accessKey: 'minioadmin', secretKey: 'root-Secret-123' };
const BUILDER_SECRET = 'Wq3+xT7.rn=Ka4-Hc9_Vm2,Ye8Pj4Lf';
const ENDPOINT = 'http://127.0.0.1:9000';

function context(mc: StandInMc, overrides: Partial<MinioStepsContext> = {}): MinioStepsContext {
  return {
    answers: exampleAnswers({ endpoint: ENDPOINT, adminVia: 'mc', builder: { accessKey: 'nixbuilder', secretKey: BUILDER_SECRET, profile: 'nixbuilder' } }),
    admin: ADMIN,
    builderSecret: BUILDER_SECRET,
    randomBytes: () => {
      throw new Error('the mc path encrypts nothing itself');
    },
    env: mc.env,
    // The stand-in is not an S3 endpoint; the builder check over HTTP is tested against the fake server.
    checkBuilderKeys: async (keys) =>
      mc.state().users[keys.accessKey]?.secretKey === keys.secretKey ? { works: true, detail: 'accepted' } : { works: false, detail: 'the server refused it (SignatureDoesNotMatch)' },
    ...overrides,
  };
}

describe('the MinIO admin steps through the mc program', () => {
  it('creates the user with the keys on stdin and the admin keys in MC_HOST, and no secret ever appears in argv', async () => {
    const mc = installStandInMc({ admin: ADMIN });
    const ctx = context(mc);

    // Given nothing on the server, When every step is checked and applied
    for (const step of minioAdminSteps(ctx)) {
      expect((await step.check()).status).toBe('todo');
      await step.apply();
    }

    // Then the pretend server holds what the REST path would have made
    const state = mc.state();
    expect(state.users['nixbuilder']).toEqual({ secretKey: BUILDER_SECRET, status: 'enabled', policies: ['nix-cache-write'] });
    expect(state.policies['nix-cache-write']).toEqual(writePolicyDocument('nix-cache'));

    // And the secrets went only through stdin and the environment
    const calls = mc.invocations();
    const add = calls.find((c) => c.argv.slice(0, 3).join(' ') === 'admin user add')!;
    expect(add.stdin).toBe(`nixbuilder\n${BUILDER_SECRET}\n`);
    expect(add.env).toEqual({ MC_HOST_ncwadmin: `http://${ADMIN.accessKey}:${ADMIN.secretKey}@127.0.0.1:9000` });
    for (const call of calls) {
      const argv = call.argv.join(' ');
      expect(argv).not.toContain(BUILDER_SECRET);
      expect(argv).not.toContain(ADMIN.secretKey);
    }

    // And every command ran with --json in a private config dir that existed then and is gone now
    const adminCalls = calls.filter((c) => c.argv[0] === 'admin');
    expect(adminCalls.length).toBeGreaterThanOrEqual(5);
    for (const call of adminCalls) {
      expect(call.argv).toContain('--json');
      expect(call.configDirExisted).toBe(true);
      expect(call.configDir).not.toContain(`${homedir()}/.mc`);
      expect(existsSync(call.configDir!)).toBe(false);
    }

    // And the policy went through a 0600 file that is removed afterwards
    const create = calls.find((c) => c.argv.slice(0, 3).join(' ') === 'admin policy create')!;
    expect(create.policyFile?.mode).toBe('600');
    expect(JSON.parse(create.policyFile!.content)).toEqual(writePolicyDocument('nix-cache'));
    expect(existsSync(create.policyFile!.path)).toBe(false);

    // And a second check finds everything done without running any changing command
    const before = mc.invocations().length;
    for (const step of minioAdminSteps(context(mc))) expect((await step.check()).status).toBe('done');
    const later = mc.invocations().slice(before).map((c) => c.argv.slice(0, 3).join(' '));
    expect(later.every((c) => c === 'admin user info' || c === 'admin policy info' || c === '--version')).toBe(true);
  });

  it('a `mc` that says it is Midnight Commander is refused before any admin command runs', async () => {
    const mc = installStandInMc({ admin: ADMIN, variant: 'midnight-commander' });
    const [user] = minioAdminSteps(context(mc));
    const error = await user!.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).message).toMatch(/not the MinIO Client.*Midnight Commander/);
    expect((error as StepError).hint).toMatch(/adminVia "api"/);
    expect(mc.invocations().map((c) => c.argv)).toEqual([['--version']]);
  });

  it('a missing mc program is explained with the way around it', async () => {
    const client = createMcClient({ endpoint: ENDPOINT, caFile: undefined, insecure: false, admin: ADMIN, env: { PATH: `/nonexistent${delimiter}/also-not-here` } });
    await expect(client.userInfo('nixbuilder')).rejects.toThrow(/MinIO Client `mc` is not on PATH/);
  });

  it('a wrong admin secret through mc gives a clear error without the secret', async () => {
    const mc = installStandInMc({ admin: ADMIN });
    const wrong = 'wrong-root-secret';
    const [, policy] = minioAdminSteps(context(mc, { admin: { accessKey: ADMIN.accessKey, secretKey: wrong } }));
    const error = (await policy!.check().catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.step).toBe('policy');
    expect(error.message).toMatch(/refused the admin secret key .*SignatureDoesNotMatch/);
    expect(`${error.message} ${error.hint}`).not.toContain(wrong);
  });

  it('through mc an already-attached policy counts as done, and attaching again is not an error', async () => {
    const mc = installStandInMc({
      admin: ADMIN,
      users: { nixbuilder: { secretKey: BUILDER_SECRET, status: 'enabled', policies: ['nix-cache-write'] } },
      policies: { 'nix-cache-write': writePolicyDocument('nix-cache') },
    });
    const [user, policy, attach] = minioAdminSteps(context(mc));
    expect((await user!.check()).status).toBe('done');
    expect((await policy!.check()).status).toBe('done');
    expect((await attach!.check()).status).toBe('done');
    expect(await attach!.apply()).toMatch(/already attached/);
  });

  it('an existing user with an unknown secret is a conflict through mc too, and `mc admin user add` never runs', async () => {
    const mc = installStandInMc({ admin: ADMIN, users: { nixbuilder: { secretKey: 'theirs-secret', status: 'enabled', policies: [] } } });
    const [user] = minioAdminSteps(context(mc, { builderSecret: undefined }));
    expect(await user!.check()).toMatchObject({ status: 'conflict', detail: expect.stringContaining('rotate credentials') });
    await expect(user!.apply()).rejects.toThrow(StepError);
    expect(mc.invocations().some((c) => c.argv.slice(0, 3).join(' ') === 'admin user add')).toBe(false);
  });

  it('admin keys that MC_HOST cannot carry are refused with a pointer to adminVia "api"', async () => {
    const mc = installStandInMc({ admin: ADMIN });
    const client = createMcClient({ endpoint: ENDPOINT, caFile: undefined, insecure: false, admin: { accessKey: 'minioadmin', secretKey: 'pa:ss/word' }, env: mc.env });
    await expect(client.userInfo('nixbuilder')).rejects.toThrow(/holds ":", which mc cannot read from MC_HOST/);
    expect(mc.invocations().filter((c) => c.argv[0] === 'admin')).toEqual([]);
  });

  it('--insecure is passed when TLS verification is off', async () => {
    const mc = installStandInMc({ admin: ADMIN });
    const client = createMcClient({ endpoint: 'https://127.0.0.1:9000', caFile: undefined, insecure: true, admin: ADMIN, env: mc.env });
    expect(await client.userInfo('nobody')).toEqual({ exists: false });
    const call = mc.invocations().find((c) => c.argv[0] === 'admin')!;
    expect(call.argv).toContain('--insecure');
    expect(call.env['MC_HOST_ncwadmin']).toMatch(/^https:\/\//);
  });

  it('a failing `mc admin user add` is reported without the secret it echoes', async () => {
    const mc = installStandInMc({ admin: ADMIN, failWithText: { 'admin user add': 'Unable to add new user' } });
    const [user] = minioAdminSteps(context(mc));
    const error = (await user!.apply().catch((e: unknown) => e)) as StepError;
    expect(error).toBeInstanceOf(StepError);
    expect(error.step).toBe('user');
    expect(error.message).toBe('MinIO at http://127.0.0.1:9000 could not create the builder user (no error code): mc: <ERROR> Unable to add new user');
    expect(error.message).not.toContain(BUILDER_SECRET);
    expect(error.message).not.toContain(ADMIN.secretKey);
  });

  it("mc's indented --json output is split into its objects", () => {
    const text = '{\n "status": "success",\n "policy": "a{b}\\"c"\n}\n{\n "status": "error",\n "error": {"message": "x"}\n}\n';
    expect(parseJsonValues(text)).toEqual([
      { status: 'success', policy: 'a{b}"c' },
      { status: 'error', error: { message: 'x' } },
    ]);
  });
});
