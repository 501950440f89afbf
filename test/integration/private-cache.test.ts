/**
 * A private cache (`anonymous: "none"`, SPEC 2 and 4.3) set up by `setup --yes` on the real Ceph
 * RGW and the real MinIO: the reader user the machines substitute with can GET objects and
 * nothing else (no listing, no upload, no delete), anonymous requests get nothing, the reader's
 * keys are written as their own 0600 credentials file, and the module and snippet point at an
 * s3:// substituter with the reader's profile.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'minio';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { rgwClient, type CephRgwInfo } from '../helpers/ceph-rgw';
import { errorCodeOf } from '../helpers/error-code';
import { minioClient, type MinioInfo } from '../helpers/minio-server';
import { makeCliSandbox, type CliRun, type CliSandbox } from '../helpers/run-cli';
import { completeFromDisk } from '../../source/facts/read-facts';
import { rotateCredentials } from '../../source/rotate/rotate-credentials';
import { anonymousStatus } from '../helpers/anonymous-status';

const rgw = inject('rgw');
const rgwUnavailable = inject('rgwUnavailable');
const minio = inject('minio');
const minioUnavailable = inject('minioUnavailable');

const unique = (prefix: string): string => `${prefix}-${randomBytes(4).toString('hex')}`;

interface JsonRun {
  ok: boolean;
  steps: { id: string; status: string; detail: string }[];
  files: { path: string; action: string }[];
  next: string[];
}

function readerKeys(sandbox: CliSandbox): { accessKey: string; secretKey: string } {
  const text = readFileSync(join(sandbox.cwd, 'nix-cache-reader.credentials'), 'utf8');
  expect(text.startsWith('[nixreader]\n')).toBe(true);
  return {
    accessKey: /aws_access_key_id = (\S+)/.exec(text)?.[1] ?? '',
    secretKey: /aws_secret_access_key = (\S+)/.exec(text)?.[1] ?? '',
  };
}

async function text(client: Client, bucket: string, key: string): Promise<string> {
  const stream = await client.getObject(bucket, key);
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString();
}

function privateCacheSuite(
  name: string,
  server: () => { endpoint: string; accessKey: string; secretKey: string },
  client: (keys: { accessKey: string; secretKey: string }) => Client,
  backend: 'ceph' | 'minio',
  expectedSteps: readonly string[],
) {
  describe(name, () => {
    const sandbox = makeCliSandbox();
    const bucket = unique('private');
    const builder = unique('builder');
    const reader = unique('reader');
    let first: CliRun;

    beforeAll(async () => {
      const { endpoint, accessKey, secretKey } = server();
      sandbox.writeAnswers({
        backend,
        endpoint,
        admin: { accessKey, secretKey },
        bucket,
        anonymous: 'none',
        builder: { accessKey: builder },
        reader: { accessKey: reader },
        policyName: unique('policy'),
        writeMcConfig: false,
      });
      first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    });

    it('makes the reader with the shared steps and writes its credentials as their own 0600 file', () => {
      expect(first.code, first.stderr + first.stdout).toBe(0);
      const json = JSON.parse(first.stdout) as JsonRun;
      expect(json.steps.map((s) => s.id)).toEqual(expectedSteps);
      expect(json.steps.filter((s) => s.id.startsWith('reader-')).every((s) => s.status === 'changed' || s.status === 'done')).toBe(true);
      const file = join(sandbox.cwd, 'nix-cache-reader.credentials');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readerKeys(sandbox).accessKey).toBe(reader);
      const { endpoint } = server();
      const url = `s3://${bucket}?profile=nixreader&endpoint=${endpoint}`;
      expect(readFileSync(join(sandbox.cwd, 'nix-cache.nix'), 'utf8')).toContain(`"${url}"`);
      expect(readFileSync(join(sandbox.cwd, 'nix-cache.conf'), 'utf8')).toContain(`extra-substituters = ${url}\n`);
      expect(first.stdout).not.toContain(readerKeys(sandbox).secretKey);
    });

    it('lets the reader GET objects, and neither list, upload nor delete', async () => {
      const keys = readerKeys(sandbox);
      const asReader = client(keys);
      expect(await text(asReader, bucket, 'nix-cache-info')).toBe('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
      // What the builder uploads belongs to the builder (on RGW): the reader can still GET it.
      const profile = readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8');
      const asBuilder = client({ accessKey: /aws_access_key_id = (\S+)/.exec(profile)![1]!, secretKey: /aws_secret_access_key = (\S+)/.exec(profile)![1]! });
      await asBuilder.putObject(bucket, 'nar/uploaded-by-builder.nar', Buffer.from('nar bytes'));
      expect(await text(asReader, bucket, 'nar/uploaded-by-builder.nar')).toBe('nar bytes');
      // A missing narinfo is a 403 without ListBucket, which Nix counts as a miss.
      expect(await errorCodeOf(asReader.statObject(bucket, 'missing.narinfo'))).toMatch(/AccessDenied|Forbidden|NotFound/);
      expect(await errorCodeOf(asReader.putObject(bucket, 'evil.narinfo', Buffer.from('x')))).toBe('AccessDenied');
      expect(await errorCodeOf(asReader.removeObject(bucket, 'nix-cache-info'))).toBe('AccessDenied');
      const listing = new Promise((resolve, reject) => {
        const stream = asReader.listObjectsV2(bucket, '', true);
        stream.on('data', () => {});
        stream.on('end', resolve);
        stream.on('error', reject);
      });
      expect(await errorCodeOf(listing)).toBe('AccessDenied');
    });

    it('gives anonymous requests nothing', async () => {
      const { endpoint } = server();
      expect(await anonymousStatus(`${endpoint}/${bucket}/nix-cache-info`)).toBe(403);
      expect(await anonymousStatus(`${endpoint}/${bucket}/`)).toBe(403);
      expect(await anonymousStatus(`${endpoint}/${bucket}/evil.narinfo`, 'PUT')).toBe(403);
    });

    it('passes verify: anonymous reads refused, the module names the s3:// substituter', async () => {
      const result = await sandbox.run(['verify', '--json', '--answers', 'answers.json']);
      const json = JSON.parse(result.stdout) as JsonRun;
      expect(json.steps.filter((s) => s.status === 'failed')).toEqual([]);
      expect(json.steps.find((s) => s.id === 'anonymous-read')).toMatchObject({ status: 'done', detail: expect.stringMatching(/^an anonymous GET of \S*\/nix-cache-info is refused \(403\)$/) });
      expect(json.steps.find((s) => s.id === 'nixos-module')?.status).toBe('done');
      expect(json.steps.find((s) => s.id === 'reader-read')).toMatchObject({ status: 'done', detail: "a GET of nix-cache-info with the reader's keys works" });
      expect(result.code).toBe(0);
    });

    it('finds the reader steps done on a second run, reusing the secret in the credentials file', async () => {
      const before = readerKeys(sandbox);
      const second = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(second.code, second.stderr + second.stdout).toBe(0);
      const json = JSON.parse(second.stdout) as JsonRun;
      expect(json.steps.map((s) => s.status)).toEqual(expectedSteps.map(() => 'done'));
      expect(readerKeys(sandbox)).toEqual(before);
    });

    it('rotate credentials --reader: the old reader secret is refused at once, the new file reads, the builder keeps its secret', async () => {
      // Given the reader's and the builder's working secrets
      const before = readerKeys(sandbox);
      const builderProfile = readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8');
      // When the reader's secret is rotated
      const run = await sandbox.run(['rotate', 'credentials', '--reader', '--yes', '--json', '--answers', 'answers.json']);
      expect(run.code, run.stderr + run.stdout).toBe(0);
      const json = JSON.parse(run.stdout) as JsonRun & { next: string[] };
      expect(json.steps.map((s) => s.id)).toEqual(['pending', 'server', 'profile', 'check', 'cleanup']);
      expect(json.next.join('\n')).toContain('/etc/nix/nix-cache-reader.credentials');
      // Then the credentials file holds a new secret that reads, never printed; the old one is refused
      const after = readerKeys(sandbox);
      expect(after.accessKey).toBe(before.accessKey);
      expect(after.secretKey).not.toBe(before.secretKey);
      expect(run.stdout + run.stderr).not.toContain(after.secretKey);
      expect(statSync(join(sandbox.cwd, 'nix-cache-reader.credentials')).mode & 0o777).toBe(0o600);
      expect(await text(client(after), bucket, 'nix-cache-info')).toContain('StoreDir: /nix/store');
      expect(await errorCodeOf(text(client(before), bucket, 'nix-cache-info'))).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId/);
      // verify reads with the file: a machine still holding the old file is named, with the fix
      const file = join(sandbox.cwd, 'nix-cache-reader.credentials');
      const current = readFileSync(file, 'utf8');
      writeFileSync(file, current.replace(after.secretKey, before.secretKey), { mode: 0o600 });
      const stale = JSON.parse((await sandbox.run(['verify', '--json', '--answers', 'answers.json'])).stdout) as JsonRun;
      expect(stale.steps.find((s) => s.id === 'reader-read')).toMatchObject({ status: 'failed', detail: expect.stringContaining('rotate credentials --reader') });
      writeFileSync(file, current, { mode: 0o600 });
      // the builder's profile is untouched, and setup finds every step done with the new reader secret
      expect(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8')).toBe(builderProfile);
      const again = await sandbox.run(['setup', '--yes', '--dry-run', '--json', '--answers', 'answers.json']);
      expect((JSON.parse(again.stdout) as JsonRun).steps.map((s) => s.status)).toEqual(expectedSteps.map(() => 'done'));
    });

    it('a reader rotation stopped right after the server changed is finished by the next run, ending with a file that reads', async () => {
      // Given a reader rotation that stops once the server holds the new secret (a crash)
      const before = readerKeys(sandbox);
      const effects = sandbox.effects();
      const { answers } = await completeFromDisk(JSON.parse(readFileSync(join(sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>, effects);
      await expect(
        rotateCredentials({
          answers,
          effects,
          role: 'reader',
          at: (point) => {
            if (point === 'server-changed') throw new Error('crash at server-changed');
          },
        }),
      ).rejects.toThrow('crash at server-changed');
      // the file still holds the old secret, which the server no longer takes
      expect(readerKeys(sandbox)).toEqual(before);
      expect(await errorCodeOf(text(client(before), bucket, 'nix-cache-info'))).toMatch(/SignatureDoesNotMatch|InvalidAccessKeyId/);
      // When the same command runs again
      const run = await sandbox.run(['rotate', 'credentials', '--reader', '--yes', '--answers', 'answers.json']);
      expect(run.code, run.stderr).toBe(0);
      // Then the file holds the secret the server has, and it reads
      const after = readerKeys(sandbox);
      expect(after.secretKey).not.toBe(before.secretKey);
      expect(await text(client(after), bucket, 'nix-cache-info')).toContain('StoreDir: /nix/store');
    });
  });
}

describe.skipIf(rgw === null)(`a private cache on the real Ceph RGW${rgwUnavailable ? ` (skipped: ${rgwUnavailable})` : ''}`, () => {
  privateCacheSuite(
    'backend ceph',
    () => rgw as CephRgwInfo,
    (keys) => rgwClient(rgw as CephRgwInfo, keys),
    'ceph',
    ['connect', 'bucket', 'user', 'policy', 'attach', 'reader-user', 'reader-policy', 'anonymous', 'public-acls', 'cache-info', 'expiry'],
  );
});

describe.skipIf(minio === null)(`a private cache on the real MinIO${minioUnavailable ? ` (skipped: ${minioUnavailable})` : ''}`, () => {
  privateCacheSuite(
    'backend minio',
    () => minio as MinioInfo,
    (keys) => minioClient(minio as MinioInfo, keys),
    'minio',
    ['connect', 'bucket', 'user', 'policy', 'attach', 'reader-user', 'reader-policy', 'reader-attach', 'anonymous', 'cache-info', 'expiry'],
  );
});
