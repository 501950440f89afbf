/**
 * Ctrl-C. Ink runs with `exitOnCtrlC: false` so the wizard decides what it means (cancel with
 * nothing written); Ink then reports it as the input "c" with `ctrl` set.
 */
export function isCancelKey(input: string, key: { readonly ctrl?: boolean }): boolean {
  return (key.ctrl === true && input === 'c') || input === '\u0003';
}
