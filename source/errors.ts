/**
 * Typed errors (STYLE 6). An expected failure carries a message, the field or step it concerns
 * and what to do next; the CLI shows it without a stack. Messages never contain secrets.
 */

/** Bad input or usage: exit 2, and nothing was written or changed. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly exitCode = 2;
  constructor(
    message: string,
    readonly field?: string,
    readonly issues: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
  }
}

/** A server step or a file write failed: exit 1. */
export class StepError extends Error {
  override readonly name = 'StepError';
  readonly exitCode = 1;
  constructor(
    message: string,
    /** the step id (`bucket`, `user`, …) or `files` */
    readonly step: string,
    /** what the user can do about it, one sentence */
    readonly hint?: string,
  ) {
    super(message);
  }
}

/**
 * The user stopped a run while it applied (Ctrl-C): the steps already running finished, the rest
 * were not started. Not a failure of any step: exit 130, and running again continues.
 */
export class StoppedError extends StepError {
  readonly stoppedByUser = true;
}

/** An existing file cannot be parsed: the file is left as it was. */
export class FileParseError extends Error {
  override readonly name = 'FileParseError';
  constructor(
    message: string,
    readonly path: string,
  ) {
    super(message);
  }
}

/** The user cancelled (Ctrl-C, Esc at the first prompt): exit 130. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  readonly exitCode = 130;
  constructor(message = 'Cancelled; nothing was written.') {
    super(message);
  }
}
