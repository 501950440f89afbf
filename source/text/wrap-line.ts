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

/**
 * At most `max` rows; when cut, the last row kept ends in `…`. For messages from elsewhere (a
 * server's error) on screens that do not scroll, so the screen never grows past the terminal.
 */
export function clampRows(rows: readonly string[], max: number): string[] {
  if (rows.length <= max) return [...rows];
  const kept = rows.slice(0, Math.max(1, max));
  const last = kept[kept.length - 1] ?? '';
  kept[kept.length - 1] = `${last.replace(/.$/, '')}…`;
  return kept;
}
