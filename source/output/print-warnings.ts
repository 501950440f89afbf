/** Warnings on stderr, for runs without --json: each line through terminalText, as it may quote a server or a file. */
import { terminalText } from '../text/terminal-text';

export function printWarnings(warnings: readonly string[], out: NodeJS.WritableStream): void {
  for (const warning of warnings) out.write(terminalText(`warning: ${warning}\n`));
}
