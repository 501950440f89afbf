/** The keys the current screen answers to, on one line, cut to the panel's width. */
import { Box } from 'ink';
import { Tinted } from '../theme/theme';

export interface KeyHint {
  /** the key as written on the keyboard: "Enter", "Esc", "r"; empty for a note with no key */
  readonly key: string;
  /** what it does, in two or three words */
  readonly action: string;
}

export interface KeyHintsProps {
  readonly hints: readonly KeyHint[];
  readonly width: number;
}

export function KeyHints({ hints, width }: KeyHintsProps) {
  return (
    <Box width={width}>
      <Tinted tone="muted">{hints.map((h) => (h.key ? `${h.key} ${h.action}` : h.action)).join(' · ')}</Tinted>
    </Box>
  );
}
