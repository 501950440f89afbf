/**
 * Walks the server steps in order (STYLE 2): check each; with `apply`, make a `todo` step done
 * and stop at the first conflict or failure, marking the rest skipped. `--dry-run` only checks.
 */
import { StepError } from '../errors';
import type { ServerStep, StepReport } from './server-step';

export type StepEvent =
  | { readonly type: 'checking'; readonly step: ServerStep }
  | { readonly type: 'applying'; readonly step: ServerStep }
  | { readonly type: 'finished'; readonly step: ServerStep; readonly report: StepReport };

export interface RunStepsOptions {
  /** false: checks only (--dry-run, the review screen) */
  readonly apply: boolean;
  readonly onEvent?: (event: StepEvent) => void;
  /** called after a step is done or changed, before the next one starts (e.g. to save the builder secret) */
  readonly afterStep?: (step: ServerStep, report: StepReport) => Promise<void>;
  /** asked between steps while applying: true stops the run there (Ctrl-C in the wizard) */
  readonly shouldStop?: () => boolean;
}

export interface RunStepsResult {
  readonly reports: StepReport[];
  /** the first step that failed or conflicted while applying */
  readonly error?: StepError;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export async function runSteps(steps: readonly ServerStep[], options: RunStepsOptions): Promise<RunStepsResult> {
  const reports: StepReport[] = [];
  let error: StepError | undefined;
  for (const step of steps) {
    if (error) {
      const report: StepReport = { id: step.id, status: 'skipped', detail: `not run: step "${error.step}" did not finish` };
      reports.push(report);
      options.onEvent?.({ type: 'finished', step, report });
      continue;
    }
    if (options.apply && reports.length > 0 && options.shouldStop?.()) {
      // A step is never cut off half-way; the run stops between two steps and a re-run continues.
      const previous = reports[reports.length - 1]!;
      error = new StepError(`Stopped at your request (Ctrl-C) after step "${previous.id}"; nothing after it was run.`, step.id, 'Run setup again to continue: steps already done are skipped.');
      const report: StepReport = { id: step.id, status: 'skipped', detail: 'not run: stopped at your request' };
      reports.push(report);
      options.onEvent?.({ type: 'finished', step, report });
      continue;
    }
    options.onEvent?.({ type: 'checking', step });
    let report: StepReport;
    try {
      const result = await step.check();
      if (result.status === 'todo' && options.apply) {
        options.onEvent?.({ type: 'applying', step });
        const detail = await step.apply();
        report = { id: step.id, status: 'changed', detail };
      } else {
        report = { id: step.id, status: result.status, detail: result.detail, ...(result.status === 'todo' && result.removes ? { removes: result.removes } : {}) };
        if (result.status === 'conflict' && options.apply) {
          error = new StepError(`${step.title}: ${result.detail}`, step.id);
        }
      }
    } catch (caught) {
      report = { id: step.id, status: 'failed', detail: messageOf(caught) };
      if (options.apply) {
        error = caught instanceof StepError ? caught : new StepError(`${step.title} failed: ${messageOf(caught)}`, step.id);
      }
    }
    if (!error && (report.status === 'done' || report.status === 'changed')) await options.afterStep?.(step, report);
    reports.push(report);
    options.onEvent?.({ type: 'finished', step, report });
  }
  return error ? { reports, error } : { reports };
}
