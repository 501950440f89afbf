/**
 * A file's change as rows for the review screen: `+` added, `-` removed, unchanged rows as context,
 * long unchanged runs folded. Secrets are masked on both sides unless revealed (then the new
 * content is shown as it will be written; the old side stays masked, so a secret line shows as
 * changed).
 */
import { diffLines } from 'diff';
import type { FilePreview } from '../../source/session/setup-session';
import { wrapLine } from '../../source/text/wrap-line';
import type { ScreenLine } from '../layout/scroll-window';

/** Unchanged rows kept around a change; longer runs are folded into one row. */
const CONTEXT = 2;

/** Spaces a tab stands for in a preview: the terminal would jump to its own stops, past where the row was cut. */
const TAB_STOP = 4;

/**
 * Tabs as the spaces they show as (mc writes its config indented with tabs): counted as one
 * column, a tab would make a row wider on the terminal than it was wrapped for, and its end cut.
 */
function expandTabs(line: string): string {
  let out = '';
  for (const char of line) out += char === '\t' ? ' '.repeat(TAB_STOP - (out.length % TAB_STOP)) : char;
  return out;
}

function linesOf(value: string): string[] {
  const lines = value.split('\n').map(expandTabs);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

export function fileDiffLines(preview: FilePreview, revealed: boolean, width: number): ScreenLine[] {
  const after = revealed ? preview.afterRevealed : preview.after;
  const rows: ScreenLine[] = [];
  const push = (prefix: string, text: string, tone: ScreenLine['tone']) => {
    for (const row of wrapLine(`${prefix}${text}`, width, `${prefix[0] ?? ' '}   `)) rows.push({ text: row, tone });
  };
  const before = revealed ? preview.beforeRevealed : preview.before;
  const parts = diffLines(before ?? '', after);
  parts.forEach((part, index) => {
    const lines = linesOf(part.value);
    if (part.added) return lines.forEach((line) => push('  + ', line, 'added'));
    if (part.removed) return lines.forEach((line) => push('  - ', line, 'removed'));
    const first = index === 0;
    const last = index === parts.length - 1;
    const keepStart = first ? 0 : CONTEXT;
    const keepEnd = last ? 0 : CONTEXT;
    if (lines.length > keepStart + keepEnd + 1) {
      lines.slice(0, keepStart).forEach((line) => push('    ', line, 'muted'));
      rows.push({ text: `    ⋯ ${lines.length - keepStart - keepEnd} unchanged lines`, tone: 'muted' });
      lines.slice(lines.length - keepEnd).forEach((line) => push('    ', line, 'muted'));
    } else {
      lines.forEach((line) => push('    ', line, 'muted'));
    }
  });
  return rows;
}
