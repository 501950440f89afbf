/**
 * Editing a line of text, as a pure function of the keys Ink reports. The wizard does not use
 * ink-text-input: it mounts its own `useInput`, and the wizard keeps exactly one active at a time
 * (STYLE 4), so each screen's key hook calls this instead.
 */
import type { TextDraft } from '../../source/wizard/text-draft';

export { textDraft, type TextDraft } from '../../source/wizard/text-draft';

/** The keys of Ink's `useInput` that editing looks at. */
export interface EditKey {
  readonly leftArrow?: boolean;
  readonly rightArrow?: boolean;
  readonly backspace?: boolean;
  readonly delete?: boolean;
  readonly home?: boolean;
  readonly end?: boolean;
  readonly ctrl?: boolean;
  readonly meta?: boolean;
  readonly return?: boolean;
  readonly escape?: boolean;
  readonly tab?: boolean;
  readonly upArrow?: boolean;
  readonly downArrow?: boolean;
  readonly pageUp?: boolean;
  readonly pageDown?: boolean;
}

/**
 * The draft after a key, or the same object when the key is not an edit (Enter, Esc, arrows up
 * and down are the screen's). Pasted text arrives as one `input` of several characters; line
 * breaks in it are dropped because every answer is one line.
 */
export function editText(draft: TextDraft, input: string, key: EditKey): TextDraft {
  const { text, cursor } = draft;
  if (key.return || key.escape || key.tab || key.upArrow || key.downArrow || key.pageUp || key.pageDown) return draft;
  if (key.leftArrow) return { text, cursor: Math.max(0, cursor - 1) };
  if (key.rightArrow) return { text, cursor: Math.min(text.length, cursor + 1) };
  if (key.home || (key.ctrl && input === 'a')) return { text, cursor: 0 };
  if (key.end || (key.ctrl && input === 'e')) return { text, cursor: text.length };
  if (key.ctrl && input === 'u') return { text: text.slice(cursor), cursor: 0 };
  // Terminals send DEL (0x7f) for the Backspace key, which Ink reports as `delete`: both erase backwards.
  if (key.backspace || key.delete) {
    if (cursor === 0) return draft;
    return { text: text.slice(0, cursor - 1) + text.slice(cursor), cursor: cursor - 1 };
  }
  if (key.ctrl || key.meta) return draft;
  const typed = input.replace(/[\r\n]/g, '');
  // Other control characters are never part of an answer.
  // eslint-disable-next-line no-control-regex
  const printable = typed.replace(/[\u0000-\u001f\u007f]/g, '');
  if (printable === '') return draft;
  return { text: text.slice(0, cursor) + printable + text.slice(cursor), cursor: cursor + printable.length };
}
