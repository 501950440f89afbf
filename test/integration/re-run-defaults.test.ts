/**
 * Re-runs start from what is known (SPEC 8), against the real Ceph RGW and the real MinIO: a
 * successful setup keeps its answers without any secret; verify and preview then run with no
 * --answers; and with nothing remembered, what the server shows (backend, anonymous mode, expiry
 * days) is detected, so a re-run's defaults are what is there.
 */
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { resolveFromDisk } from '../../source/facts/read-facts';
import { detectExistingSetup } from '../../source/session/detect-existing-setup';
import { connectionsFor } from '../../source/connections/connections';
import { createSetupSession } from '../../source/session/create-setup-session';
import type { CephRgwInfo } from '../helpers/ceph-rgw';
import type { MinioInfo } from '../helpers/minio-server';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');
const rgwUnavailable = inject('rgwUnavailable');
const minio = inject('minio');
const minioUnavailable = inject('minioUnavailable');

const unique = (prefix: string) => `${prefix}-${randomBytes(4).toString('hex')}`;

function rememberedFiles(sandbox: CliSandbox): string[] {
  const folder = join(sandbox.home, '.config', 'nix-cache-wizard', 'setups');
  return readdirSync(folder)
    .filter((name) => name.endsWith('.json'))
    .map((name) => join(folder, name));
}

async function detectFor(sandbox: CliSandbox, answers: Record<string, unknown>) {
  const resolution = await resolveFromDisk(answers, sandbox.effects());
  if (!resolution.ok) throw new Error(`incomplete answers: ${JSON.stringify(resolution.missing)}`);
  return detectExistingSetup(resolution.value.answers, await connectionsFor(resolution.value.answers, sandbox.effects()));
}

describe.skipIf(rgw === null)(`a re-run on Ceph RGW${rgwUnavailable ? ` (skipped: ${rgwUnavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const sandbox = makeCliSandbox();
  const bucket = unique('rerun');
  const builder = unique('builder');
  const answers = {
    backend: 'ceph',
    endpoint: info.endpoint,
    admin: { accessKey: info.accessKey, secretKey: info.secretKey },
    bucket,
    builder: { accessKey: builder },
    anonymous: 'none',
    expireDays: 21,
  };

  beforeAll(async () => {
    sandbox.writeAnswers(answers);
    const first = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(first.code, first.stderr).toBe(0);
  });

  it('keeps the answers of a successful run, 0600, without any secret', () => {
    const [file, ...others] = rememberedFiles(sandbox);
    expect(others).toEqual([]);
    expect(statSync(file!).mode & 0o777).toBe(0o600);
    const text = readFileSync(file!, 'utf8');
    const builderSecret = /aws_secret_access_key = (\S+)/.exec(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'))?.[1];
    expect(builderSecret).toBeTruthy();
    expect(text).not.toContain(info.secretKey);
    expect(text).not.toContain(builderSecret!);
    expect(text).not.toMatch(/secretKey/);
    const kept = JSON.parse(text) as { answers: Record<string, unknown> };
    expect(kept.answers).toMatchObject({ backend: 'ceph', endpoint: info.endpoint, bucket, anonymous: 'none', expireDays: 21, builder: { accessKey: builder } });
  });

  it('verify and preview run with no --answers, from the remembered setup', async () => {
    const verify = await sandbox.run(['verify']);
    expect(verify.code, verify.stdout + verify.stderr).toBe(0);
    expect(verify.stdout).toContain('The cache is set up as the answers say.');
    const preview = await sandbox.run(['preview']);
    expect(preview.code, preview.stderr).toBe(0);
    // (the setup is private: the substituter is s3://BUCKET?…&endpoint=ENDPOINT)
    expect(preview.stdout).toContain(`s3://${bucket}?`);
    expect(preview.stdout).toContain(`endpoint=${info.endpoint}`);
  });

  it('setup --yes with no --answers asks for the admin secret it does not keep, naming it', async () => {
    const again = await sandbox.run(['setup', '--yes']);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('admin.secretKey');
    // With the secret from the environment, the remembered setup re-runs with nothing to do
    sandbox.env['NIX_CACHE_ADMIN_SECRET_KEY'] = info.secretKey;
    try {
      const rerun = await sandbox.run(['setup', '--yes', '--json']);
      expect(rerun.code, rerun.stderr).toBe(0);
      const json = JSON.parse(rerun.stdout) as { steps: { status: string }[]; files: { action: string }[] };
      expect(json.steps.map((s) => s.status)).toEqual(Array(json.steps.length).fill('done'));
      expect(json.files.every((f) => f.action === 'unchanged')).toBe(true);
    } finally {
      delete sandbox.env['NIX_CACHE_ADMIN_SECRET_KEY'];
    }
  });

  it('with nothing remembered, detects RGW, the private bucket and the expiry days of our rules', async () => {
    const detected = await detectFor(sandbox, { endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket });
    expect(detected).toEqual({ backend: 'ceph', anonymous: 'none', expireDays: 21 });
  });

  it('a bucket that does not exist yet shows only the backend', async () => {
    const detected = await detectFor(sandbox, { endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket: unique('nothing') });
    expect(detected).toEqual({ backend: 'ceph' });
  });
});

describe.skipIf(minio === null)(`a re-run on MinIO${minioUnavailable ? ` (skipped: ${minioUnavailable})` : ''}`, () => {
  const info = minio as MinioInfo;
  const sandbox = makeCliSandbox();
  const bucket = unique('rerun');

  beforeAll(async () => {
    sandbox.writeAnswers({
      backend: 'minio',
      endpoint: info.endpoint,
      admin: { accessKey: info.accessKey, secretKey: info.secretKey },
      bucket,
      builder: { accessKey: unique('builder') },
      anonymous: 'download',
      expireDays: 7,
      writeMcConfig: false,
    });
    const first = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(first.code, first.stderr).toBe(0);
  });

  it('with nothing remembered, detects MinIO, the listing anonymous mode and the expiry days', async () => {
    const detected = await detectFor(sandbox, { endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket });
    expect(detected).toEqual({ backend: 'minio', anonymous: 'download', expireDays: 7 });
  });

  it('dropping the listing and the expiry is marked as a removal in the checks, not as one more step to do', async () => {
    const resolution = await resolveFromDisk(
      { backend: 'minio', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, anonymous: 'get', expireDays: null, writeMcConfig: false },
      sandbox.effects(),
    );
    if (!resolution.ok) throw new Error('incomplete answers');
    const session = createSetupSession(sandbox.effects(), { outDir: undefined, systemNixConf: async () => null });
    const plan = await session.prepareSetup(resolution.value.answers, []);
    const reports = await session.checkPlan(plan);
    expect(reports.find((r) => r.id === 'anonymous')?.removes).toMatch(/^anonymous access \(.*s3:ListBucket.* for everyone\)$/);
    expect(reports.find((r) => r.id === 'expiry')?.removes).toMatch(/the expiry rules set before \(\d+ rules, deleting uploads after 7 days\)/);
    // Keeping what is there removes nothing
    const same = await session.prepareSetup({ ...resolution.value.answers, anonymous: 'download', expireDays: 7 }, []);
    expect((await session.checkPlan(same)).filter((r) => r.removes)).toEqual([]);
  });

  it('a bucket without our rules and policy shows no expiry and no anonymous access', async () => {
    const { minioClient } = await import('../helpers/minio-server');
    const plain = unique('plain');
    await minioClient(info).makeBucket(plain, 'us-east-1');
    const detected = await detectFor(sandbox, { endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket: plain });
    expect(detected).toEqual({ backend: 'minio', anonymous: 'none', expireDays: null });
  });
});
