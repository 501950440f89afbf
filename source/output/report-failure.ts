/**
 * Shows a failure and picks the exit code (SPEC 1): an expected failure as its message and what
 * to do, without a stack; an unexpected one with its stack. In --json mode, the one JSON result.
 */
import type { CliIo } from '../cli-io';
import { CancelledError, FileParseError, StepError, StoppedError, UsageError } from '../errors';
import { formatJsonResult, type JsonStep } from './json-result';
import { terminalText } from '../text/terminal-text';

export interface FailureContext {
  readonly io: CliIo;
  readonly json: boolean;
  readonly command: string;
  readonly dryRun?: boolean;
  /** the steps that ran before the failure (a rotation's), for --json */
  readonly steps?: readonly JsonStep[];
}

/**
 * A failed step for the terminal: which step, the server's words, what to do; with `rerun`, that
 * running the same command again continues (every step is idempotent).
 */
export function formatStepError(error: StepError, options: { readonly rerun: boolean }): string {
  return terminalText(
    `error: step "${error.step}" failed: ${error.message}\n` +
      (error.hint ? `  what to do: ${error.hint}\n` : '') +
      (options.rerun ? '  Fix that and run the same command again: it continues from where it stopped.\n' : ''),
  );
}

export function exitCodeOf(error: unknown): number {
  if (error instanceof UsageError) return 2;
  if (error instanceof CancelledError || error instanceof StoppedError) return 130;
  return 1;
}

export function reportFailure(error: unknown, context: FailureContext): number {
  const code = exitCodeOf(error);
  const expected = error instanceof UsageError || error instanceof StepError || error instanceof FileParseError || error instanceof CancelledError;
  const message = error instanceof Error ? error.message : String(error);
  if (context.json) {
    const field = error instanceof UsageError ? error.field : undefined;
    const step = error instanceof StepError ? error.step : error instanceof FileParseError ? 'files' : undefined;
    const hint = error instanceof StepError && error.hint ? ` ${error.hint}` : '';
    context.io.stdout.write(
      formatJsonResult({
        ok: false,
        command: context.command,
        dryRun: context.dryRun ?? false,
        steps: context.steps ?? [],
        files: [],
        next: [],
        error: { message: message + hint, ...(field ? { field } : {}), ...(step ? { step } : {}) },
      }),
    );
    return code;
  }
  // A message may quote a server or a file name: written through terminalText like all terminal output.
  const say = (text: string) => context.io.stderr.write(terminalText(text));
  if (error instanceof CancelledError) {
    // The user's own choice, not an error.
    say(`${message}\n`);
  } else if (error instanceof UsageError) {
    say(`error: ${message}\n`);
  } else if (error instanceof StepError) {
    say(formatStepError(error, { rerun: context.command === 'setup' || context.command.startsWith('rotate') }));
  } else if (expected) {
    say(`error: ${message}\n`);
  } else {
    say(`unexpected error (please report it): ${error instanceof Error && error.stack ? error.stack : message}\n`);
  }
  return code;
}
