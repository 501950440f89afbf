/**
 * The one way a value goes into a `#` comment line (of a generated file, or of the printed next
 * steps): kept on one line with its control characters written visibly, so a newline or CR in a
 * file name cannot end the comment and turn the rest into settings or commands.
 */
import { oneLineText } from '../text/terminal-text';

export function commentText(value: string): string {
  return oneLineText(value);
}

/** A whole comment line, `# ` and `text` kept on that line. */
export function commentLine(text: string): string {
  return `# ${oneLineText(text)}`;
}
