/**
 * SPEC 5 `connect` and SPEC 10 over TLS with a private CA, against the test RGW's https listener
 * (a throwaway CA made with openssl signs its certificate for 127.0.0.1): without caFile the
 * connect step fails and says to set caFile; with it, every step works; verification is never
 * silently off.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { Answers } from '../../source/answers/answers';
import { createS3Client, s3ConnectionFromAnswers } from '../../source/backends/s3/s3-connection';
import { s3Steps } from '../../source/backends/s3/s3-steps';
import { renderNixCacheInfo } from '../../source/files/render-nix-cache-info';
import { StepError } from '../../source/errors';
import { makePrivateCa, type CephRgwInfo } from '../helpers/ceph-rgw';
import { makeAnswers, type AnswersOverrides } from '../backends/s3/answers-fixture';

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
    const client = createS3Client(await s3ConnectionFromAnswers(answers));
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
    expect(error.message).toMatch(/TLS|not HTTP|closed the connection/);
    expect(error.hint).toMatch(/http:\/\/|scheme/);
  });

  it('explains an http endpoint that points at the TLS port', async () => {
    const port = new URL(info.httpsEndpoint).port;
    const error = await connectError(answersFor({ endpoint: `http://127.0.0.1:${port}` }));
    expect(error.hint).toMatch(/scheme|https?:\/\//);
  });
});
