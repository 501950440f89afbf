/**
 * The one way a test waits for something (issue 17 item 7): read a value again and again until it
 * is what the test expects, or fail at a deadline naming what was awaited and the last value
 * seen. Never a sleep of a guessed length: a slow machine only makes the wait longer, and a state
 * that never comes fails with what was there instead.
 */

export interface WaitUntilOptions<T> {
  /** what is awaited, for the failure: "the screen \"Region\"", "the held request" */
  readonly what: string;
  /** how long to wait at most, in milliseconds from the call (default 10 s) */
  readonly deadline?: number;
  /** when `read`'s value is what the test waits for (default: a truthy value) */
  readonly until?: (value: T) => boolean;
  /** between two reads, in milliseconds (default 5) */
  readonly pollMs?: number;
}

/** Thrown at the deadline: names what was awaited and keeps the last value seen. */
export class WaitTimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly lastSeen: unknown,
    deadline: number,
  ) {
    super(`timed out after ${deadline} ms waiting for ${what}; last seen:\n${describe(lastSeen)}`);
    this.name = 'WaitTimeoutError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Reads `read()` until `until(value)` holds (or, without `until`, until the value is truthy) and
 * returns that value. An error thrown by `read` ends the wait with that error: a probe that can
 * fail on the way (a server not up yet) catches and returns what it saw.
 */
export async function waitUntil<T>(read: () => T | Promise<T>, options: WaitUntilOptions<T>): Promise<T> {
  const deadline = options.deadline ?? 10_000;
  const until = options.until ?? ((value: T) => Boolean(value));
  const pollMs = options.pollMs ?? 5;
  const end = Date.now() + deadline;
  for (;;) {
    const value = await read();
    if (until(value)) return value;
    if (Date.now() >= end) throw new WaitTimeoutError(options.what, value, deadline);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
