/** The end screen's content as rows: the files written, the next commands, then each step's result. */
import type { ApplyResult } from '../../source/session/setup-session';
import { wrapCommand } from '../../source/text/wrap-command';
import { terminalText } from '../../source/text/terminal-text';
import { wrapLine } from '../../source/text/wrap-line';
import { maxScroll, type ScreenLine } from '../layout/scroll-window';
import { actionLook, statusLook } from '../review-step/review-lines';
import type { Tone } from '../theme/tone';

export function endLines(result: ApplyResult, width: number): ScreenLine[] {
  const rows: ScreenLine[] = [];
  // Escaped before wrapping (Tinted would escape it anyway), so that the rows are cut at their shown width.
  const add = (text: string, tone: Tone, indent = '') => {
    for (const row of wrapLine(terminalText(text), width, indent)) rows.push({ text: row, tone });
  };
  add('Files', 'title');
  for (const file of result.files) {
    const look = actionLook(file.action);
    add(`  ${file.action.padEnd(9)} ${file.path}`, look.tone, '            ');
  }
  rows.push({ text: '', tone: 'plain' });
  add('Next, ready to paste', 'title');
  for (const command of result.next) {
    if (command.startsWith('#')) add(command, 'muted', '  ');
    // Wrapped with a trailing backslash, so a command copied from the screen still pastes as one.
    else for (const row of wrapCommand(command, width, '  ', '    ')) rows.push({ text: row, tone: 'accent' });
  }
  rows.push({ text: '', tone: 'plain' });
  const changed = result.steps.filter((s) => s.status === 'changed').length;
  add(`Server: ${changed} step(s) changed, ${result.steps.length - changed} already as wanted.`, 'plain');
  for (const step of result.steps) {
    const look = statusLook(step.status);
    add(`  ${look.mark} ${step.id}: ${step.detail}`, look.tone, '      ');
  }
  return rows;
}

/** The end screen's rows and how they scroll in `width` × `height` (a title and a hint row around them). */
export function endViewport(result: ApplyResult | undefined, width: number, height: number) {
  const lines = result && !result.error ? endLines(result, width) : [];
  const page = Math.max(3, height - 4);
  return { lines, page, max: maxScroll(lines.length, page) };
}
