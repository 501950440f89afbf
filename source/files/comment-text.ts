/**
 * A value shown inside a `#` comment of a generated file (a file name, a CA path): kept on one
 * line, so a newline in it cannot end the comment and turn the rest into settings.
 */
export function commentText(value: string): string {
  // eslint-disable-next-line no-control-regex
  return value.replace(/[\u0000-\u001f\u007f]/g, '?');
}
