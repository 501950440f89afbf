/**
 * Pinned paths (issue 19): store paths kept whatever their age, one a line, as `nix path-info -r`
 * prints the closure of a system you deploy. Empty lines and `#` comments are allowed; anything
 * else that is not a store path is bad input (exit 2) naming the file and the line, so a typo never
 * silently unpins a deployed system.
 */
import { UsageError } from '../errors';

/** Nix's base-32 alphabet: digits and lowercase letters without e, o, t, u. */
const STORE_PATH = /^\/(?:[^/\s]+\/)*([0-9a-df-np-sv-z]{32})-[A-Za-z0-9+\-._?=]+$/;

/** The hash parts of the store paths listed in `text` (from `file`, for the message), in order, duplicates dropped. */
export function parsePins(text: string, file: string): string[] {
  const hashes = new Set<string>();
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = STORE_PATH.exec(line);
    if (match === null) {
      const shown = line.length > 80 ? `${line.slice(0, 80)}…` : line;
      throw new UsageError(
        `--pin ${file}, line ${index + 1}: ${JSON.stringify(shown)} is not a store path (/nix/store/<32 base-32 characters>-<name>, one a line, as \`nix path-info -r\` prints them).`,
        '--pin',
      );
    }
    hashes.add(match[1]!);
  }
  return [...hashes];
}
