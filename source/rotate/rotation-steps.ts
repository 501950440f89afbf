/**
 * The progress of a rotation as events (for the UI, the menu and the plain CLI) and as step
 * reports (for `--json`, SPEC 7). A rotation is a fixed sequence of local and server changes; each
 * runs once, in order, and reports what it did. A failure names its step; the run stops there,
 * and a re-run continues (each step is idempotent).
 */
import { onRetries } from '../requests/request-rules';
import { StepError } from '../errors';
import type { StepStatus } from '../steps/server-step';

export interface RotationReport {
  readonly id: string;
  readonly status: StepStatus;
  readonly detail: string;
}

export type RotationEvent =
  | { readonly type: 'running'; readonly id: string; readonly title: string }
  /** a request of the step is being sent again (requests/request-rules.ts): `text` says why and when */
  | { readonly type: 'retrying'; readonly id: string; readonly title: string; readonly text: string }
  | { readonly type: 'finished'; readonly id: string; readonly title: string; readonly report: RotationReport };

export interface RotationSteps {
  readonly reports: RotationReport[];
  /** runs one step: `work` returns the status and detail, or throws (the step is then failed) */
  run(id: string, title: string, work: () => Promise<{ status: StepStatus; detail: string }>): Promise<void>;
}

export function rotationSteps(onEvent?: (event: RotationEvent) => void): RotationSteps {
  const reports: RotationReport[] = [];
  return {
    reports,
    async run(id, title, work) {
      onEvent?.({ type: 'running', id, title });
      let report: RotationReport;
      try {
        report = { id, ...(await onRetries((notice) => onEvent?.({ type: 'retrying', id, title, text: notice.text }), work)) };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        report = { id, status: 'failed', detail: message };
        reports.push(report);
        onEvent?.({ type: 'finished', id, title, report });
        if (error instanceof StepError) throw error.step === id ? error : new StepError(error.message, id, error.hint);
        throw new StepError(`${title} failed: ${message}`, id);
      }
      reports.push(report);
      onEvent?.({ type: 'finished', id, title, report });
    },
  };
}
