/**
 * A window of `height` rows onto a longer list of pre-wrapped rows, for the screens that scroll
 * (review, the end screen). Always exactly `height` rows tall so the layout does not jump.
 */
import { Box } from 'ink';
import type { ScreenLine } from '../layout/scroll-window';
import { Tinted } from '../theme/theme';

export { maxScroll, scrollPosition, type ScreenLine } from '../layout/scroll-window';

export interface LineViewportProps {
  readonly lines: readonly ScreenLine[];
  /** the first row shown */
  readonly scroll: number;
  readonly height: number;
  readonly width: number;
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
