/**
 * A secret set on the server is never lost (SPEC 10), against the real Ceph RGW: every target is
 * proven writable before the first server change; a run killed, a write refused or an answer
 * lost between the server change and the local write leaves the secret recoverable, and a re-run
 * converges with a secret that works. Two runs at once on one setup never both set a secret.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { requireCompleteAnswers } from '../../source/answers/resolve-answers';
import { createRgwAdminClient } from '../../source/backends/ceph/rgw-admin-client';
import { createSetupSession } from '../../source/session/create-setup-session';
import type { ServerStep } from '../../source/steps/server-step';
import { pendingSecretPath } from '../../source/state/pending-secret';
import { rgwClient, type CephRgwInfo } from '../helpers/ceph-rgw';
import { makeReadOnlyFolder, type ReadOnlyFolder } from '../helpers/read-only-folder';
import type { RecordingProxy } from '../helpers/recording-proxy';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { faultyProxy, runChild } from '../helpers/faulty-run';

const rgw = inject('rgw');
const unavailable = inject('rgwUnavailable');

interface Setup {
  readonly sandbox: CliSandbox;
  readonly bucket: string;
  readonly builder: string;
}

function newSetup(info: CephRgwInfo, endpoint = info.endpoint): Setup {
  const id = randomBytes(4).toString('hex');
  const sandbox = makeCliSandbox();
  const setup = { sandbox, bucket: `never-lost-${id}`, builder: `never-lost-${id}` };
  sandbox.writeAnswers({
    backend: 'ceph',
    endpoint,
    admin: { accessKey: info.accessKey, secretKey: info.secretKey },
    bucket: setup.bucket,
    builder: { accessKey: setup.builder },
  });
  return setup;
}

function profileSecret(sandbox: CliSandbox): string | undefined {
  const path = join(sandbox.home, '.aws', 'credentials');
  if (!existsSync(path)) return undefined;
  return /aws_secret_access_key = (\S+)/.exec(readFileSync(path, 'utf8'))?.[1];
}

/** The builder's keys really work on the server: it can list its bucket. */
async function secretWorks(info: CephRgwInfo, setup: Setup, secret: string | undefined): Promise<boolean> {
  if (secret === undefined) return false;
  try {
    await rgwClient(info, { accessKey: setup.builder, secretKey: secret }).listObjectsV2(setup.bucket, '', false).toArray();
    return true;
  } catch {
    return false;
  }
}

function admin(info: CephRgwInfo) {
  return createRgwAdminClient({ endpoint: info.endpoint, region: 'us-east-1', accessKey: info.accessKey, secretKey: info.secretKey });
}


const isCreateUser = (r: { method: string; url: string }) => r.method === 'PUT' && r.url.startsWith('/admin/user?') && !r.url.includes('key&');

describe.skipIf(rgw === null)(`the builder secret is never lost${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  let readOnly: ReadOnlyFolder | undefined;
  let proxy: RecordingProxy | undefined;
  afterEach(async () => {
    readOnly?.remove();
    readOnly = undefined;
    await proxy?.close();
    proxy = undefined;
  });

  it('an AWS credentials file that is a symlink into a read-only place stops the run before any server change', async () => {
    // Given ~/.aws/credentials linked into a read-only folder, as home-manager does
    readOnly = makeReadOnlyFolder({ credentials: '[default]\naws_access_key_id = x\naws_secret_access_key = y\n' });
    const setup = newSetup(info);
    mkdirSync(join(setup.sandbox.home, '.aws'));
    symlinkSync(join(readOnly.path, 'credentials'), join(setup.sandbox.home, '.aws', 'credentials'));

    // When setup runs
    const run = await setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);

    // Then it stops naming the file and the field, and the server was not touched
    expect(run.code).toBe(1);
    const json = JSON.parse(run.stdout) as { error: { message: string; step: string } };
    expect(json.error.step).toBe('files');
    expect(json.error.message).toContain('files.awsCredentials');
    expect(json.error.message).toMatch(/read-only/);
    expect(await admin(info).getUser(setup.builder)).toBeNull();
    expect(await rgwClient(info).bucketExists(setup.bucket)).toBe(false);
  });

  it('an ~/.aws folder that cannot be written stops the run before any server change', async () => {
    readOnly = makeReadOnlyFolder();
    const setup = newSetup(info);
    setup.sandbox.writeAnswers({
      ...(JSON.parse(readFileSync(join(setup.sandbox.cwd, 'answers.json'), 'utf8')) as object),
      files: { awsCredentials: join(readOnly.path, 'credentials') },
    });
    const run = await setup.sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('files.awsCredentials');
    expect(run.stderr).toContain('Nothing was changed on the server');
    expect(await admin(info).getUser(setup.builder)).toBeNull();
  });

  it('a write refused after RGW made the secret leaves a 0600 pending copy, and the re-run writes it to the profile', async () => {
    // Given a plan whose AWS credentials path turns into a folder right after the user is created
    const setup = newSetup(info);
    const effects = setup.sandbox.effects();
    const input = JSON.parse(readFileSync(join(setup.sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>;
    const { answers } = requireCompleteAnswers(input, effects);
    const session = createSetupSession(effects, { outDir: undefined, systemNixConf: async () => null });
    const plan = await session.prepareSetup(answers, []);
    const steps = plan.steps as ServerStep[];
    const at = steps.findIndex((s) => s.id === 'user');
    const original = steps[at]!;
    const credentials = join(setup.sandbox.home, '.aws', 'credentials');
    steps[at] = Object.assign(Object.create(original) as ServerStep, {
      apply: async () => {
        const detail = await original.apply();
        mkdirSync(credentials, { recursive: true });
        return detail;
      },
    });

    // When it applies
    const result = await session.applyPlan(plan);

    // Then it fails naming where the secret is kept; that copy is 0600 and works on the server
    const pending = pendingSecretPath(effects, answers);
    expect(result.error?.message).toContain(pending);
    expect(statSync(pending).mode & 0o777).toBe(0o600);
    const kept = (JSON.parse(readFileSync(pending, 'utf8')) as { secretKey: string }).secretKey;
    expect((await admin(info).getUser(setup.builder))?.keys[0]?.secretKey).toBe(kept);
    expect(result.error?.message).not.toContain(kept);

    // And once the path is a file again, a re-run puts that secret in the profile and drops the copy
    rmdirSync(credentials);
    const rerun = await setup.sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(profileSecret(setup.sandbox)).toBe(kept);
    expect(await secretWorks(info, setup, kept)).toBe(true);
    expect(existsSync(pending)).toBe(false);
  });

  for (const fault of ['answer lost', 'process killed'] as const) {
    it(`${fault} right after RGW created the user: a re-run converges with a secret that works`, async () => {
      // Given a proxy in front of RGW that, once, lets the user be created but never passes the answer on
      const faulty = await faultyProxy(info.endpoint, fault, isCreateUser);
      proxy = faulty.proxy;
      const setup = newSetup(info, proxy.endpoint);

      // When setup runs (in its own process) and meets the fault
      const first = await faulty.run(setup.sandbox, ['setup', '--yes', '--json', '--answers', 'answers.json']);

      // Then the user exists on the server but this machine has no profile yet
      if (fault === 'process killed') expect(first.signal).toBe('SIGKILL');
      else expect(first.code).toBe(1);
      expect(faulty.armed()).toBe(false);
      expect(await admin(info).getUser(setup.builder)).not.toBeNull();
      expect(profileSecret(setup.sandbox)).toBeUndefined();

      // And a re-run converges: the secret RGW holds is read (not reset) and works
      const rerun = await runChild(setup.sandbox, ['setup', '--yes', '--json', '--answers', 'answers.json']).done;
      expect(rerun.code, rerun.stdout).toBe(0);
      const user = await admin(info).getUser(setup.builder);
      expect(user?.keys).toHaveLength(1);
      expect(profileSecret(setup.sandbox)).toBe(user?.keys[0]?.secretKey);
      expect(await secretWorks(info, setup, profileSecret(setup.sandbox))).toBe(true);
      // and no lock or temporary file is left behind
      expect(setup.sandbox.listFiles().filter((f) => /\.lock|\.tmp-|pending-secret/.test(f))).toEqual([]);
    });
  }

  it('two runs started together on one setup never both set a secret, and the one that waits says who holds the lock', async () => {
    const setup = newSetup(info);
    const runs = await Promise.all([
      setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']),
      setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']),
    ]);
    const results = runs.map((r) => JSON.parse(r.stdout) as { ok: boolean; steps: { id: string; status: string }[]; error?: { message: string; step: string } });
    // at most one run created the user; a run turned away names the holder
    expect(results.filter((r) => r.steps.find((s) => s.id === 'user')?.status === 'changed').length).toBeLessThanOrEqual(1);
    for (const result of results.filter((r) => !r.ok)) {
      expect(result.error?.step).toBe('lock');
      expect(result.error?.message).toMatch(/process \d+ on \S+, started \d{4}-/);
    }
    expect(results.some((r) => r.ok)).toBe(true);
    // the user has one key, the profile holds it, and the module trusts the key in the key file
    const user = await admin(info).getUser(setup.builder);
    expect(user?.keys).toHaveLength(1);
    expect(profileSecret(setup.sandbox)).toBe(user?.keys[0]?.secretKey);
    const secretKey = readFileSync(join(setup.sandbox.home, '.config', 'nix', 'secret.key'), 'utf8');
    const publicKey = readFileSync(join(setup.sandbox.home, '.config', 'nix', 'public.key'), 'utf8').trim();
    expect(readFileSync(join(setup.sandbox.cwd, 'nix-cache.nix'), 'utf8')).toContain(publicKey);
    expect(secretKey.split(':')[0]).toBe(publicKey.split(':')[0]);
    // and a run after both finds everything done
    const third = await setup.sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
    expect((JSON.parse(third.stdout) as { steps: { status: string }[] }).steps.every((s) => s.status === 'done')).toBe(true);
  });
});
