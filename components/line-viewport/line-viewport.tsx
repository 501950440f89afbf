/**
 * A window of `height` rows onto a longer list of pre-wrapped rows, for the screens that scroll
 * (review, the end screen). Always exactly `height` rows tall so the layout does not jump.
 */
import { Box } from 'ink';
import { Tinted, type Tone } from '../theme/theme';

export interface ScreenLine {
  readonly text: string;
  readonly tone: Tone;
}

export interface LineViewportProps {
  readonly lines: readonly ScreenLine[];
  /** the first row shown */
  readonly scroll: number;
  readonly height: number;
  readonly width: number;
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

export function LineViewport({ lines, scroll, height, width }: LineViewportProps) {
  const shown = lines.slice(scroll, scroll + height);
  return (
    <Box flexDirection="column" width={width} height={height}>
      {shown.map((line, index) => (
        <Box key={scroll + index} width={width}>
          <Tinted tone={line.tone}>{line.text === '' ? ' ' : line.text}</Tinted>
        </Box>
      ))}
    </Box>
  );
}
