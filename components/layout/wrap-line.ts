/**
 * Wrapping done on purpose: screens that scroll (review, the end screen) must know how many rows
 * a text takes, so they cut it into rows themselves instead of leaving it to the terminal.
 * Widths count UTF-16 units, which is right for everything the wizard itself writes; a row that
 * still turns out wider (a wide character in a file's content) is truncated by Ink, not wrapped.
 */

/**
 * `text` cut into rows of at most `width`, at spaces where possible; continuation rows indented.
 * Line breaks in `text` start new rows (kept with their own indentation).
 */
export function wrapLine(text: string, width: number, indent = ''): string[] {
  if (text.includes('\n')) return text.split('\n').flatMap((line) => wrapOne(line, width, indent));
  return wrapOne(text, width, indent);
}

function wrapOne(text: string, width: number, indent: string): string[] {
  const rows: string[] = [];
  let rest = text;
  let prefix = '';
  const limit = Math.max(4, width);
  while ((prefix + rest).length > limit) {
    const room = limit - prefix.length;
    let cut = rest.lastIndexOf(' ', room);
    if (cut <= room / 3) cut = room;
    rows.push(prefix + rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).replace(/^ /, '');
    prefix = indent;
  }
  rows.push(prefix + rest);
  return rows;
}

/** `text` shortened to `width`, ending in `…` when cut. */
export function truncate(text: string, width: number): string {
  if (text.length <= width) return text;
  return width <= 1 ? text.slice(0, width) : `${text.slice(0, width - 1)}…`;
}
