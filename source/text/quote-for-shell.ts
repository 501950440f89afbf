/**
 * The one way a value is printed into a shell command shown to the user (STYLE 12): the commands
 * are pasted, so a path or URL must reach the program as exactly one word whatever it holds.
 */
import { CONTROL_CHARACTER as CONTROL } from './terminal-text';

// Characters no shell gives a meaning to. `~` is not among them: after `=` or `:` in an assignment
// it expands; `=` may not lead a word (zsh expands `=cmd` to the command's path).
const SAFE = /^(?!=)[A-Za-z0-9_@%+=:,./-]+$/;

function singleQuoted(word: string): string {
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/**
 * A word holding control characters, as `$'…'` with escapes: inside '…' they would be printed as
 * they are (ESC and CR act on the terminal showing the command, a newline splits it over rows).
 * POSIX.1-2024 standardised `$'…'`; bash, zsh, ksh and busybox sh have long read it (dash, rarely an
 * interactive shell, does not yet). Every character is written as a byte escape the standard has.
 */
function dollarQuoted(word: string): string {
  const named: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  let out = '';
  for (const ch of word) {
    if (ch === '\\' || ch === "'") out += `\\${ch}`;
    else if (named[ch] !== undefined) out += named[ch];
    // Others as their UTF-8 bytes: POSIX's $'…' has \xHH but no \u.
    else if (CONTROL.test(ch)) out += [...Buffer.from(ch, 'utf8')].map((byte) => `\\x${byte.toString(16).padStart(2, '0')}`).join('');
    else out += ch;
  }
  return `$'${out}'`;
}

function quoted(word: string): string {
  return CONTROL.test(word) ? dollarQuoted(word) : singleQuoted(word);
}

/**
 * `word` as one shell word, quoted only when it needs it. A home path stays a home path: `~/x`
 * bare when nothing else in it needs quoting, otherwise `"$HOME"/'x y'` (a quoted `~` is not
 * expanded, and `"$HOME"` also works where the shell expands no tilde, such as after `--opt=`).
 * Any other leading `~` (`~user`) is quoted: it is not meant as anyone's home.
 */
export function quoteForShell(word: string): string {
  if (word === '~') return '"$HOME"';
  if (word.startsWith('~/')) {
    const rest = word.slice(2);
    if (rest === '' || SAFE.test(rest)) return word;
    return `"$HOME"/${quoted(rest)}`;
  }
  return SAFE.test(word) ? word : quoted(word);
}
