/**
 * Walks the server steps (STYLE 2) in as few round trips as their dependencies allow (issue 12):
 *  1. every check at once (bounded), sharing one read cache, so each document is read once;
 *  2. with `apply`, only when no check found a conflict or failed (nothing changes otherwise):
 *     each `todo` step is applied as soon as the steps it comes `after` have finished, so
 *     independent writes go out together. The first failure stops further applies; those in
 *     flight finish and are reported as they ended; the rest are skipped.
 * Events and reports stay in step order whatever order the requests finish in. `--dry-run` only
 * checks.
 */
import { currentRules, onRetries, type RetryNotice, withDeadline } from '../requests/request-rules';
import { StepError, StoppedError } from '../errors';
import { CHECK_DEADLINE_MS } from './check-deadline';
import { createKeyedLock } from './keyed-lock';
import { createReadCache } from './read-cache';
import type { CheckResult, ServerStep, StepId, StepReport, StepRun } from './server-step';

export type StepEvent =
  | { readonly type: 'checking'; readonly step: ServerStep }
  | { readonly type: 'applying'; readonly step: ServerStep }
  /** a request of the step's check or apply is being sent again (request-rules.ts): `notice.text` says why and when */
  | { readonly type: 'retrying'; readonly step: ServerStep; readonly notice: RetryNotice }
  | { readonly type: 'finished'; readonly step: ServerStep; readonly report: StepReport };

/** How a retry reads in the UI and --plain: "Create the bucket: the server answered 503; trying again in 2 s, attempt 2 of 4". */
export function retryText(event: Extract<StepEvent, { type: 'retrying' }>): string {
  return `${event.step.title}: ${event.notice.text}`;
}

/** All the applies of one run together at most this long; each request is also bounded on its own (request-rules.ts). */
export const APPLY_DEADLINE_MS = 5 * 60_000;

/** At most this many steps talk to the server at once; every plan of today fits in one round. */
export const MAX_CONCURRENT_STEPS = 12;

export interface RunStepsOptions {
  /** false: checks only (--dry-run, the review screen) */
  readonly apply: boolean;
  readonly onEvent?: (event: StepEvent) => void;
  /**
   * called after a step is done or changed, before any step that comes `after` it starts (e.g. to
   * save the builder secret as soon as the server has it)
   */
  readonly afterStep?: (step: ServerStep, report: StepReport) => Promise<void>;
  /** the run's shared reads [new ones] */
  readonly reads?: StepRun['reads'];
  /** [MAX_CONCURRENT_STEPS] */
  readonly concurrency?: number;
  /**
   * asked before each apply starts: true stops the run there (Ctrl-C in the wizard); applies
   * already running finish, none is cut off half-way
   */
  readonly shouldStop?: () => boolean;
}

export interface RunStepsResult {
  readonly reports: StepReport[];
  /** the first step in step order that failed or conflicted while applying */
  readonly error?: StepError;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

type Outcome<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: unknown };

function settle<T>(work: Promise<T>): Promise<Outcome<T>> {
  return work.then(
    (value) => ({ ok: true, value }) as const,
    (error: unknown) => ({ ok: false, error }) as const,
  );
}

/** Runs at most `limit` tasks at a time, in the order they were asked for. */
function limiter(limit: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/** What applying one step came to: skipped (never started) or the apply's outcome. */
interface ApplyRecord {
  /** true once the apply started, false when it never will */
  readonly started: Promise<boolean>;
  readonly done: Promise<{ readonly skipped: string } | Outcome<string>>;
}

function failure(step: ServerStep, error: unknown): StepError {
  return error instanceof StepError ? error : new StepError(`${step.title} failed: ${messageOf(error)}`, step.id);
}

export async function runSteps(steps: readonly ServerStep[], options: RunStepsOptions): Promise<RunStepsResult> {
  const applies = new Map<StepId, ApplyRecord>();
  const run: StepRun = { reads: options.reads ?? createReadCache(), exclusive: createKeyedLock() };
  const limit = limiter(options.concurrency ?? MAX_CONCURRENT_STEPS);
  const emit = (event: StepEvent) => options.onEvent?.(event);
  /** the step's work, with each retry of its requests told as an event of the step */
  const ofStep = <T>(step: ServerStep, work: () => Promise<T>) => onRetries((notice) => emit({ type: 'retrying', step, notice }), work);
  // The checks of a run share one deadline (as --dry-run's do, check-deadline.ts), so a server
  // that drips makes setup stop after it, not after 30 s for each request of each check in turn.
  const checkEnd = currentRules().now() + CHECK_DEADLINE_MS;
  const checks = steps.map((step) => settle(limit(() => withDeadline(checkEnd - currentRules().now(), () => ofStep(step, () => step.check(run))))));

  // Apply only when every check answered without a conflict or failure: the first one in step
  // order is the run's error.
  const problem: Promise<StepError | undefined> = options.apply
    ? Promise.all(checks).then((outcomes) => {
        for (const [index, outcome] of outcomes.entries()) {
          const step = steps[index]!;
          if (!outcome.ok) return failure(step, outcome.error);
          if (outcome.value.status === 'conflict') return new StepError(`${step.title}: ${outcome.value.detail}`, step.id);
        }
        return undefined;
      })
    : Promise.resolve(undefined);

  let stoppedBy: ServerStep | undefined;
  /** the first step not started because the user asked to stop */
  let stopRequested: ServerStep | undefined;
  const doneReport = (step: ServerStep, result: CheckResult): StepReport => ({
    id: step.id,
    status: result.status,
    detail: result.detail,
    ...(result.status === 'todo' && result.removes ? { removes: result.removes } : {}),
  });
  const scheduled: Promise<void> = problem.then(async (error) => {
    if (error || !options.apply) return;
    const outcomes = await Promise.all(checks);
    const applyEnd = currentRules().now() + APPLY_DEADLINE_MS;
    // Steps found done are finished: their afterStep runs before anything is applied.
    for (const [index, step] of steps.entries()) {
      const outcome = outcomes[index]!;
      if (outcome.ok && outcome.value.status === 'done') await options.afterStep?.(step, doneReport(step, outcome.value));
    }
    // Every record exists before any apply looks up the steps it comes after.
    let allRecorded!: () => void;
    const recorded = new Promise<void>((resolve) => (allRecorded = resolve));
    for (const [index, step] of steps.entries()) {
      const outcome = outcomes[index]!;
      if (!outcome.ok || outcome.value.status !== 'todo') continue;
      let markStarted!: (started: boolean) => void;
      const started = new Promise<boolean>((resolve) => (markStarted = resolve));
      const done = (async () => {
        await recorded;
        for (const before of step.after ?? []) {
          const earlier = applies.get(before);
          if (!earlier) continue;
          const result = await earlier.done;
          if ('skipped' in result || !result.ok) {
            markStarted(false);
            return { skipped: `not run: step "${before}" did not finish` };
          }
        }
        if (stoppedBy) {
          markStarted(false);
          return { skipped: `not run: step "${stoppedBy.id}" did not finish` };
        }
        if (stopRequested || options.shouldStop?.()) {
          stopRequested ??= step;
          markStarted(false);
          return { skipped: 'not run: stopped at your request' };
        }
        const result = await limit(async () => {
          markStarted(true);
          const applied = await settle(withDeadline(applyEnd - currentRules().now(), () => ofStep(step, () => step.apply(run))));
          if (applied.ok) {
            const after = await settle(options.afterStep?.(step, { id: step.id, status: 'changed', detail: applied.value }) ?? Promise.resolve());
            if (!after.ok) return after;
          }
          return applied;
        });
        if (!result.ok) stoppedBy ??= step;
        return result;
      })();
      applies.set(step.id, { started, done });
    }
    allRecorded();
  });

  // Awaited below; until then a failing afterStep must not count as an unhandled rejection.
  scheduled.catch(() => undefined);

  // Report in step order, whatever order the work finishes in.
  const reports: StepReport[] = [];
  let firstApplyError: StepError | undefined;
  for (const [index, step] of steps.entries()) {
    emit({ type: 'checking', step });
    const outcome = await checks[index]!;
    let report: StepReport;
    if (!outcome.ok) {
      report = { id: step.id, status: 'failed', detail: messageOf(outcome.error) };
    } else if (outcome.value.status !== 'todo' || !options.apply) {
      report = doneReport(step, outcome.value);
    } else if (await problem) {
      report = { id: step.id, status: 'skipped', detail: `not run: step "${(await problem)!.step}" did not finish` };
    } else {
      await scheduled;
      const record = applies.get(step.id)!;
      if (await record.started) emit({ type: 'applying', step });
      const result = await record.done;
      if ('skipped' in result) {
        report = { id: step.id, status: 'skipped', detail: result.skipped };
      } else if (result.ok) {
        report = { id: step.id, status: 'changed', detail: result.value };
      } else {
        report = { id: step.id, status: 'failed', detail: messageOf(result.error) };
        firstApplyError ??= failure(step, result.error);
      }
    }
    reports.push(report);
    emit({ type: 'finished', step, report });
  }
  await scheduled;
  const stopped = stopRequested
    ? new StoppedError(`Stopped at your request (Ctrl-C) before step "${stopRequested.id}"; nothing after the steps already running was started.`, stopRequested.id, 'Run setup again to continue: steps already done are skipped.')
    : undefined;
  const first = (await problem) ?? firstApplyError ?? stopped;
  return first ? { reports, error: first } : { reports };
}
