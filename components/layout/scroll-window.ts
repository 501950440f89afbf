/** Scrolling a list of pre-wrapped rows in a window of fixed height (review, end screen). */
import type { Tone } from '../theme/tone';

export interface ScreenLine {
  readonly text: string;
  readonly tone: Tone;
}

/** The largest useful scroll position. */
export function maxScroll(lineCount: number, height: number): number {
  return Math.max(0, lineCount - height);
}

/** "rows 1–16 of 40", or nothing when everything fits. */
export function scrollPosition(lineCount: number, scroll: number, height: number): string | undefined {
  if (lineCount <= height) return undefined;
  return `rows ${scroll + 1}–${Math.min(lineCount, scroll + height)} of ${lineCount}`;
}
