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
  /**
   * Only how long a screen that never comes is waited for: a passing test never waits it out, and
   * a shared, loaded machine can take seconds for a first frame. @default 10000
   */
  readonly timeoutMs?: number;
}

/** Waits until `predicate(lastFrame)` holds; throws with `what` and the last frame after the timeout. */
export function waitForFrame(handle: InkHandle, predicate: (frame: string) => boolean, options: WaitOptions = {}, what = 'the frame to change'): Promise<string> {
  return waitUntil(() => handle.lastFrame() ?? '', { what, until: predicate, deadline: options.timeoutMs ?? 10_000, pollMs: 2 });
}

/** Waits until the frame contains `text`. */
export function waitForText(handle: InkHandle, text: string, options?: WaitOptions): Promise<string> {
  return waitForFrame(handle, (frame) => frame.includes(text), options, `a frame showing ${JSON.stringify(text)}`);
}

/**
 * Writes `key` and waits until the frame shows what the key leads to: the text `until` (a
 * question, a heading, a selected choice) or a frame `until` accepts. Without `until` it waits
 * only for the frame to change, which a screen that renders twice can pass unseen: name the
 * screen instead (issue 17); the form stays for keys whose only sign is a scroll.
 */
export async function press(handle: InkHandle, key: string, until?: string | ((frame: string) => boolean), options?: WaitOptions): Promise<string> {
  const before = handle.lastFrame() ?? '';
  handle.stdin.write(key);
  if (until === undefined) return waitForFrame(handle, (frame) => frame !== before, options);
  return typeof until === 'string' ? waitForText(handle, until, options) : waitForFrame(handle, until, options, 'a frame the test accepts');
}

/**
 * What the text field of the screen shows: the rest of the line after its `›` ('' when empty or
 * showing its placeholder, a `*` per character of a secret), or undefined when there is none.
 */
export function fieldText(frame: string): string | undefined {
  for (const line of frame.split('\n')) {
    const match = /(?:^|\s)›(?: (.*))?$/.exec(line);
    // an empty field shows the cursor (a space) before its dimmed placeholder: "›  https://…"
    if (match) return (match[1] ?? '').startsWith(' ') ? '' : (match[1] ?? '').trimEnd();
  }
  return undefined;
}

/** Ctrl-U, then waits until the field shows nothing. */
export async function clearField(handle: InkHandle): Promise<string> {
  handle.stdin.write('\u0015');
  return waitForFrame(handle, (frame) => fieldText(frame) === '', {}, 'the text field to be empty');
}

/**
 * Types text one character at a time, as a person would, waiting each time until the field shows
 * it (after what it held before; as `*`s in a secret field).
 */
export async function type(handle: InkHandle, text: string): Promise<string> {
  const prior = fieldText(handle.lastFrame() ?? '') ?? '';
  let frame = handle.lastFrame() ?? '';
  let typed = '';
  for (const ch of text) {
    typed += ch;
    const plain = `${prior}${typed}`.trimEnd();
    const masked = `${prior}${'*'.repeat(typed.length)}`;
    handle.stdin.write(ch);
    frame = await waitForFrame(handle, (shown) => [plain, masked].includes(fieldText(shown) ?? ''), {}, `the field to show ${JSON.stringify(plain)}`);
  }
  return frame;
}

/** The widest line of a frame, in characters (the wizard's own text is one column per character). */
export function widestLine(frame: string): number {
  // eslint-disable-next-line no-control-regex
  return Math.max(0, ...frame.split('\n').map((line) => [...line.replace(/\u001B\[[0-9;]*m/g, '')].length));
}
