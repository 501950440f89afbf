/**
 * `setup --yes` against the real servers (SPEC 5): from nothing to a working, least-privilege
 * cache on Ceph RGW (backend `ceph`) and on MinIO (backend `minio`, through its admin API and
 * through the real mc); a second run finds every step done and sends no mutating request; foreign
 * bucket-policy statements and lifecycle rules survive; no secret is ever printed. Plain S3
 * (builder keys made elsewhere) and `--out` run on RGW.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import type { CephRgwInfo } from '../helpers/ceph-rgw';
import { radosgwAdmin } from '../helpers/ceph-rgw';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { completeFromDisk } from '../../source/facts/read-facts';
import { createSetupSession } from '../../source/session/create-setup-session';
import { makeCliSandbox, type CliRun, type CliSandbox } from '../helpers/run-cli';
import { startRecordingProxy } from '../helpers/recording-proxy';
import { errorCodeOf } from '../helpers/error-code';
import { samePolicy } from '../../source/policies/same-policy';
import { probeNixS3Support } from '../../source/nix/local-nix';
import { anonymousStatus } from '../helpers/anonymous-status';

const rgw = inject('rgw');

const adminKeys = (info: CephRgwInfo) => ({ accessKey: info.accessKey, secretKey: info.secretKey });
const unavailable = inject('rgwUnavailable');

function unique(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}`;
}

function readProfileKeys(sandbox: CliSandbox, profile: string): { accessKey: string; secretKey: string } {
  const text = readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8');
  const section = text.split(`[${profile}]`)[1] ?? '';
  const accessKey = /aws_access_key_id = (\S+)/.exec(section)?.[1] ?? '';
  const secretKey = /aws_secret_access_key = (\S+)/.exec(section)?.[1] ?? '';
  return { accessKey, secretKey };
}

function expectNoSecret(run: CliRun, secrets: readonly string[]): void {
  for (const secret of secrets) {
    expect(run.stdout).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
  }
}

interface JsonRun {
  ok: boolean;
  steps: { id: string; status: string; detail: string }[];
  files: { path: string; action: string }[];
  next: string[];
}

/** A CLI sandbox whose PATH is the one the target wants (the real mc first for adminVia mc). */
function sandboxFor(target: BackendTarget): CliSandbox {
  const sandbox = makeCliSandbox();
  sandbox.env = { ...sandbox.env, PATH: target.path };
  return sandbox;
}

const ALL_STEPS = ['connect', 'bucket', 'user', 'policy', 'attach', 'anonymous', 'cache-info', 'expiry'];

describe.each(backendTargets())('setup --yes against $name', ({ target: maybeTarget, unavailable: why }) => {
  describe.skipIf(maybeTarget === null)(`from nothing${why ? ` (skipped: ${why})` : ''}`, () => {
    const target = maybeTarget as BackendTarget;
    const sandbox = sandboxFor(target);
    const bucket = unique(`${target.backend}-cache`);
    const builder = unique('builder');
    let first: CliRun;

    beforeAll(async () => {
      sandbox.writeAnswers({ ...target.answers(), bucket, builder: { accessKey: builder, profile: 'nixbuilder' }, expireDays: 14 });
      first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    });

    it('applies every step and writes every file', () => {
      expect(first.code, first.stderr + first.stdout).toBe(0);
      const json = JSON.parse(first.stdout) as JsonRun;
      expect(json.ok).toBe(true);
      expect(json.steps.map((s) => s.id)).toEqual(ALL_STEPS);
      // on Ceph the write access is the policy step's bucket-policy statement: nothing separate to attach
      const changing = target.backend === 'minio' ? ALL_STEPS.slice(1) : ALL_STEPS.slice(1).filter((id) => id !== 'attach');
      for (const id of changing) expect(json.steps.find((s) => s.id === id)?.status, id).toBe('changed');
      expect(json.files.every((f) => f.action === 'created')).toBe(true);
      expect(statSync(join(sandbox.home, '.aws', 'credentials')).mode & 0o777).toBe(0o600);
      expect(json.next.some((line) => line.includes(`s3://${bucket}?profile=nixbuilder`))).toBe(true);
    });

    it("says in the next steps when this machine's Nix cannot upload to s3:// (asked of the real nix: Debian's 2.8 cannot)", async () => {
      const json = JSON.parse(first.stdout) as JsonRun;
      const support = await probeNixS3Support({ PATH: sandbox.env['PATH'] });
      const said = json.next.some((line) => line.startsWith("# This machine's Nix") && line.includes('cannot open s3:// stores'));
      expect(said).toBe(support.kind === 'unsupported');
    });

    it('gives the builder, through the written AWS profile, upload but not delete nor bucket creation', async () => {
      const keys = readProfileKeys(sandbox, 'nixbuilder');
      expect(keys.accessKey).toBe(builder);
      const client = target.client(keys);
      await client.putObject(bucket, 'log/builder-write-test', Buffer.from('written by the builder\n'));
      expect(await errorCodeOf(client.removeObject(bucket, 'log/builder-write-test'))).toBe('AccessDenied');
      const notAllowed = unique('not-allowed');
      // MinIO: AccessDenied; RGW refuses a user with max-buckets=-1 its own way
      expect(await errorCodeOf(client.makeBucket(notAllowed, 'us-east-1'))).toMatch(/^(AccessDenied|TooManyBuckets)$/);
      expect(await target.client().bucketExists(notAllowed)).toBe(false);
      // the object is still there
      expect((await target.client().statObject(bucket, 'log/builder-write-test')).size).toBeGreaterThan(0);
    });

    it('lets anyone read nix-cache-info but not list or upload', async () => {
      const response = await fetch(`${target.endpoint}/${bucket}/nix-cache-info`);
      expect(response.status).toBe(200);
      expect(await response.text()).toBe('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
      expect(await anonymousStatus(`${target.endpoint}/${bucket}/`)).toBe(403);
      expect(await anonymousStatus(`${target.endpoint}/${bucket}/evil.narinfo`, 'PUT')).toBe(403);
    });

    it('finds every step done on a second run and changes no file', async () => {
      const second = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(second.code, second.stderr + second.stdout).toBe(0);
      const json = JSON.parse(second.stdout) as JsonRun;
      expect(json.steps.map((s) => s.status)).toEqual(Array(8).fill('done'));
      expect(json.files.every((f) => f.action === 'unchanged')).toBe(true);
    });

    it('passes verify', async () => {
      const result = await sandbox.run(['verify', '--json', '--answers', 'answers.json']);
      const json = JSON.parse(result.stdout) as JsonRun;
      expect(result.code, result.stdout).toBe(0);
      expect(json.steps.filter((s) => s.status === 'failed')).toEqual([]);
    });

    it('verify names what is wrong and how to fix it: a module for another cache, a public key that is not the pair', async () => {
      // Given a module edited by hand to point elsewhere and a public key file from another key
      const modulePath = join(sandbox.cwd, 'nix-cache.nix');
      const publicPath = join(sandbox.home, '.config', 'nix', 'public.key');
      const module = readFileSync(modulePath, 'utf8');
      const publicKey = readFileSync(publicPath, 'utf8');
      writeFileSync(modulePath, module.replaceAll(`${target.endpoint}/${bucket}`, 'https://elsewhere.example/cache'));
      writeFileSync(publicPath, publicKey.replace(/:.*/, ':' + Buffer.alloc(32, 7).toString('base64')));
      try {
        // When verify runs
        const result = await sandbox.run(['verify', '--answers', 'answers.json']);
        // Then it fails, saying which check and how to fix each
        expect(result.code).toBe(1);
        expect(result.stdout).toMatch(/✖ The NixOS module names this cache and key: .*does not name the substituter .*Fix: run setup again/);
        expect(result.stdout).toMatch(/✖ The signing key files are a valid pair: .*is not the public key of .*Fix:/);
        expect(result.stdout).toContain('✔ Anyone can read nix-cache-info');
      } finally {
        writeFileSync(modulePath, module);
        writeFileSync(publicPath, publicKey);
      }
    });

    it('never prints a secret', () => {
      const keys = readProfileKeys(sandbox, 'nixbuilder');
      expectNoSecret(first, [target.admin.secretKey, keys.secretKey]);
    });
  });

  describe.skipIf(maybeTarget === null)(`a re-run with the same answers${why ? ` (skipped: ${why})` : ''}`, () => {
    const target = maybeTarget as BackendTarget;

    it('sends no request that changes anything (counted by a recording proxy in front of the server), nor does --dry-run', async () => {
      const proxy = await startRecordingProxy(target.endpoint);
      try {
        const sandbox = sandboxFor(target);
        sandbox.writeAnswers({
          ...target.answers(proxy.endpoint),
          bucket: unique('rerun-cache'),
          builder: { accessKey: unique('rerun') },
          anonymous: 'download',
          expireDays: 3,
        });
        const first = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
        expect(first.code, first.stderr).toBe(0);
        expect(proxy.mutating().length).toBeGreaterThanOrEqual(5);
        proxy.clear();
        const second = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
        expect(second.code, second.stderr).toBe(0);
        expect(proxy.requests.length).toBeGreaterThan(0);
        expect(proxy.mutating()).toEqual([]);
        proxy.clear();
        const dryRun = await sandbox.run(['setup', '--yes', '--dry-run', '--answers', 'answers.json']);
        expect(dryRun.code, dryRun.stderr).toBe(0);
        expect(proxy.requests.length).toBeGreaterThan(0);
        expect(proxy.mutating()).toEqual([]);
      } finally {
        await proxy.close();
      }
    });

    it('--dry-run on a fresh bucket reports todo steps with their commands and changes nothing', async () => {
      const proxy = await startRecordingProxy(target.endpoint);
      try {
        const sandbox = sandboxFor(target);
        const bucket = unique('dry-cache');
        const user = unique('drybuilder');
        sandbox.writeAnswers({ ...target.answers(proxy.endpoint), bucket, builder: { accessKey: user } });
        const before = sandbox.listFiles();
        const result = await sandbox.run(['setup', '--yes', '--dry-run', '--json', '--answers', 'answers.json']);
        expect(result.code, result.stderr).toBe(0);
        const json = JSON.parse(result.stdout) as JsonRun & { dryRun: boolean };
        expect(json.dryRun).toBe(true);
        for (const id of ['bucket', 'user', 'policy', 'anonymous', 'cache-info']) expect(json.steps.find((s) => s.id === id)?.status, id).toBe('todo');
        expect(json.files.every((f) => f.action === 'would-create')).toBe(true);
        expect(proxy.requests.length).toBeGreaterThan(0);
        expect(proxy.mutating()).toEqual([]);
        expect(sandbox.listFiles()).toEqual(before);
        const human = await sandbox.run(['setup', '--yes', '--dry-run', '--answers', 'answers.json']);
        expect(human.stdout).toContain(target.userCommand);
        expect(human.stdout).toContain('Dry run: nothing was changed');
        expect(proxy.mutating()).toEqual([]);
        // and the server has neither the bucket nor the user
        expect(await target.client().bucketExists(bucket)).toBe(false);
      } finally {
        await proxy.close();
      }
    });
  });

  describe.skipIf(maybeTarget === null)(`what is not ours${why ? ` (skipped: ${why})` : ''}`, () => {
    const target = maybeTarget as BackendTarget;

    it('keeps foreign bucket-policy statements and lifecycle rules', async () => {
      const sandbox = sandboxFor(target);
      const bucket = unique('shared-cache');
      const admin = target.client();
      await admin.makeBucket(bucket, 'us-east-1');
      const foreignStatement = {
        Sid: 'SomeoneElsesRead',
        Effect: 'Allow',
        Principal: { AWS: ['*'] },
        Action: ['s3:GetObject'],
        Resource: [`arn:aws:s3:::${bucket}/public/*`],
      };
      // (not swallowed: a refused foreign policy would fail the test below for the wrong reason)
      await admin.setBucketPolicy(bucket, JSON.stringify({ Version: '2012-10-17', Statement: [foreignStatement] }));
      await admin.setBucketLifecycle(bucket, {
        Rule: [{ ID: 'keep-tmp-short', Status: 'Enabled', Filter: { Prefix: 'tmp/' }, Expiration: { Days: 1 } }],
      } as never);
      sandbox.writeAnswers({ ...target.answers(), bucket, builder: { accessKey: unique('nb') }, expireDays: 30 });
      const result = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const policy = JSON.parse(await admin.getBucketPolicy(bucket)) as { Statement: { Sid: string }[] };
      const ours = target.backend === 'ceph' ? ['NixCacheAnonymousRead', 'NixCacheBuilderWrite'] : ['NixCacheAnonymousRead'];
      expect(policy.Statement.map((s) => s.Sid)).toEqual(expect.arrayContaining(['SomeoneElsesRead', ...ours]));
      const lifecycle = await admin.getBucketLifecycle(bucket);
      const rules = ([] as { ID: string }[]).concat((lifecycle as unknown as { Rule: { ID: string }[] }).Rule);
      expect(rules.map((r) => r.ID)).toContain('keep-tmp-short');
      expect(rules.some((r) => r.ID.startsWith('nix-cache-wizard-'))).toBe(true);
    });
  });

  // MinIO only (the guide's own commands, with the real mc): not registered for RGW
  (maybeTarget?.mc === undefined ? () => undefined : describe)(`after the guide's \`mc anonymous set download\``, () => {
    const target = maybeTarget as BackendTarget;

    it('anonymous download converges in one run: its Sid-less statements mean ours, so nothing is written twice', async () => {
      // Given a bucket the guide's commands made public with the real mc (statements without Sids)
      const bucket = unique('guide-cache');
      await target.client().makeBucket(bucket, 'us-east-1');
      const set = await target.mc!(['anonymous', 'set', 'download', `ALIAS/${bucket}`]);
      expect(set.code, set.stderr).toBe(0);
      const before = await target.client().getBucketPolicy(bucket);
      expect(before).not.toContain('Sid');
      // When setup runs with anonymous download (MinIO drops a statement equal to one it has,
      // whatever its Sid, so ours would never be found by Sid alone)
      const proxy = await startRecordingProxy(target.endpoint);
      try {
        const sandbox = sandboxFor(target);
        sandbox.writeAnswers({ ...target.answers(proxy.endpoint), bucket, builder: { accessKey: unique('gb') }, anonymous: 'download' });
        const first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
        expect(first.code, first.stdout + first.stderr).toBe(0);
        expect((JSON.parse(first.stdout) as JsonRun).steps.find((s) => s.id === 'anonymous')).toMatchObject({ status: 'done' });
        expect(proxy.mutating().filter((r) => /\?policy($|[&=])/.test(r.url))).toEqual([]);
        // Then the bucket policy means what the guide left (MinIO writes a policy's action list back
        // in no fixed order, so two reads of one unchanged policy can differ byte for byte), anyone
        // can read and list, and a re-run changes nothing
        const after = await target.client().getBucketPolicy(bucket);
        expect(samePolicy(JSON.parse(after), JSON.parse(before)), `${before}\n${after}`).toBe(true);
        expect(await anonymousStatus(`${target.endpoint}/${bucket}/nix-cache-info`)).toBe(200);
        expect(await anonymousStatus(`${target.endpoint}/${bucket}/`)).toBe(200);
        proxy.clear();
        const second = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
        expect((JSON.parse(second.stdout) as JsonRun).steps.map((s) => s.status)).toEqual(Array(8).fill('done'));
        expect(proxy.mutating()).toEqual([]);
      } finally {
        await proxy.close();
      }
    });
  });

  describe.skipIf(maybeTarget === null)(`the wizard's connection test${why ? ` (skipped: ${why})` : ''}`, () => {
    const target = maybeTarget as BackendTarget;
    const sandbox = sandboxFor(target);
    const session = createSetupSession(sandbox.effects(), { outDir: undefined, systemNixConf: async () => null });
    const answersFor = async (input: Record<string, unknown>) => (await completeFromDisk(input, sandbox.effects())).answers;

    it('passes with the right admin keys', async () => {
      expect(await session.testConnection(await answersFor(target.answers()))).toMatchObject({ ok: true });
    });

    it('names the admin secret when the signature is refused', async () => {
      const result = await session.testConnection(await answersFor({ ...target.answers(), admin: { accessKey: target.admin.accessKey, secretKey: 'wrong-secret-1234' } }));
      expect(result).toMatchObject({ ok: false, field: 'admin.secretKey' });
    });
  });
});

describe.skipIf(rgw === null)(`setup --yes against a real Ceph RGW${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;

  describe('backend s3, builder keys made elsewhere', () => {
    const sandbox = makeCliSandbox();
    const bucket = unique('s3-cache');
    const user = unique('s3builder');
    const secret = `Sb${randomBytes(12).toString('hex')}`;

    beforeAll(async () => {
      await radosgwAdmin(info, ['user', 'create', `--uid=${user}`, `--display-name=${user}`, `--access-key=${user}`, `--secret-key=${secret}`]);
      sandbox.writeAnswers({ backend: 's3', endpoint: info.endpoint, bucket, builder: { accessKey: user, secretKey: secret, profile: 'cache' } });
    });

    it('runs the S3 steps with the builder keys and writes the profile', async () => {
      const result = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(result.code, result.stdout + result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as JsonRun;
      expect(json.steps.map((s) => s.id)).toEqual(['connect', 'bucket', 'anonymous', 'cache-info', 'expiry']);
      expect(readProfileKeys(sandbox, 'cache')).toEqual({ accessKey: user, secretKey: secret });
      expect(await anonymousStatus(`${info.endpoint}/${bucket}/nix-cache-info`)).toBe(200);
      expect(await anonymousStatus(`${info.endpoint}/${bucket}/`)).toBe(403);
      expectNoSecret(result, [secret]);
      const again = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect((JSON.parse(again.stdout) as JsonRun).steps.map((s) => s.status)).toEqual(Array(5).fill('done'));
    });
  });

  describe('--out DIR', () => {
    it('provisions the server and writes the files under DIR, leaving the real ones alone', async () => {
      const sandbox = makeCliSandbox();
      const out = join(sandbox.dir, 'out');
      sandbox.writeAnswers({ backend: 'ceph', endpoint: info.endpoint, admin: adminKeys(info), bucket: unique('out-cache'), builder: { accessKey: unique('outb') } });
      const result = await sandbox.run(['setup', '--yes', '--json', '--out', out, '--answers', 'answers.json']);
      expect(result.code, result.stderr).toBe(0);
      const json = JSON.parse(result.stdout) as JsonRun;
      expect(json.files.length).toBeGreaterThanOrEqual(7);
      expect(json.files.every((f) => f.path.startsWith(out))).toBe(true);
      expect(statSync(join(out, 'home/.aws/credentials')).mode & 0o777).toBe(0o600);
      expect(readFileSync(join(out, 'nix-cache.nix'), 'utf8')).toContain(`${info.endpoint}/`);
      expect(sandbox.listFiles().filter((f) => !f.startsWith('out/') && f !== 'work/answers.json (' + statSync(join(sandbox.cwd, 'answers.json')).size + ' bytes)')).toEqual([]);
    });
  });

  describe("the wizard's connection test", () => {
    const sandbox = makeCliSandbox();
    const session = createSetupSession(sandbox.effects(), { outDir: undefined, systemNixConf: async () => null });
    const answersFor = async (input: Record<string, unknown>) => (await completeFromDisk(input, sandbox.effects())).answers;

    it('names the builder secret on plain S3, where the builder keys connect', async () => {
      const result = await session.testConnection(await answersFor({ backend: 's3', endpoint: info.endpoint, builder: { accessKey: info.accessKey, secretKey: 'wrong-secret-1234' } }));
      expect(result).toMatchObject({ ok: false, field: 'builder.secretKey' });
    });

    it('names caFile for a certificate from an unknown CA, and the endpoint when nothing answers', async () => {
      const https = info.httpsEndpoint;
      expect(https).toBeDefined();
      const tls = await session.testConnection(await answersFor({ backend: 'ceph', endpoint: https, admin: adminKeys(info) }));
      expect(tls).toMatchObject({ ok: false, field: 'caFile' });
      const down = await session.testConnection(await answersFor({ backend: 'ceph', endpoint: 'http://127.0.0.1:9', admin: adminKeys(info) }));
      expect(down).toMatchObject({ ok: false, field: 'endpoint' });
      expect((down as { message: string }).message).toContain('ECONNREFUSED');
    });
  });
});
