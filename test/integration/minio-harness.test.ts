/**
 * The throwaway MinIO and the real mc behave like the real things the other MinIO tests rely on:
 * signatures are checked, buckets are private by default, the admin API answers, mc is the MinIO
 * Client at the pinned release, the server can be stopped and restarted, and a TLS server with a
 * private CA is trusted only with that CA. Stopping leaves no process behind.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { isAlive, minioClient, runMc, startMinio, startMinioServer, stopMinioServer, type MinioInfo, type MinioServer } from '../helpers/minio-server';
import { errorCodeOf as errorCode } from '../helpers/error-code';

const minio = inject('minio');
const unavailable = inject('minioUnavailable');

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function pidOf(dir: string): number {
  return Number.parseInt(readFileSync(join(dir, 'run', 'minio.pid'), 'utf8'), 10);
}

describe.skipIf(minio === null)(`the test MinIO and mc${unavailable ? ` (${unavailable})` : ''}`, () => {
  const info = minio as MinioInfo;

  it('stores and returns an object in a new bucket', async () => {
    const client = minioClient(info);
    const bucket = unique('harness');
    await client.makeBucket(bucket, 'us-east-1');
    await client.putObject(bucket, 'hello.txt', Buffer.from('hello from minio'));
    const stream = await client.getObject(bucket, 'hello.txt');
    const chunks: Buffer[] = [];
    for await (const chunk of stream) chunks.push(chunk as Buffer);
    expect(Buffer.concat(chunks).toString()).toBe('hello from minio');
  });

  it('rejects a request signed with the wrong secret', async () => {
    const client = minioClient(info, { accessKey: info.accessKey, secretKey: 'not-the-secret-000000000000' });
    expect(await errorCode(client.listBuckets())).toBe('SignatureDoesNotMatch');
  });

  it('refuses anonymous reads of a bucket without a policy', async () => {
    const client = minioClient(info);
    const bucket = unique('private');
    await client.makeBucket(bucket, 'us-east-1');
    await client.putObject(bucket, 'secret.txt', Buffer.from('not for you'));
    const response = await fetch(`${info.endpoint}/${bucket}/secret.txt`);
    expect(response.status).toBe(403);
  });

  it('runs the real mc, the MinIO Client, which reaches the server through MC_HOST_ALIAS', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'mc-config-'));
    const version = await runMc(info, ['--version'], { configDir });
    // `go install` builds report DEVELOPMENT.GOGET instead of the release tag; the product checks
    // for MinIO's name, since `mc` is also Midnight Commander.
    expect(version.stdout).toMatch(/^mc version /);
    expect(version.stdout).toContain('MinIO, Inc.');
    const info2 = await runMc(info, ['--json', 'admin', 'info', 'ALIAS'], { configDir });
    expect(info2.code, info2.stderr + info2.stdout).toBe(0);
    expect(JSON.parse(info2.stdout.split('\n')[0] ?? '{}')).toMatchObject({ status: 'success' });
  });

  it('answers the admin API only to the root user', async () => {
    const configDir = mkdtempSync(join(tmpdir(), 'mc-config-'));
    const wrong = await runMc({ ...info, secretKey: 'not-the-secret-000000000000' }, ['--json', 'admin', 'user', 'list', 'ALIAS'], { configDir });
    expect(wrong.code).not.toBe(0);
  });

  it('can be stopped (connections refused) and started again with its data', async () => {
    const client = minioClient(info);
    const bucket = unique('restart');
    await client.makeBucket(bucket, 'us-east-1');
    const before = pidOf(info.dir);
    await stopMinioServer(info);
    expect(isAlive(before)).toBe(false);
    // A new connection (a kept-alive one would be reset instead) is refused.
    const refused = await new Promise<string | undefined>((resolve) => {
      http.get(`${info.endpoint}/minio/health/live`, { agent: false }, () => resolve(undefined)).on('error', (error: NodeJS.ErrnoException) => resolve(error.code));
    });
    expect(refused).toBe('ECONNREFUSED');
    await startMinioServer(info);
    expect(await client.bucketExists(bucket)).toBe(true);
  });

  describe('over TLS with a private CA', () => {
    let server: MinioServer;

    beforeAll(async () => {
      server = await startMinio({ tls: 'private-ca' });
    });

    afterAll(async () => {
      const pid = pidOf(server.dir);
      await server.stop();
      expect(isAlive(pid)).toBe(false);
      expect(existsSync(server.dir)).toBe(false);
    });

    const status = (ca?: string) =>
      new Promise<number | string>((resolve) => {
        https
          .get(`${server.endpoint}/minio/health/live`, ca ? { ca } : {}, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
          })
          .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });

    it('is trusted with the CA and refused without it', async () => {
      expect(server.endpoint).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
      expect(await status(readFileSync(server.caPath as string, 'utf8'))).toBe(200);
      expect(await status()).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    });
  });
});
