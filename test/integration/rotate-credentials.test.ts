/**
 * `rotate credentials` against the real servers (SPEC 8): Ceph RGW (Admin Ops), and MinIO through
 * its admin API and through the real mc. The old builder secret is refused at once and the new
 * one uploads with the AWS profile as written (the aws CLI reads it); a run stopped at each point
 * of the rotation (and one whose server answer is lost) is finished by the next run, which always
 * ends with a profile that works and no pending copy left.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import { builderKeysChecker } from '../../source/backends/minio/builder-keys-check';
import { rotateCredentials, type CredentialRotationPoint } from '../../source/rotate/rotate-credentials';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { secretServerFor } from '../../source/rotate/builder-secret-servers';
import { connectionsFor } from '../../source/connections/connections';
import { stateDirPath } from '../../source/state/state-dir';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { uploadWithProfile } from '../helpers/upload-with-profile';

const ALL_POINTS: readonly (CredentialRotationPoint | 'answer-lost')[] = ['pending-saved', 'answer-lost', 'server-changed', 'profile-written'];

function profileSecret(sandbox: CliSandbox): string | undefined {
  return readAwsProfile(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'), 'nixbuilder')?.secretAccessKey;
}

function pendingFiles(sandbox: CliSandbox): string[] {
  const dir = stateDirPath(sandbox.effects());
  return existsSync(dir) ? readdirSync(dir).filter((name) => name.startsWith('rotation-pending-')) : [];
}

for (const row of backendTargets()) {
  describe.skipIf(row.target === null)(`rotate credentials on ${row.name}${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
    const target = row.target as BackendTarget;
    const info = { endpoint: target.endpoint };

    async function setUp(): Promise<{ sandbox: CliSandbox; bucket: string; builder: string }> {
      const sandbox = makeCliSandbox();
      sandbox.env['PATH'] = target.path;
      const id = randomBytes(4).toString('hex');
      const bucket = `rot-${id}`;
      const builder = `rot-builder-${id}`;
      sandbox.writeAnswers({ ...target.answers(), bucket, builder: { accessKey: builder } });
      const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
      expect(setup.code, setup.stderr).toBe(0);
      return { sandbox, bucket, builder };
    }

    const upload = (sandbox: CliSandbox, bucket: string, key: string) =>
      uploadWithProfile({ endpoint: info.endpoint, credentialsFile: join(sandbox.home, '.aws', 'credentials'), profile: 'nixbuilder', bucket, key, dir: sandbox.dir });

    const works = async (builder: string, bucket: string, secret: string) =>
      (await builderKeysChecker({ endpoint: info.endpoint, region: 'us-east-1', insecure: false })({ accessKey: builder, secretKey: secret }, bucket)).works;

    describe('a rotation from start to end', () => {
      let sandbox: CliSandbox;
      let bucket: string;
      let builder: string;
      let oldSecret: string;

      beforeAll(async () => {
        ({ sandbox, bucket, builder } = await setUp());
        oldSecret = profileSecret(sandbox) ?? '';
      });

      it('refuses to change anything without --yes when there is no terminal, and says what stops working', async () => {
        const run = await sandbox.run(['rotate', 'credentials', '--answers', 'answers.json']);
        expect(run.code).toBe(2);
        expect(run.stderr).toContain('The old secret stops working AT ONCE');
        expect(run.stderr).toContain('--yes');
        expect(profileSecret(sandbox)).toBe(oldSecret);
        expect(await works(builder, bucket, oldSecret)).toBe(true);
      });

      it('gives the builder a new secret: the old one is refused, the profile as written uploads', async () => {
        const run = await sandbox.run(['rotate', 'credentials', '--yes', '--json', '--answers', 'answers.json']);
        expect(run.code, run.stdout + run.stderr).toBe(0);
        const json = JSON.parse(run.stdout) as { ok: boolean; steps: { id: string; status: string }[] };
        expect(json.ok).toBe(true);
        expect(json.steps.map((s) => s.id)).toEqual(['pending', 'server', 'profile', 'check', 'cleanup']);
        const newSecret = profileSecret(sandbox) ?? '';
        expect(newSecret).not.toBe(oldSecret);
        expect(newSecret).toMatch(/^\S{20,}$/);
        // no secret in the output
        expect(run.stdout + run.stderr).not.toContain(newSecret);
        expect(run.stdout + run.stderr).not.toContain(oldSecret);
        expect(await works(builder, bucket, oldSecret)).toBe(false);
        const uploaded = await upload(sandbox, bucket, 'after-rotation');
        expect(uploaded.code, uploaded.stderr).toBe(0);
        expect(pendingFiles(sandbox)).toEqual([]);
      });

      it('still lets setup find every step done afterwards (same user, same policy)', async () => {
        const run = await sandbox.run(['setup', '--yes', '--dry-run', '--json', '--answers', 'answers.json']);
        expect(run.code, run.stdout).toBe(0);
        const json = JSON.parse(run.stdout) as { steps: { id: string; status: string }[] };
        for (const step of json.steps) expect(step.status, `${step.id}`).toBe('done');
      });
    });

    // Each MinIO add-user costs an Argon2 derivation of 64 MiB on both sides: through mc one point,
    // the others run through the admin API, which shares the order.
    const points = target.adminVia === 'mc' ? (['answer-lost'] as const) : ALL_POINTS;
    for (const point of points) {
      it(`finishes a rotation stopped at ${point} on the next run, ending with a working profile`, async () => {
        // Given a set-up cache and a rotation that stops at `point`
        const { sandbox, bucket, builder } = await setUp();
        const oldSecret = profileSecret(sandbox) ?? '';
        const effects = sandbox.effects();
        const input = JSON.parse(readFileSync(join(sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>;
        const { answers } = await completeFromDisk(input, effects);
        const real = await secretServerFor({ answers, effects, accessKey: builder, connections: await connectionsFor(answers, effects) });
        const server = {
          ...real,
          // the server carries out the change, then the answer never arrives
          setSecret: async (secret: string | undefined) => {
            const made = await real.setSecret(secret);
            if (point === 'answer-lost') throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
            return made;
          },
        };
        await expect(
          rotateCredentials({
            answers,
            effects,
            server,
            at: (at) => {
              if (at === point) throw new Error(`crash at ${at}`);
            },
          }),
        ).rejects.toThrow();
        expect(pendingFiles(sandbox)).toHaveLength(1);
        // When the same command runs again
        const again = await sandbox.run(['rotate', 'credentials', '--yes', '--answers', 'answers.json']);
        expect(again.code, again.stderr).toBe(0);
        // Then the profile holds a new secret that uploads, the old one is refused, no copy is left
        const secret = profileSecret(sandbox) ?? '';
        expect(secret).not.toBe(oldSecret);
        if (real.serverMakesSecret) expect(await real.currentSecret()).toBe(secret);
        expect((await upload(sandbox, bucket, `after-${point}`)).code).toBe(0);
        expect(await works(builder, bucket, oldSecret)).toBe(false);
        expect(pendingFiles(sandbox)).toEqual([]);
      });
    }
  });
}

describe('rotate credentials on backend s3', () => {
  it('explains where to rotate instead and changes nothing (exit 2)', async () => {
    const sandbox = makeCliSandbox();
    sandbox.writeAnswers({ backend: 's3', endpoint: 'https://s3.example.org', bucket: 'whatever', builder: { accessKey: 'someone', secretKey: 'Some+Secret-123' } });
    const before = sandbox.listFiles();
    const run = await sandbox.run(['rotate', 'credentials', '--yes', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/provider's console or IAM/);
    expect(sandbox.listFiles()).toEqual(before);
  });
});
