const SAFE = /^[A-Za-z0-9_@%+=:,./~-]+$/;

/**
 * Quotes a word for a POSIX shell, only when it needs it (commands shown to the user are pasted).
 * A leading `~` stays bare only as `~/…`, where the shell's expansion to $HOME is what is meant.
 */
export function quoteForShell(word: string): string {
  if (SAFE.test(word) && (!word.startsWith('~') || word.startsWith('~/'))) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
