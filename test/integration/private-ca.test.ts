/**
 * SPEC 5 `connect` and SPEC 10 over TLS with a private CA, against the test RGW's https listener
 * and a real MinIO of its own over https (a throwaway CA made with openssl signs each certificate
 * for 127.0.0.1): without caFile the connect step fails and says to set caFile; with it, every
 * step works, on MinIO through the admin API and through the real mc; verification is never
 * silently off.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Answers } from '../../source/answers/answers';
import { connectionsFor, connectionsFrom } from '../../source/connections/connections';
import { s3Steps } from '../../source/backends/s3/s3-steps';
import { renderNixCacheInfo } from '../../source/files/render-nix-cache-info';
import { StepError } from '../../source/errors';
import { makePrivateCa, type CephRgwInfo } from '../helpers/ceph-rgw';
import { makeAnswers, type AnswersOverrides } from '../backends/s3/answers-fixture';
import { minioAdminSteps } from '../../source/backends/minio/minio-steps';
import { startMinio, type MinioServer } from '../helpers/minio-server';
import { makeCliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');
const tls = rgw?.httpsEndpoint !== undefined && rgw.caPath !== undefined;

describe.skipIf(!tls)(`connecting over TLS with a private CA${unavailable ? ` (${unavailable})` : rgw && !tls ? ' (the test RGW has no https listener)' : ''}`, () => {
  const info = rgw as CephRgwInfo & { httpsEndpoint: string; caPath: string };
  let otherCaDir: string;
  let otherCaPath: string;

  beforeAll(async () => {
    // a second throwaway CA that did not sign the server's certificate
    otherCaDir = mkdtempSync(join(tmpdir(), 'nix-cache-wizard-other-ca-'));
    otherCaPath = (await makePrivateCa(otherCaDir)).caPath;
  });

  afterAll(() => {
    if (otherCaDir) rmSync(otherCaDir, { recursive: true, force: true });
  });

  function answersFor(overrides: AnswersOverrides = {}): Answers {
    return makeAnswers({
      backend: 'ceph',
      endpoint: info.httpsEndpoint,
      bucket: `tls-${randomBytes(4).toString('hex')}`,
      ...overrides,
      admin: { accessKey: info.accessKey, secretKey: info.secretKey },
    });
  }

  async function stepsFor(answers: Answers) {
    const client = await (await connectionsFor(answers, { randomBytes: (n) => new Uint8Array(randomBytes(n)), env: {} })).s3ForSteps();
    return s3Steps({ answers, client, cacheInfoContent: renderNixCacheInfo(answers.cacheInfo), builderUid: 'nobody-yet' });
  }

  async function connectError(answers: Answers): Promise<StepError> {
    const [connect] = await stepsFor(answers);
    const error = await connect!.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    return error as StepError;
  }

  it('without caFile fails at connect, saying the CA is unknown and to set caFile', async () => {
    const error = await connectError(answersFor());
    expect(error.step).toBe('connect');
    expect(error.message).toMatch(/TLS failed: the server's TLS certificate (is signed by a CA this machine does not trust|chain ends in a private \(self-signed\) CA)/);
    expect(error.hint).toMatch(/Set caFile to the PEM of your CA/);
  });

  it('with the CA that signed the certificate as caFile, every step works', async () => {
    const steps = await stepsFor(answersFor({ caFile: info.caPath, expireDays: null }));
    for (const step of steps) {
      const before = await step.check();
      if (before.status === 'todo') {
        await step.apply();
        expect(await step.check(), step.id).toMatchObject({ status: 'done' });
      } else {
        expect(before, step.id).toMatchObject({ status: 'done' });
      }
    }
  });

  it('with an unrelated CA as caFile still refuses the server', async () => {
    const error = await connectError(answersFor({ caFile: otherCaPath }));
    expect(error.message).toMatch(/TLS failed/);
    expect(error.hint).toMatch(/caFile/);
  });

  it('with insecure skips verification (the CLI warns about it on every run)', async () => {
    const [connect] = await stepsFor(answersFor({ insecure: true }));
    expect(await connect!.check()).toMatchObject({ status: 'done' });
  });

  it('explains an https endpoint that points at the plain HTTP port', async () => {
    const port = new URL(info.endpoint).port;
    const error = await connectError(answersFor({ endpoint: `https://127.0.0.1:${port}`, caFile: info.caPath }));
    expect(error.message).toMatch(/answers in plain HTTP, not https/);
    expect(error.hint).toMatch(/http:\/\/|scheme/);
  });

  it('explains an http endpoint that points at the TLS port', async () => {
    const port = new URL(info.httpsEndpoint).port;
    const error = await connectError(answersFor({ endpoint: `http://127.0.0.1:${port}` }));
    expect(error.hint).toMatch(/scheme|https?:\/\//);
  });
});

/**
 * The same on a real MinIO over TLS with a private CA, through both admin paths: the admin REST API
 * (our own TLS client) and the real mc (which trusts a CA only from `<config dir>/certs/CAs`, and
 * only when `--config-dir` comes before the command words).
 */
describe.skipIf(inject('minio') === null)(`a real MinIO over TLS with a private CA${inject('minioUnavailable') ? ` (${inject('minioUnavailable')})` : ''}`, () => {
  let server: MinioServer;
  let mcPath: string;

  beforeAll(async () => {
    server = await startMinio({ tls: 'private-ca' });
    mcPath = server.mcPath;
  });

  afterAll(async () => {
    await server?.stop();
  });

  function sandboxFor(via: 'api' | 'mc', extra: Record<string, unknown>) {
    const sandbox = makeCliSandbox();
    // HOME is the sandbox's, so a mc that ignored --config-dir would leave ~/.mc there
    sandbox.env = { PATH: via === 'mc' ? `${dirname(mcPath)}:${process.env['PATH'] ?? ''}` : process.env['PATH'], HOME: sandbox.home };
    sandbox.writeAnswers({
      backend: 'minio',
      adminVia: via,
      endpoint: server.endpoint,
      admin: { accessKey: server.accessKey, secretKey: server.secretKey },
      bucket: `tls-${randomBytes(4).toString('hex')}`,
      builder: { accessKey: `tlsb-${randomBytes(4).toString('hex')}` },
      writeMcConfig: false,
      ...extra,
    });
    return sandbox;
  }

  function adminStepsFor(via: 'api' | 'mc', tls: { caFile?: string; insecure?: boolean }) {
    const answers = makeAnswers({ backend: 'minio', adminVia: via, endpoint: server.endpoint, bucket: 'tls-admin', ...tls });
    const env = { PATH: `${dirname(mcPath)}:${process.env['PATH'] ?? ''}`, HOME: mkdtempSync(join(tmpdir(), 'ncw-home-')) };
    const caPem = tls.caFile === undefined ? undefined : readFileSync(tls.caFile, 'utf8');
    const connections = connectionsFrom({ ...answers, admin: { accessKey: server.accessKey, secretKey: server.secretKey, mcAlias: undefined } }, { caPem }, { randomBytes: (n) => new Uint8Array(randomBytes(n)), env });
    return minioAdminSteps({ answers, ...connections.minioSteps(), builderSecret: 'Builder-Secret-42x', env });
  }

  for (const via of ['api', 'mc'] as const) {
    describe(`adminVia ${via}`, () => {
      it('with the CA as caFile, setup converges and a re-run finds every step done', async () => {
        const sandbox = sandboxFor(via, { caFile: server.caPath });
        const first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        const statuses = (JSON.parse(first.stdout) as { steps: { id: string; status: string }[] }).steps;
        expect(statuses.filter((s) => ['user', 'policy', 'attach'].includes(s.id)).map((s) => s.status)).toEqual(['changed', 'changed', 'changed']);
        const second = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
        expect((JSON.parse(second.stdout) as { steps: { status: string }[] }).steps.every((s) => s.status === 'done')).toBe(true);
        // mc used its private config dir: nothing in the home folder
        expect(existsSync(join(sandbox.home, '.mc'))).toBe(false);
        const verify = await sandbox.run(['verify', '--json', '--answers', 'answers.json']);
        expect(verify.code, verify.stdout).toBe(0);
      });

      it('without caFile, the admin steps explain the unknown CA and suggest caFile', async () => {
        const [user] = adminStepsFor(via, {});
        const error = (await user!.check().catch((e: unknown) => e)) as StepError;
        expect(error).toBeInstanceOf(StepError);
        expect(error.step).toBe('user');
        expect(error.message).toMatch(/TLS with https:\/\/127\.0\.0\.1:\d+ failed: the server's TLS certificate is signed by a CA this machine does not trust/);
        expect(error.hint).toMatch(/Set caFile to the PEM of your CA/);
      });

      it('without caFile, setup stops at connect with the explanation and changes nothing', async () => {
        const sandbox = sandboxFor(via, {});
        const result = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('step "connect" failed');
        expect(result.stderr).toMatch(/caFile/);
      });

      it('with insecure the admin steps skip verification', async () => {
        const [user] = adminStepsFor(via, { insecure: true });
        expect(await user!.check()).toMatchObject({ status: 'todo' });
      });
    });
  }
});
