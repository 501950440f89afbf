/**
 * One line of typed text with a cursor. A secret shows `*` per character. When the text is wider
 * than the field, the part around the cursor is shown. Without colour (NO_COLOR) the cursor is a
 * `_` instead of an inverted character.
 */
import { Box } from 'ink';
import { Tinted, useColors } from '../theme/theme';
import type { TextDraft } from './edit-text';

export interface TextFieldProps {
  readonly draft: TextDraft;
  readonly width: number;
  /** show `*` for each character @default false */
  readonly secret?: boolean;
  /** shown dimmed while the field is empty */
  readonly placeholder?: string;
}

export function TextField({ draft, width, secret = false, placeholder }: TextFieldProps) {
  const colors = useColors();
  const shown = secret ? '*'.repeat(draft.text.length) : draft.text;
  const room = Math.max(4, width - 3);
  const start = Math.max(0, draft.cursor - room + 1);
  const visible = shown.slice(start, start + room);
  const at = draft.cursor - start;
  const before = visible.slice(0, at);
  const under = visible[at] ?? ' ';
  const after = visible.slice(at + 1);
  return (
    <Box width={width}>
      <Tinted tone="accent">{'› '}</Tinted>
      <Tinted>{before}</Tinted>
      {colors ? <Tinted tone="cursor">{under}</Tinted> : <Tinted>{under === ' ' ? '_' : under}</Tinted>}
      <Tinted>{after}</Tinted>
      {draft.text === '' && placeholder ? <Tinted tone="muted">{placeholder}</Tinted> : null}
    </Box>
  );
}
