/**
 * A shell command cut into rows that still paste as one command: rows are broken only between
 * words (quotes respected) and every row but the last ends in ` \`, the shell's line continuation.
 * Only a single word wider than a row is cut inside (it would not paste whole anyway).
 */
import { wrapLine } from './wrap-line';

/** Splits at spaces outside single or double quotes (and `$'…'`, where a backslash escapes a quote). */
function shellWords(command: string): string[] {
  const words: string[] = [];
  let current = '';
  let quote: string | undefined;
  let escapes = false;
  let escaped = false;
  for (const ch of command) {
    if (quote) {
      current += ch;
      if (escaped) escaped = false;
      else if (escapes && ch === '\\') escaped = true;
      else if (ch === quote) quote = undefined;
    } else if (ch === "'" || ch === '"') {
      // quoteForShell writes `$'…'` for words with control characters; inside it `\'` is a quote.
      escapes = ch === "'" ? current.endsWith('$') : true;
      quote = ch;
      current += ch;
    } else if (ch === ' ') {
      if (current) words.push(current);
      current = '';
    } else {
      current += ch;
    }
  }
  if (current) words.push(current);
  return words;
}

/**
 * `command` as rows of at most `width`, the first starting with `prefix`, the others with
 * `indent`. Fits in one row when it can.
 */
export function wrapCommand(command: string, width: number, prefix = '', indent = '  '): string[] {
  if ((prefix + command).length <= width) return [prefix + command];
  const rows: string[] = [];
  let row = prefix;
  let empty = true;
  for (const word of shellWords(command)) {
    const candidate = empty ? row + word : `${row} ${word}`;
    // Room for the trailing " \" on every row that is not the last.
    if (empty || candidate.length + 2 <= width) {
      row = candidate;
      empty = false;
      continue;
    }
    rows.push(`${row} \\`);
    row = indent + word;
  }
  rows.push(row);
  // A word too wide for any row is cut; it no longer pastes, but it is readable and fits.
  return rows.flatMap((r) => {
    if (r.length <= width) return [r];
    const parts: string[] = [];
    for (let i = 0; i < r.length; i += width) parts.push(r.slice(i, i + width));
    return parts;
  });
}

/**
 * The rows of a (possibly multi-line) command as shown to be pasted: each command's first line
 * after `prompt`, its other rows after `indent`. A line continuing the one before it (that line
 * ends in `\`) is part of the same command and gets no prompt: a `$` there would break the
 * continuation when the rows are pasted.
 */
export function commandRows(command: string, width: number, prompt: string, indent: string): string[] {
  const rows: string[] = [];
  let continued = false;
  // A comment (what to edit, a JSON document to put in a file) is text, not a command: no `$`,
  // no ` \` continuations inside its JSON, its rows kept under the `#` and as indented as written.
  const pad = ' '.repeat(prompt.length);
  for (const line of command.split('\n')) {
    if (!continued && line.trimStart().startsWith('#')) {
      const body = line.trimStart();
      const inner = /^#\s*/.exec(body)?.[0] ?? '# ';
      rows.push(...wrapLine(pad + body, width, `${pad}${inner.length > 2 ? inner : '#   '}`));
      continue;
    }
    rows.push(...wrapCommand(continued ? line.trimStart() : line, width, continued ? indent : prompt, indent));
    continued = line.trimEnd().endsWith('\\');
  }
  return rows;
}
