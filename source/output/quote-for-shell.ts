/** Quotes a word for a POSIX shell, only when it needs it (commands shown to the user are pasted). */
export function quoteForShell(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./~-]+$/.test(word) && !word.startsWith('~') && word !== '') return word;
  if (word.startsWith('~/') && /^[A-Za-z0-9_@%+=:,./~-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
