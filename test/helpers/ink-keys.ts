/**
 * Typing into an Ink app under ink-testing-library, and waiting for the screen to answer instead
 * of sleeping (STYLE 9): write a key, then poll the last frame until it changes or shows what the
 * test waits for, with a timeout that fails the test with the frame it was stuck on.
 */
import { waitUntil } from './wait-until';

export const KEYS = {
  enter: '\r',
  escape: '\u001B',
  ctrlC: '\u0003',
  up: '\u001B[A',
  down: '\u001B[B',
  pageUp: '\u001B[5~',
  pageDown: '\u001B[6~',
  backspace: '\u007F',
} as const;

export interface InkHandle {
  readonly stdin: { write(data: string): void };
  readonly lastFrame: () => string | undefined;
}

export interface WaitOptions {
  /** @default 3000 */
  readonly timeoutMs?: number;
}

/** Waits until `predicate(lastFrame)` holds; throws with `what` and the last frame after the timeout. */
export function waitForFrame(handle: InkHandle, predicate: (frame: string) => boolean, options: WaitOptions = {}, what = 'the frame to change'): Promise<string> {
  return waitUntil(() => handle.lastFrame() ?? '', { what, until: predicate, deadline: options.timeoutMs ?? 3000, pollMs: 2 });
}

/** Waits until the frame contains `text`. */
export function waitForText(handle: InkHandle, text: string, options?: WaitOptions): Promise<string> {
  return waitForFrame(handle, (frame) => frame.includes(text), options, `a frame showing ${JSON.stringify(text)}`);
}

/**
 * Writes `key` and waits until the frame is different from before the key (or, with `until`,
 * until it contains that text). Returns the new frame.
 */
export async function press(handle: InkHandle, key: string, until?: string, options?: WaitOptions): Promise<string> {
  const before = handle.lastFrame() ?? '';
  handle.stdin.write(key);
  return until === undefined ? waitForFrame(handle, (frame) => frame !== before, options) : waitForText(handle, until, options);
}

/** Types text one character at a time, as a person would, waiting for each to show. */
export async function type(handle: InkHandle, text: string): Promise<string> {
  let frame = handle.lastFrame() ?? '';
  for (const ch of text) frame = await press(handle, ch);
  return frame;
}

/** The widest line of a frame, in characters (the wizard's own text is one column per character). */
export function widestLine(frame: string): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(0, ...frame.split('\n').map((line) => [...line.replace(/\u001B\[[0-9;]*m/g, '')].length));
}
