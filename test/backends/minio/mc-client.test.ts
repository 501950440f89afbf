import { delimiter } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StepError } from '../../../source/errors';
import { createMcClient, parseJsonValues } from '../../../source/backends/minio/mc-client';
import { minioAdminSteps, type MinioStepsContext } from '../../../source/backends/minio/minio-steps';
import { onRetries, runWithRequestRules } from '../../../source/requests/request-rules';
import { installStandInMc, type StandInMc } from '../../helpers/stand-in-mc';
import { exampleAnswers } from '../../files/example-answers';

const ADMIN = { accessKey: 'minioadmin', secretKey: 'root-Secret-123' };
const BUILDER_SECRET = 'Wq3+xT7.rn=Ka4-Hc9_Vm2,Ye8Pj4Lf';
const ENDPOINT = 'http://127.0.0.1:9000';

function context(mc: StandInMc, overrides: Partial<MinioStepsContext> = {}): MinioStepsContext {
  return {
    answers: exampleAnswers({ endpoint: ENDPOINT, adminVia: 'mc', builder: { accessKey: 'nixbuilder', secretKey: BUILDER_SECRET, profile: 'nixbuilder' } }),
    makeAdmin: () => createMcClient({ endpoint: ENDPOINT, caPem: undefined, insecure: false, admin: ADMIN, env: mc.env }),
    builderSecret: BUILDER_SECRET,
    env: mc.env,
    // The stand-in is not an S3 endpoint; the builder check over HTTP is tested against the fake server.
    checkBuilderKeys: async (keys) =>
      mc.state().users[keys.accessKey]?.secretKey === keys.secretKey ? { works: true, detail: 'accepted' } : { works: false, detail: 'the server refused it (SignatureDoesNotMatch)' },
    ...overrides,
  };
}

describe('the mc client with a stand-in mc, for what the real mc cannot show (every other case runs the real mc: test/integration/minio-admin.test.ts, private-ca.test.ts)', () => {
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
    const client = createMcClient({ endpoint: ENDPOINT, caPem: undefined, insecure: false, admin: ADMIN, env: { PATH: `/nonexistent${delimiter}/also-not-here` } });
    await expect(client.userInfo('nixbuilder')).rejects.toThrow(/MinIO Client `mc` is not on PATH/);
  });

  it('admin keys that MC_HOST cannot carry are refused with a pointer to adminVia "api"', async () => {
    const mc = installStandInMc({ admin: ADMIN });
    const client = createMcClient({ endpoint: ENDPOINT, caPem: undefined, insecure: false, admin: { accessKey: 'minioadmin', secretKey: 'pa:ss/word' }, env: mc.env });
    await expect(client.userInfo('nixbuilder')).rejects.toThrow(/holds ":", which mc cannot read from MC_HOST/);
    expect(mc.invocations().filter((c) => c.argv[0] === 'admin')).toEqual([]);
  });

  it('an mc command the server answers 503 twice is run again under the one retry rule, and then works', async () => {
    const mc = installStandInMc({ admin: ADMIN, failTransiently: { 'admin policy create': 2 } });
    const client = createMcClient({ endpoint: ENDPOINT, caPem: undefined, insecure: false, admin: ADMIN, env: mc.env });
    const notices: string[] = [];
    await runWithRequestRules({ sleep: async () => undefined }, () =>
      onRetries((notice) => notices.push(notice.text), () => client.addCannedPolicy('nix-cache-write', { Version: '2012-10-17', Statement: [] })),
    );
    expect(mc.invocations().filter((c) => c.argv.includes('create'))).toHaveLength(3);
    expect(notices).toEqual([expect.stringMatching(/^the server answered 503; trying again in [\d.]+ s, attempt 2 of 4$/), expect.stringMatching(/attempt 3 of 4$/)]);
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
