/**
 * Text from elsewhere (a server's error, a file name, an answer echoed back) shown on the
 * terminal or in a comment: its control characters written visibly instead of acted on, so ESC
 * sequences cannot recolour or retitle the terminal, a CR cannot overwrite the line with a fake
 * `✔ done`, and a newline cannot end a comment line. The one function every place that prints
 * such text calls (STYLE 12); --json needs none (JSON escapes controls itself).
 */

// C0 controls, DEL, C1 controls (a terminal reads U+009B as CSI), and the Unicode format
// characters that move or reorder the text around them (line/paragraph separators, bidi
// embeddings, overrides and isolates).
// eslint-disable-next-line no-control-regex
export const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL = new RegExp(CONTROL_CHARACTER.source, 'g');
const NAMED: Readonly<Record<string, string>> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\u001b': '\\e' };

function visible(ch: string): string {
  const code = ch.codePointAt(0)!;
  return NAMED[ch] ?? (code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`);
}

/** `text` with every control character written visibly (`\n`, `\r`, `\t`, `\e`, `\xHH`, `\uHHHH`): one line. */
export function oneLineText(text: string): string {
  return text.replace(CONTROL, visible);
}

/**
 * `text` safe to write to a terminal: line breaks (`\n`, and `\r\n` as one) and tabs kept, every
 * other control character written visibly.
 */
export function terminalText(text: string): string {
  return text.replace(/\r\n/g, '\n').replace(CONTROL, (ch) => (ch === '\n' || ch === '\t' ? ch : visible(ch)));
}
