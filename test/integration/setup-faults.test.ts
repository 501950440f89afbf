/**
 * Faults (SPEC 1, 5): the server goes away before each step in turn. The run stops at that step
 * with exit 1 naming it, leaves nothing half-written (the builder's secret, once the server has
 * it, is already saved whole), and a re-run after the server is back converges.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, inject, it } from 'vitest';
import { requireCompleteAnswers } from '../../source/answers/resolve-answers';
import { createSetupSession } from '../../source/plan/create-setup-session';
import type { ServerStep, StepId } from '../../source/plan/server-step';
import { startRgwDaemon, stopRgwDaemon, type CephRgwInfo } from '../helpers/ceph-rgw';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const rgw = inject('rgw');

const adminKeys = (info: CephRgwInfo) => ({ accessKey: info.accessKey, secretKey: info.secretKey });
const unavailable = inject('rgwUnavailable');

const STEPS: StepId[] = ['connect', 'bucket', 'user', 'policy', 'attach', 'anonymous', 'cache-info', 'expiry'];

function answersFile(sandbox: CliSandbox, info: CephRgwInfo): void {
  const id = randomBytes(4).toString('hex');
  sandbox.writeAnswers({
      backend: 'ceph',
      endpoint: info.endpoint,
      admin: adminKeys(info),
      bucket: `fault-${id}`,
      builder: { accessKey: `fault-builder-${id}` },
      expireDays: 7,
    });
}

describe.skipIf(rgw === null)(`setup when the server stops part-way${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  afterEach(async () => {
    await startRgwDaemon(info);
  });

  it('exits 1 naming the connect step when the server is down, and writes nothing', async () => {
    const sandbox = makeCliSandbox();
    answersFile(sandbox, info);
    const before = sandbox.listFiles();
    await stopRgwDaemon(info);
    const result = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('step "connect" failed');
    expect(result.stderr).toMatch(/refused|not answer|start/i);
    expect(sandbox.listFiles()).toEqual(before);
  });

  for (const [index, failing] of STEPS.entries()) {
    it(`stops at step ${failing} when the server stops just before it, and a re-run converges`, async () => {
      // Given a plan whose step `failing` finds the server stopped
      const sandbox = makeCliSandbox();
      answersFile(sandbox, info);
      const effects = sandbox.effects();
      const input = JSON.parse(readFileSync(join(sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>;
      const { answers } = requireCompleteAnswers(input, effects);
      const session = createSetupSession(effects, { outDir: undefined, systemNixConf: async () => null });
      const plan = await session.prepareSetup(answers, []);
      const steps = plan.steps as ServerStep[];
      const at = steps.findIndex((s) => s.id === failing);
      const original = steps[at]!;
      steps[at] = Object.assign(Object.create(original) as ServerStep, {
        check: async () => {
          await stopRgwDaemon(info);
          return original.check();
        },
      });

      // When setup applies it
      const result = await session.applyPlan(plan);

      // Then it stops at that step, the later ones skipped
      expect(result.error?.step).toBe(failing);
      expect(result.steps.find((s) => s.id === failing)?.status).toBe('failed');
      expect(result.steps.slice(index + 1).every((s) => s.status === 'skipped')).toBe(true);
      // and nothing is half-written: no temporary files; the AWS profile exists (whole) only once the user exists
      expect(sandbox.listFiles().filter((f) => /\.tmp|~$|\.partial/.test(f))).toEqual([]);
      const credentials = join(sandbox.home, '.aws', 'credentials');
      if (index > STEPS.indexOf('user')) {
        expect(readFileSync(credentials, 'utf8')).toMatch(/^\[nixbuilder\]\naws_access_key_id = fault-builder-\w+\naws_secret_access_key = \S{20,}\n$/);
      } else {
        expect(existsSync(credentials)).toBe(false);
      }
      expect(existsSync(join(sandbox.cwd, 'nix-cache.nix'))).toBe(false);

      // And after a restart the same command converges
      await startRgwDaemon(info);
      const rerun = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(rerun.code, rerun.stdout + rerun.stderr).toBe(0);
      const json = JSON.parse(rerun.stdout) as { steps: { id: string; status: string }[] };
      expect(json.steps.every((s) => s.status === 'done' || s.status === 'changed')).toBe(true);
      expect(json.steps.slice(0, index).every((s) => s.status === 'done')).toBe(true);
      const third = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect((JSON.parse(third.stdout) as { steps: { status: string }[] }).steps.every((s) => s.status === 'done')).toBe(true);
    });
  }
});
