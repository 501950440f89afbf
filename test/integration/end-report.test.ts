/**
 * What a setup reports at its end (the end screen, the printed result, --json) is true once the
 * run is over, on the real servers: a step found done before the bucket existed does not say
 * afterwards that the bucket does not exist (issue 15: Ceph's expiry line).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { backendTargets, type BackendTarget } from '../helpers/backend-targets';
import { makeCliSandbox } from '../helpers/run-cli';

for (const row of backendTargets().filter((r) => r.target === null || r.target.adminVia !== 'mc')) {
  describe.skipIf(row.target === null)(`the end report of a first setup on ${row.name}${row.unavailable ? ` (skipped: ${row.unavailable})` : ''}`, () => {
    const target = row.target as BackendTarget;

    it('says nothing about a missing bucket once the run has made it', async () => {
      const sandbox = makeCliSandbox();
      sandbox.env['PATH'] = target.path;
      const id = randomBytes(4).toString('hex');
      sandbox.writeAnswers({ ...target.answers(), bucket: `end-${id}`, builder: { accessKey: `end${id}` }, expireDays: null });
      const run = await sandbox.run(['setup', '--yes', '--json', '--answers', 'answers.json']);
      expect(run.code, run.stdout + run.stderr).toBe(0);
      const json = JSON.parse(run.stdout) as { steps: { id: string; status: string; detail: string }[] };
      const expiry = json.steps.find((s) => s.id === 'expiry');
      expect(expiry).toMatchObject({ status: 'done' });
      expect(expiry?.detail).toContain('no expiry asked for');
      for (const step of json.steps) expect(step.detail, step.id).not.toMatch(/does not exist yet/);
    });
  });
}
