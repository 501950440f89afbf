/**
 * Walking the steps (SPEC 5, issue 12): every check at once, then the todo steps applied in
 * dependency order with independent ones together; reports and events in step order whatever
 * order the work finishes in; nothing applied when a check conflicts or fails; the first failure
 * stops further applies and is named.
 */
import { describe, expect, it } from 'vitest';
import { StepError } from '../../source/errors';
import { runSteps, type StepEvent } from '../../source/steps/run-steps';
import type { CheckResult, ServerStep, StepId } from '../../source/steps/server-step';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Spec {
  readonly result: CheckResult | Error;
  readonly after?: StepId[];
  /** how long check and apply take (to make them finish out of order) */
  readonly ms?: number;
  readonly applyError?: Error;
}

function step(id: StepId, spec: Spec | CheckResult | Error, log: string[]): ServerStep {
  const s: Spec = 'result' in spec ? spec : { result: spec };
  return {
    id,
    title: `Step ${id}`,
    why: 'because',
    command: `do ${id}`,
    ...(s.after ? { after: s.after } : {}),
    async check() {
      log.push(`check ${id}`);
      await tick(s.ms ?? 0);
      log.push(`checked ${id}`);
      if (s.result instanceof Error) throw s.result;
      return s.result;
    },
    async apply() {
      log.push(`apply ${id}`);
      await tick(s.ms ?? 0);
      if (s.applyError) throw s.applyError;
      log.push(`applied ${id}`);
      return `applied ${id}`;
    },
  };
}

const done: CheckResult = { status: 'done', detail: 'ok' };
const todo: CheckResult = { status: 'todo', detail: 'missing' };

describe('running the steps', () => {
  it('checks every step at once, before anything is applied, and applies only the todo steps', async () => {
    const log: string[] = [];
    const steps = [step('connect', done, log), step('bucket', todo, log), step('user', done, log)];
    const result = await runSteps(steps, { apply: true });
    expect(log.slice(0, 3)).toEqual(['check connect', 'check bucket', 'check user']);
    expect(log.filter((l) => l.startsWith('apply'))).toEqual(['apply bucket']);
    expect(log.indexOf('apply bucket')).toBeGreaterThan(log.indexOf('checked user'));
    expect(result.reports.map((r) => r.status)).toEqual(['done', 'changed', 'done']);
    expect(result.error).toBeUndefined();
  });

  it('only checks with apply off (--dry-run), going on past todo and conflict', async () => {
    const log: string[] = [];
    const steps = [step('bucket', todo, log), step('user', { status: 'conflict', detail: 'unknown secret' }, log), step('policy', { status: 'todo', detail: 'x' }, log)];
    const result = await runSteps(steps, { apply: false });
    expect(log.filter((l) => l.startsWith('apply'))).toEqual([]);
    expect(result.reports.map((r) => r.status)).toEqual(['todo', 'conflict', 'todo']);
  });

  it('applies nothing when a check finds a conflict, naming that step, and skips the todo steps', async () => {
    const log: string[] = [];
    const steps = [step('bucket', todo, log), step('user', { status: 'conflict', detail: 'the secret is unknown' }, log), step('policy', todo, log)];
    const result = await runSteps(steps, { apply: true });
    expect(result.error).toBeInstanceOf(StepError);
    expect(result.error?.step).toBe('user');
    expect(result.reports.map((r) => r.status)).toEqual(['skipped', 'conflict', 'skipped']);
    expect(result.reports[2]?.detail).toBe('not run: step "user" did not finish');
    expect(log.filter((l) => l.startsWith('apply'))).toEqual([]);
  });

  it('turns a thrown check error into a failed step named by its id', async () => {
    const log: string[] = [];
    const result = await runSteps([step('bucket', new Error('ECONNRESET'), log), step('anonymous', todo, log)], { apply: true });
    expect(result.error?.step).toBe('bucket');
    expect(result.error?.message).toContain('ECONNRESET');
    expect(result.reports.map((r) => r.status)).toEqual(['failed', 'skipped']);
  });

  it('applies independent steps together and a step only after the steps it comes after', async () => {
    const log: string[] = [];
    const steps = [
      step('bucket', { result: todo, ms: 30 }, log),
      step('user', { result: todo, ms: 30 }, log),
      step('policy', { result: todo, after: ['bucket', 'user'], ms: 5 }, log),
      step('cache-info', { result: todo, after: ['bucket'], ms: 5 }, log),
    ];
    const result = await runSteps(steps, { apply: true });
    const applies = log.filter((l) => l.startsWith('apply'));
    // bucket and user start together, before either has finished
    expect(applies.slice(0, 2).sort()).toEqual(['apply bucket', 'apply user']);
    expect(log.indexOf('apply user')).toBeLessThan(log.indexOf('applied bucket'));
    expect(log.indexOf('apply policy')).toBeGreaterThan(Math.max(log.indexOf('applied bucket'), log.indexOf('applied user')));
    expect(log.indexOf('apply cache-info')).toBeGreaterThan(log.indexOf('applied bucket'));
    expect(result.reports.map((r) => r.status)).toEqual(['changed', 'changed', 'changed', 'changed']);
  });

  it('reports and sends events in step order, whatever order the work finishes in', async () => {
    const log: string[] = [];
    const events: string[] = [];
    const steps = [
      step('connect', { result: done, ms: 40 }, log),
      step('bucket', { result: todo, ms: 30 }, log),
      step('user', { result: todo, ms: 1 }, log),
      step('cache-info', { result: done, ms: 1 }, log),
    ];
    const onEvent = (event: StepEvent) => events.push(`${event.type} ${event.step.id}${event.type === 'finished' ? ` ${event.report.status}` : ''}`);
    const result = await runSteps(steps, { apply: true, onEvent });
    // the user was applied before the bucket was, yet the events come in step order
    expect(log.indexOf('applied user')).toBeLessThan(log.indexOf('applied bucket'));
    expect(events).toEqual([
      'checking connect',
      'finished connect done',
      'checking bucket',
      'applying bucket',
      'finished bucket changed',
      'checking user',
      'applying user',
      'finished user changed',
      'checking cache-info',
      'finished cache-info done',
    ]);
    expect(result.reports.map((r) => r.id)).toEqual(['connect', 'bucket', 'user', 'cache-info']);
  });

  it('stops applying at the first failure: later steps that depend on it, or had not started, are skipped', async () => {
    const log: string[] = [];
    const steps = [
      step('bucket', { result: todo, ms: 5, applyError: new StepError('Cannot create bucket nix-cache: access denied.', 'bucket') }, log),
      step('user', { result: todo, ms: 20 }, log),
      step('policy', { result: todo, after: ['bucket', 'user'] }, log),
      step('expiry', { result: todo, after: ['bucket'] }, log),
    ];
    const result = await runSteps(steps, { apply: true });
    expect(result.error?.step).toBe('bucket');
    expect(result.error?.message).toBe('Cannot create bucket nix-cache: access denied.');
    // the user, already on its way, finished and says so; nothing after the bucket started
    expect(result.reports.map((r) => r.status)).toEqual(['failed', 'changed', 'skipped', 'skipped']);
    expect(result.reports[3]?.detail).toBe('not run: step "bucket" did not finish');
    expect(log.filter((l) => l.startsWith('apply '))).toEqual(['apply bucket', 'apply user']);
  });

  it('names the first failing step in step order when several fail', async () => {
    const log: string[] = [];
    const steps = [
      step('bucket', { result: todo, ms: 20, applyError: new Error('socket hang up') }, log),
      step('user', { result: todo, ms: 1, applyError: new Error('ECONNREFUSED') }, log),
    ];
    const result = await runSteps(steps, { apply: true });
    expect(result.error?.step).toBe('bucket');
    expect(result.error?.message).toBe('Step bucket failed: socket hang up');
    expect(result.reports.map((r) => r.status)).toEqual(['failed', 'failed']);
  });

  it('calls afterStep after a step is done or changed, before the steps that come after it start', async () => {
    const log: string[] = [];
    const steps = [step('user', todo, log), step('policy', { result: todo, after: ['user'] }, log), step('cache-info', done, log)];
    await runSteps(steps, { apply: true, afterStep: async (s) => void log.push(`after ${s.id}`) });
    expect(log.indexOf('after cache-info')).toBeLessThan(log.indexOf('apply user'));
    expect(log.indexOf('after user')).toBeGreaterThan(log.indexOf('applied user'));
    expect(log.indexOf('after user')).toBeLessThan(log.indexOf('apply policy'));
    expect(log).toContain('after policy');
  });

  it('runs at most `concurrency` steps at once', async () => {
    let active = 0;
    let most = 0;
    const ids: StepId[] = ['connect', 'bucket', 'user', 'policy', 'attach', 'anonymous'];
    const steps: ServerStep[] = ids.map((id) => ({
      id,
      title: id,
      why: '',
      command: '',
      async check() {
        most = Math.max(most, ++active);
        await tick(5);
        active--;
        return done;
      },
      apply: async () => '',
    }));
    await runSteps(steps, { apply: false, concurrency: 2 });
    expect(most).toBe(2);
  });
});

describe("stopping at the user's request", () => {
  it('starts no apply once asked to stop, names the first step not started, and lets running ones finish', async () => {
    const log: string[] = [];
    let stop = false;
    const steps = [step('bucket', { result: todo, ms: 10 }, log), step('cache-info', { result: todo, after: ['bucket'] }, log)];
    const result = await runSteps(steps, {
      apply: true,
      shouldStop: () => stop,
      onEvent: (event) => {
        if (event.type === 'applying') stop = true;
      },
    });
    expect(result.reports.map((r) => r.status)).toEqual(['changed', 'skipped']);
    expect(result.reports[1]?.detail).toBe('not run: stopped at your request');
    expect(result.error?.step).toBe('cache-info');
    expect(result.error?.message).toMatch(/Stopped at your request \(Ctrl-C\)/);
  });
});
