/**
 * SPEC 5 `connect` and SPEC 10 on the S3 connection: connection failures reach the connect step in
 * plain words (test/backends/explain-connection-error.test.ts has the words themselves). The
 * network cases use real local sockets.
 */
import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectStep } from '../../../source/backends/s3/connect-step';
import { withDeadline } from '../../../source/requests/request-rules';
import { createS3Client } from '../../../source/backends/s3/s3-connection';
import { s3StepKeys } from '../../../source/backends/s3/s3-step-keys';
import { StepError } from '../../../source/errors';
import { makeAnswers } from './answers-fixture';

describe('the keys the S3 steps use', () => {
  it('are the admin keys on minio and ceph, the builder keys on s3', () => {
    expect(s3StepKeys(makeAnswers({ backend: 'minio' }))).toMatchObject({ accessKey: 'admin-access', who: 'admin' });
    expect(s3StepKeys(makeAnswers({ backend: 'ceph' }))).toMatchObject({ accessKey: 'admin-access', who: 'admin' });
    expect(s3StepKeys(makeAnswers({ backend: 's3' }))).toMatchObject({ accessKey: 'nixbuilder', secretKey: 'builder-secret-value', who: 'builder' });
  });
});

describe('the connect step against a local socket', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.close();
    server = undefined;
  });

  async function listen(onConnection: (socket: import('node:net').Socket) => void): Promise<number> {
    server = createServer(onConnection);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server!.address() as { port: number }).port;
  }

  it('explains a refused connection and never shows a secret', async () => {
    const port = await listen(() => {});
    server!.close();
    const answers = makeAnswers({ endpoint: `http://127.0.0.1:${port}` });
    const client = createS3Client({ endpoint: answers.endpoint, region: 'us-east-1', accessKey: 'admin-access', secretKey: 'admin-secret-value' });
    const step = connectStep({ answers, client, cacheInfoContent: '' });
    const error = await step.check().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StepError);
    expect((error as StepError).step).toBe('connect');
    expect((error as StepError).message).toMatch(/nothing accepts connections at this address and port/);
    expect(JSON.stringify({ m: (error as StepError).message, h: (error as StepError).hint })).not.toContain('admin-secret-value');
  });

  it('refuses to connect without keys rather than sending anonymous requests', async () => {
    const port = await listen(() => {});
    const answers = makeAnswers({ endpoint: `http://127.0.0.1:${port}`, admin: { accessKey: undefined, secretKey: undefined } });
    const client = createS3Client({ endpoint: answers.endpoint, region: 'us-east-1', accessKey: '', secretKey: '' });
    await expect(connectStep({ answers, client, cacheInfoContent: '' }).check()).rejects.toThrow(/No admin keys to connect to/);
  });

  it('gives up on a server that accepts the connection and says nothing', async () => {
    const port = await listen(() => {});
    const client = createS3Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', accessKey: 'a-key', secretKey: 'a-secret-1' });
    const started = Date.now();
    await expect(withDeadline(300, () => client.listBuckets())).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('explains an https endpoint that is plain TCP speaking no TLS', async () => {
    const port = await listen((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    const answers = makeAnswers({ endpoint: `https://127.0.0.1:${port}` });
    const client = createS3Client({ endpoint: answers.endpoint, region: 'us-east-1', accessKey: 'admin-access', secretKey: 'admin-secret-value' });
    // It answers in HTTP: said so, with the scheme to use instead (issue 15)
    await expect(connectStep({ answers, client, cacheInfoContent: '' }).check()).rejects.toThrow(/answers in plain HTTP, not https: use http:\/\/|closed the connection/);
  });
});
