/**
 * The current step's panel: its title, why it exists (pre-wrapped to the panel's width so the
 * screens below know how many rows are left), then the question, then the keys it answers to.
 */
import { Box } from 'ink';
import type { ReactNode } from 'react';
import { KeyHints, type KeyHint } from '../key-hints/key-hints';
import { wrapLine } from '../layout/wrap-line';

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
    <Box flexDirection="column" width={width}>
      <Tinted tone="title">{title}</Tinted>
      {wrapLine(why, width).map((row, index) => (
        <Tinted key={index} tone="muted">
          {row}
        </Tinted>
      ))}
      <Box marginTop={1} flexDirection="column" width={width}>
        {children}
      </Box>
      <Box marginTop={1}>
        <KeyHints hints={hints} width={width} />
      </Box>
    </Box>
  );
}
