/**
 * The current step's panel: its title, why it exists (pre-wrapped to the panel's width so the
 * screens below know how many rows are left), then the question, then the keys it answers to.
 */
import { Box } from 'ink';
import type { ReactNode } from 'react';
import { KeyHints, type KeyHint } from '../key-hints/key-hints';
import { wrapLine } from '../../source/text/wrap-line';

export { panelChromeRows } from '../layout/panel-rows';
import { Tinted } from '../theme/theme';

export interface StepPanelProps {
  readonly title: string;
  readonly why: string;
  readonly width: number;
  readonly hints: readonly KeyHint[];
  readonly children: ReactNode;
}

export function StepPanel({ title, why, width, hints, children }: StepPanelProps) {
  return (
    // flexShrink 0: a panel too tall for the screen is cut at the bottom (app.tsx), never squeezed,
    // which would draw rows over each other.
    <Box flexDirection="column" width={width} flexShrink={0}>
      <Tinted tone="title">{title}</Tinted>
      {wrapLine(why, width).map((row, index) => (
        <Tinted key={index} tone="muted">
          {row}
        </Tinted>
      ))}
      <Box marginTop={1} flexDirection="column" width={width} flexShrink={0}>
        {children}
      </Box>
      <Box marginTop={1}>
        <KeyHints hints={hints} width={width} />
      </Box>
    </Box>
  );
}
