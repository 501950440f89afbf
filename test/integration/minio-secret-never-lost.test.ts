/**
 * A secret set on the server is never lost (SPEC 10), against the real MinIO: the builder secret
 * is saved locally (0600, state folder) before add-user is sent, so a lost answer or a process
 * killed right after MinIO made the user leaves it recoverable, and the re-run writes it to the
 * AWS profile. Every target is proven writable first; two runs at once never both set a secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { createMinioAdminClient } from '../../source/backends/minio/minio-admin-client';
import { pendingSecretPath } from '../../source/state/pending-secret';
import { minioClient, type MinioInfo } from '../helpers/minio-server';
import { makeReadOnlyFolder, type ReadOnlyFolder } from '../helpers/read-only-folder';
import { startRecordingProxy, type RecordingProxy } from '../helpers/recording-proxy';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { faultyProxy, runChild } from '../helpers/faulty-run';

const minio = inject('minio');
const unavailable = inject('minioUnavailable');

interface Setup {
  readonly sandbox: CliSandbox;
  readonly endpoint: string;
  readonly bucket: string;
  readonly builder: string;
}

function newSetup(info: MinioInfo, endpoint = info.endpoint, files: Record<string, string> = {}): Setup {
  const id = randomBytes(4).toString('hex');
  const sandbox = makeCliSandbox();
  const setup = { sandbox, endpoint, bucket: `never-lost-${id}`, builder: `never-lost-${id}` };
  sandbox.writeAnswers({ backend: 'minio', endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket: setup.bucket, builder: { accessKey: setup.builder }, files });
  return setup;
}

function profileSecret(sandbox: CliSandbox): string | undefined {
  const path = join(sandbox.home, '.aws', 'credentials');
  if (!existsSync(path)) return undefined;
  return /aws_secret_access_key = (\S+)/.exec(readFileSync(path, 'utf8'))?.[1];
}

async function userExists(info: MinioInfo, user: string): Promise<boolean> {
  const admin = createMinioAdminClient({ endpoint: info.endpoint, region: 'us-east-1', caFile: undefined, insecure: false, admin: info, randomBytes: (n) => new Uint8Array(randomBytes(n)) });
  return (await admin.userInfo(user)).exists;
}

async function secretWorks(info: MinioInfo, setup: Setup, secret: string | undefined): Promise<boolean> {
  if (secret === undefined) return false;
  try {
    await minioClient(info, { accessKey: setup.builder, secretKey: secret }).listObjectsV2(setup.bucket, '', false).toArray();
    return true;
  } catch {
    return false;
  }
}


describe.skipIf(minio === null)(`the builder secret is never lost on MinIO${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = minio as MinioInfo;
  let readOnly: ReadOnlyFolder | undefined;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    readOnly?.remove();
    readOnly = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it('an AWS credentials file in a read-only place stops the run before MinIO is changed', async () => {
    readOnly = makeReadOnlyFolder({ credentials: '' });
    const setup = newSetup(info, info.endpoint, { awsCredentials: join(readOnly.path, 'credentials') });
    const run = await setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect(run.code).toBe(1);
    expect((JSON.parse(run.stdout) as { error: { message: string } }).error.message).toContain('files.awsCredentials');
    expect(await userExists(info, setup.builder)).toBe(false);
    expect(await minioClient(info).bucketExists(setup.bucket)).toBe(false);
  });

  for (const fault of ['answer lost', 'process killed'] as const) {
    it(`${fault} right after add-user: the secret was kept, and a re-run writes it to the profile`, async () => {
      // Given a proxy that lets MinIO create the user but never passes its answer on
      const faulty = await faultyProxy(info.endpoint, fault, (request) => request.method === 'PUT' && request.url.startsWith('/minio/admin/v3/add-user'));
      proxy = faulty.proxy;
      const setup = newSetup(info, proxy.endpoint);

      // When setup runs in its own process and meets the fault
      const first = await faulty.run(setup.sandbox, ['setup', '--yes', '--json', '--answers', 'answers.json']);

      // Then MinIO has the user, the profile has nothing, and the secret is kept 0600 in the state folder
      if (fault === 'process killed') expect(first.signal).toBe('SIGKILL');
      else expect(first.code).toBe(1);
      expect(faulty.armed()).toBe(false);
      expect(await userExists(info, setup.builder)).toBe(true);
      expect(profileSecret(setup.sandbox)).toBeUndefined();
      const pending = pendingSecretPath(setup.sandbox.effects(), { endpoint: setup.endpoint, bucket: setup.bucket });
      expect(statSync(pending).mode & 0o777).toBe(0o600);
      const kept = (JSON.parse(readFileSync(pending, 'utf8')) as { secretKey: string }).secretKey;

      // And the re-run converges: the kept secret is checked, found working, and written
      const rerun = await runChild(setup.sandbox, ['setup', '--yes', '--json', '--answers', 'answers.json']).done;
      expect(rerun.code, rerun.stdout).toBe(0);
      const user = (JSON.parse(rerun.stdout) as { steps: { id: string; status: string }[] }).steps.find((s) => s.id === 'user');
      expect(user?.status).toBe('done');
      expect(profileSecret(setup.sandbox)).toBe(kept);
      expect(await secretWorks(info, setup, kept)).toBe(true);
      expect(existsSync(pending)).toBe(false);
      expect(setup.sandbox.listFiles().filter((f) => /\.lock|\.tmp-/.test(f))).toEqual([]);
    });
  }

  it("a private cache's reader: answer lost right after its add-user, the secret was kept, and a re-run writes it to the reader credentials file", async () => {
    // Given a private cache whose reader's add-user MinIO carries out but whose answer never arrives
    const id = randomBytes(4).toString('hex');
    const reader = `never-lost-reader-${id}`;
    let armed = true;
    proxy = await startRecordingProxy(info.endpoint, {
      onAnswer: (request) => {
        if (!armed || !(request.method === 'PUT' && request.url.startsWith(`/minio/admin/v3/add-user?accessKey=${reader}`))) return 'forward';
        armed = false;
        return 'drop';
      },
    });
    const sandbox = makeCliSandbox();
    const bucket = `never-lost-${id}`;
    sandbox.writeAnswers({ backend: 'minio', endpoint: proxy.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, anonymous: 'none', builder: { accessKey: `never-lost-b-${id}` }, reader: { accessKey: reader } });
    const first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect(first.code, first.stdout).toBe(1);
    expect(armed).toBe(false);
    expect(await userExists(info, reader)).toBe(true);
    const pending = pendingSecretPath(sandbox.effects(), { endpoint: proxy.endpoint, bucket }, 'reader');
    expect(statSync(pending).mode & 0o777).toBe(0o600);
    const kept = (JSON.parse(readFileSync(pending, 'utf8')) as { secretKey: string }).secretKey;
    // When setup runs again
    const rerun = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect(rerun.code, rerun.stdout).toBe(0);
    // Then the reader step is done with the kept secret, which is in the credentials file and reads
    expect((JSON.parse(rerun.stdout) as { steps: { id: string; status: string }[] }).steps.find((s) => s.id === 'reader-user')?.status).toBe('done');
    const file = readFileSync(join(sandbox.cwd, 'nix-cache-reader.credentials'), 'utf8');
    expect(/aws_secret_access_key = (\S+)/.exec(file)?.[1]).toBe(kept);
    const asReader = minioClient(info, { accessKey: reader, secretKey: kept });
    expect((await asReader.statObject(bucket, 'nix-cache-info')).size).toBeGreaterThan(0);
    expect(existsSync(pending)).toBe(false);
  });

  it('two runs started together never both set a secret: the profile secret works', async () => {
    const setup = newSetup(info);
    const runs = await Promise.all([
      setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']),
      setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']),
    ]);
    const results = runs.map((r) => JSON.parse(r.stdout) as { ok: boolean; steps: { id: string; status: string }[]; error?: { step: string; message: string } });
    expect(results.filter((r) => r.steps.find((s) => s.id === 'user')?.status === 'changed').length).toBeLessThanOrEqual(1);
    for (const result of results.filter((r) => !r.ok)) expect(result.error).toMatchObject({ step: 'lock' });
    expect(results.some((r) => r.ok)).toBe(true);
    expect(await secretWorks(info, setup, profileSecret(setup.sandbox))).toBe(true);
  });
});
