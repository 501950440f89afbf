/** Human-readable progress and results for runs without the UI (stderr for progress, stdout for results). */
import type { CliIo } from '../cli-io';
import type { FileReport } from '../files/planned-file';
import { retryText, type StepEvent } from '../steps/run-steps';
import { isReplacement, type ServerStep, type StepReport, type StepStatus } from '../steps/server-step';
import type { ApplyResult } from '../session/setup-session';
import { StoppedError } from '../errors';
import { formatStepError } from './report-failure';
import { terminalText } from '../text/terminal-text';

/** A step status as the plain output marks it. */
export const MARK: Record<StepStatus, string> = {
  done: '✔ done',
  changed: '✔ changed',
  todo: '• todo',
  conflict: '✖ conflict',
  skipped: '- skipped',
  failed: '✖ failed',
};

function markOf(report: StepReport): string {
  return isReplacement(report) ? '• replace' : MARK[report.status];
}

/** Every line goes through terminalText: details and paths carry servers' and files' words. */
function write(out: NodeJS.WritableStream, line: string): void {
  out.write(terminalText(line) + '\n');
}

export const printCheckReports = {
  onEvent(event: StepEvent, out: NodeJS.WritableStream): void {
    if (event.type === 'applying') write(out, `  … ${event.step.title}: applying`);
    if (event.type === 'retrying') write(out, `  ↻ ${retryText(event)}`);
    if (event.type === 'finished') write(out, `${markOf(event.report).padEnd(11)} ${event.step.title}: ${event.report.detail}`);
  },
  summary(reports: readonly StepReport[], steps: readonly ServerStep[], files: readonly FileReport[], out: NodeJS.WritableStream): void {
    write(out, 'Dry run: nothing was changed. Server steps:');
    for (const report of reports) {
      const step = steps.find((s) => s.id === report.id);
      write(out, `  ${markOf(report).padEnd(11)} ${report.id}: ${report.detail}`);
      if (report.removes) write(out, `      − REMOVES ${report.removes}`);
      if (step && report.status === 'todo') write(out, `      ${step.command.split('\n').join('\n      ')}`);
    }
    write(out, 'Files:');
    for (const file of files) write(out, `  ${file.action.padEnd(13)} ${file.path}`);
  },
};

export function printApplyResult(result: ApplyResult, io: CliIo): void {
  if (result.error instanceof StoppedError) {
    // Not a failure of any step: say what ran and what did not, so nothing reads as failed.
    const ran = result.steps.filter((s) => s.status !== 'skipped').map((s) => `${s.id} (${s.status})`);
    const notRun = result.steps.filter((s) => s.status === 'skipped').map((s) => s.id);
    io.stderr.write(
      `stopped: ${result.error.message}\n` +
        (ran.length > 0 ? `  done: ${ran.join(', ')}\n` : '') +
        (notRun.length > 0 ? `  not run: ${notRun.join(', ')}\n` : '') +
        `  what to do: ${result.error.hint ?? 'run the same command again to continue.'}\n`,
    );
  } else if (result.error) {
    io.stderr.write(formatStepError(result.error, { rerun: true }));
  }
  if (result.files.length > 0) {
    write(io.stdout, 'Files:');
    for (const file of result.files) write(io.stdout, `  ${file.action.padEnd(10)} ${file.path}`);
  }
  if (!result.error && result.next.length > 0) {
    write(io.stdout, '\nNext:');
    for (const line of result.next) write(io.stdout, line.startsWith('#') ? `\n${line}` : `  ${line}`);
  }
}
