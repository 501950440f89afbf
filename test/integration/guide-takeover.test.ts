/**
 * A cache first made by hand with the well-known guide, taken over by `setup --yes` on a real
 * MinIO with the real mc (SPEC 5, "Settings that contradict the answers"): the guide's commands
 * run as written (test/helpers/guide-commands.ts), then the wizard with the same bucket and user
 * and `anonymous: "get"` converges in ONE run and a second run finds everything done. The user
 * keeps the secret the guide gave it (found in the profile), the write policy becomes ours,
 * anonymous listing stops while anonymous GET still works, nix-cache-info gets our content, the
 * guide's expire-everything rule is replaced by ours (removed when expireDays is null), and the
 * previous bucket policy and lifecycle configuration are saved to local backup files first. The
 * dry run and the review say "replace" with the reason for each.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { getBucketPolicyText, getLifecycleXml } from '../../source/backends/s3/s3-requests';
import { GUIDE_CACHE_INFO, runGuideCommands, writeGuideFiles, type GuideSetup } from '../helpers/guide-commands';
import { minioClient, runMc, startMinio, type MinioServer } from '../helpers/minio-server';
import { makeNixSandbox, nixUnavailableReason } from '../helpers/nix';
import { makeCliSandbox, type CliRun, type CliSandbox } from '../helpers/run-cli';

const unavailable = inject('minioUnavailable') ?? nixUnavailableReason();
const GUIDE_SECRET = 'phaCagohsaigia7aixu0ooxemej0Nah1';
const STAMP = '20261125T101500Z'; // the sandbox's clock

interface JsonRun {
  ok: boolean;
  steps: { id: string; status: string; detail: string }[];
}

function stepsOf(run: CliRun): Record<string, { status: string; detail: string }> {
  const json = JSON.parse(run.stdout) as JsonRun;
  return Object.fromEntries(json.steps.map((s) => [s.id, { status: s.status, detail: s.detail }]));
}

/** A bucket policy with every Action list sorted. */
function canonicalPolicy(text: string | null): string {
  const policy = JSON.parse(text ?? 'null') as { Statement?: { Action?: string[] }[] } | null;
  for (const statement of policy?.Statement ?? []) statement.Action?.sort();
  return JSON.stringify(policy);
}

async function anonymousStatus(url: string): Promise<number> {
  const response = await fetch(url);
  await response.arrayBuffer();
  return response.status;
}

interface TakenOver {
  minio: MinioServer;
  sandbox: CliSandbox;
  policyBefore: string;
  lifecycleBefore: string;
}

/** A fresh MinIO, the guide run on it as written, and a wizard sandbox whose home is the guide's. */
async function guideMadeCache(adminVia: 'api' | 'mc', expireDays: number | null): Promise<TakenOver> {
  const minio = await startMinio();
  const sandbox = makeCliSandbox();
  const setup: GuideSetup = {
    home: sandbox.home,
    cwd: sandbox.cwd,
    bucket: 'nix-cache',
    user: 'nixbuilder',
    secret: GUIDE_SECRET,
    expireDays: 7,
    keyName: '127.0.0.1-1',
    nixEnv: makeNixSandbox().env,
  };
  writeGuideFiles(minio, setup);
  await runGuideCommands(minio, setup);
  sandbox.env = { PATH: `${dirname(minio.mcPath)}:${process.env['PATH'] ?? ''}` };
  sandbox.writeAnswers({
    backend: 'minio',
    adminVia,
    endpoint: minio.endpoint,
    admin: { mcAlias: 's3' },
    bucket: 'nix-cache',
    builder: { accessKey: 'nixbuilder', profile: 'nixbuilder' },
    anonymous: 'get',
    expireDays,
  });
  const root = minioClient(minio);
  return {
    minio,
    sandbox,
    policyBefore: (await getBucketPolicyText(root, 'nix-cache')) ?? '',
    lifecycleBefore: (await getLifecycleXml(root, 'nix-cache')) ?? '',
  };
}

describe.skipIf(unavailable !== null && unavailable !== undefined)(`a cache made with the guide, taken over on the real MinIO${unavailable ? ` (${unavailable})` : ''}`, () => {
  describe.each(['api', 'mc'] as const)('adminVia %s, expireDays 7', (adminVia) => {
    let world: TakenOver;
    let dryRun: CliRun;
    let plainDryRun: CliRun;
    let backupsAfterDryRun: string[];
    let policyAfterDryRun: string | null;
    let first: CliRun;
    let second: CliRun;

    beforeAll(async () => {
      world = await guideMadeCache(adminVia, 7);
      const { sandbox } = world;
      dryRun = await sandbox.run(['setup', '--dry-run', '--json', '--answers', 'answers.json']);
      plainDryRun = await sandbox.run(['setup', '--dry-run', '--answers', 'answers.json']);
      backupsAfterDryRun = readdirSync(sandbox.cwd).filter((name) => name.includes('.bak-'));
      policyAfterDryRun = await getBucketPolicyText(minioClient(world.minio), 'nix-cache');
      first = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      second = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    }, 120_000);

    afterAll(async () => {
      await world?.minio.stop();
    });

    it('the guide left what it leaves: anonymous listing, a policy with Id, Priority 40, an expire-everything rule', async () => {
      expect(world.policyBefore).toContain('"s3:ListBucket"');
      expect(world.lifecycleBefore).toMatch(/<Filter><Prefix><\/Prefix><\/Filter><Expiration><Days>7<\/Days>/);
    });

    it('--dry-run shows each replacement with its reason, and changes nothing', () => {
      expect(dryRun.code, dryRun.stderr).toBe(0);
      const steps = stepsOf(dryRun);
      expect(steps['user']).toMatchObject({ status: 'done', detail: expect.stringContaining('the known secret works') });
      expect(steps['attach']?.status).toBe('done');
      expect(steps['policy']).toMatchObject({ status: 'todo', detail: expect.stringMatching(/^replace: policy nix-cache-write exists with a different document/) });
      expect(steps['anonymous']).toMatchObject({
        status: 'todo',
        detail: expect.stringMatching(/^replace: a statement not made by this wizard grants everyone s3:GetBucketLocation, s3:ListBucket; anonymous "get"/),
      });
      expect(steps['cache-info']).toMatchObject({ status: 'todo', detail: expect.stringMatching(/^replace: nix-cache-info says "Priority: 40" where the answers give "Priority: 30"/) });
      expect(steps['expiry']).toMatchObject({
        status: 'todo',
        detail: expect.stringMatching(/^replace: lifecycle rule "\w+" \(not made by this wizard; expires every object after 7 days\): it deletes nix-cache-info/),
      });
      expect(plainDryRun.stdout).toMatch(/• replace +anonymous: replace: /);
      expect(plainDryRun.stdout).toMatch(/• replace +expiry: replace: /);
      expect(backupsAfterDryRun).toEqual([]);
      expect(canonicalPolicy(policyAfterDryRun)).toBe(canonicalPolicy(world.policyBefore));
    });

    it('converges in one run, saving the previous bucket policy and lifecycle configuration first (0600, named)', () => {
      expect(first.code, first.stderr).toBe(0);
      const steps = stepsOf(first);
      for (const id of ['policy', 'anonymous', 'cache-info', 'expiry']) expect(steps[id]?.status, id).toBe('changed');
      expect(steps['user']?.status).toBe('done');
      const policyBackup = join(world.sandbox.cwd, `nix-cache.bucket-policy.bak-${STAMP}.json`);
      const lifecycleBackup = join(world.sandbox.cwd, `nix-cache.lifecycle.bak-${STAMP}.xml`);
      expect(steps['anonymous']?.detail).toContain(`saved in ${policyBackup}`);
      expect(steps['expiry']?.detail).toContain(`saved in ${lifecycleBackup}`);
      // MinIO serialises a stored policy's action sets in no fixed order: compare by meaning
      expect(canonicalPolicy(readFileSync(policyBackup, 'utf8'))).toBe(canonicalPolicy(world.policyBefore));
      expect(readFileSync(policyBackup, 'utf8')).toContain('"s3:ListBucket"');
      expect(readFileSync(lifecycleBackup, 'utf8')).toBe(world.lifecycleBefore);
      expect(statSync(policyBackup).mode & 0o777).toBe(0o600);
      expect(statSync(lifecycleBackup).mode & 0o777).toBe(0o600);
    });

    it('a second run finds every step done', () => {
      expect(second.code, second.stderr).toBe(0);
      const steps = stepsOf(second);
      expect(Object.entries(steps).filter(([, s]) => s.status !== 'done')).toEqual([]);
    });

    it('the user keeps the secret the guide gave it: it uploads with the profile, and cannot delete', async () => {
      expect(readFileSync(join(world.sandbox.home, '.aws', 'credentials'), 'utf8')).toContain(GUIDE_SECRET);
      const builder = minioClient(world.minio, { accessKey: 'nixbuilder', secretKey: GUIDE_SECRET });
      await builder.putObject('nix-cache', 'abc.narinfo', Buffer.from('StorePath: /nix/store/abc\n'));
      await expect(builder.removeObject('nix-cache', 'abc.narinfo')).rejects.toMatchObject({ code: 'AccessDenied' });
    });

    it('the write policy is ours: no Id, our Sid', async () => {
      const info = await runMc(world.minio, ['--json', 'admin', 'policy', 'info', 'ALIAS', 'nix-cache-write'], { configDir: join(world.sandbox.dir, 'mc-check') });
      expect(info.code, info.stderr).toBe(0);
      const policy = (JSON.parse(info.stdout) as { policyInfo?: { Policy: unknown } }).policyInfo?.Policy ?? JSON.parse(info.stdout);
      const text = JSON.stringify(policy);
      expect(text).toContain('NixCacheWrite');
      expect(text).not.toContain('AuthenticatedWrite');
    });

    it('anonymous listing stops, anonymous GET of nix-cache-info works and gives our content', async () => {
      const base = `${world.minio.endpoint}/nix-cache`;
      expect(await anonymousStatus(`${base}/`)).toBe(403);
      expect(await anonymousStatus(`${base}?list-type=2`)).toBe(403);
      const response = await fetch(`${base}/nix-cache-info`);
      expect(response.status).toBe(200);
      const text = await response.text();
      expect(text).not.toBe(GUIDE_CACHE_INFO);
      expect(text).toBe('StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n');
    });

    it("the guide's expire-everything rule is gone and ours are there", async () => {
      const xml = (await getLifecycleXml(minioClient(world.minio), 'nix-cache')) ?? '';
      expect(xml).not.toMatch(/<Prefix><\/Prefix>/);
      expect(xml).toContain('<ID>nix-cache-wizard-nar</ID>');
      const guideId = /<ID>(\w+)<\/ID>/.exec(world.lifecycleBefore)?.[1] ?? 'none';
      expect(xml).not.toContain(guideId);
    });
  });

  describe('expireDays null', () => {
    let world: TakenOver;
    let first: CliRun;
    let second: CliRun;

    beforeAll(async () => {
      world = await guideMadeCache('api', null);
      first = await world.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      second = await world.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    }, 120_000);

    afterAll(async () => {
      await world?.minio.stop();
    });

    it("reports the guide's rule as contradicting and removes it, keeping a backup", async () => {
      expect(first.code, first.stderr).toBe(0);
      const expiry = stepsOf(first)['expiry'];
      expect(expiry?.status).toBe('changed');
      expect(expiry?.detail).toContain('removed the lifecycle configuration of nix-cache');
      expect(readFileSync(join(world.sandbox.cwd, `nix-cache.lifecycle.bak-${STAMP}.xml`), 'utf8')).toBe(world.lifecycleBefore);
      expect(await getLifecycleXml(minioClient(world.minio), 'nix-cache')).toBeNull();
      expect(stepsOf(second)['expiry']?.status).toBe('done');
    });
  });
});
