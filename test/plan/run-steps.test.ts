/** Walking the steps (SPEC 5): in order, applying only todo, stopping at the first conflict or failure. */
import { describe, expect, it } from 'vitest';
import { StepError } from '../../source/errors';
import { runSteps } from '../../source/plan/run-steps';
import type { CheckResult, ServerStep, StepId } from '../../source/plan/server-step';

function step(id: StepId, result: CheckResult | Error, log: string[]): ServerStep {
  return {
    id,
    title: `Step ${id}`,
    why: 'because',
    command: `do ${id}`,
    async check() {
      log.push(`check ${id}`);
      if (result instanceof Error) throw result;
      return result;
    },
    async apply() {
      log.push(`apply ${id}`);
      return `applied ${id}`;
    },
  };
}

describe('running the steps', () => {
  it('applies only the todo steps, in order', async () => {
    const log: string[] = [];
    const steps = [step('connect', { status: 'done', detail: 'ok' }, log), step('bucket', { status: 'todo', detail: 'missing' }, log), step('user', { status: 'done', detail: 'ok' }, log)];
    const result = await runSteps(steps, { apply: true });
    expect(log).toEqual(['check connect', 'check bucket', 'apply bucket', 'check user']);
    expect(result.reports.map((r) => r.status)).toEqual(['done', 'changed', 'done']);
    expect(result.error).toBeUndefined();
  });

  it('only checks with apply off (--dry-run), going on past todo and conflict', async () => {
    const log: string[] = [];
    const steps = [step('bucket', { status: 'todo', detail: 'missing' }, log), step('user', { status: 'conflict', detail: 'unknown secret' }, log), step('policy', { status: 'todo', detail: 'x' }, log)];
    const result = await runSteps(steps, { apply: false });
    expect(log).toEqual(['check bucket', 'check user', 'check policy']);
    expect(result.reports.map((r) => r.status)).toEqual(['todo', 'conflict', 'todo']);
  });

  it('stops at a conflict, naming the step, and skips the rest', async () => {
    const log: string[] = [];
    const steps = [step('user', { status: 'conflict', detail: 'the secret is unknown' }, log), step('policy', { status: 'todo', detail: 'x' }, log)];
    const result = await runSteps(steps, { apply: true });
    expect(result.error).toBeInstanceOf(StepError);
    expect(result.error?.step).toBe('user');
    expect(result.reports.map((r) => r.status)).toEqual(['conflict', 'skipped']);
    expect(log).toEqual(['check user']);
  });

  it('turns a thrown error into a failed step named by its id', async () => {
    const log: string[] = [];
    const result = await runSteps([step('bucket', new Error('ECONNRESET'), log), step('anonymous', { status: 'todo', detail: 'x' }, log)], { apply: true });
    expect(result.error?.step).toBe('bucket');
    expect(result.error?.message).toContain('ECONNRESET');
    expect(result.reports.map((r) => r.status)).toEqual(['failed', 'skipped']);
  });

  it('calls afterStep after each finished step, before the next one starts', async () => {
    const log: string[] = [];
    const steps = [step('user', { status: 'todo', detail: 'x' }, log), step('policy', { status: 'done', detail: 'ok' }, log)];
    await runSteps(steps, { apply: true, afterStep: async (s) => void log.push(`after ${s.id}`) });
    expect(log).toEqual(['check user', 'apply user', 'after user', 'check policy', 'after policy']);
  });
});
