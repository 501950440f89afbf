/**
 * The effects the core needs from the outside world (STYLE 5). The CLI entry builds the real ones
 * with `realEffects()`; tests pass a temp HOME, a fixed clock or seeded randomness.
 */
import { randomBytes as nodeRandomBytes } from 'node:crypto';
import { homedir } from 'node:os';

export interface Effects {
  /** environment variables (read only) */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** the working directory relative paths are resolved against */
  readonly cwd: string;
  /** `$HOME`, what `~` means */
  readonly home: string;
  /** the clock, for backup file names */
  now(): Date;
  /** cryptographically secure random bytes */
  randomBytes(length: number): Uint8Array;
}

export function realEffects(): Effects {
  return {
    env: process.env,
    cwd: process.cwd(),
    home: process.env['HOME'] ?? homedir(),
    now: () => new Date(),
    randomBytes: (length) => new Uint8Array(nodeRandomBytes(length)),
  };
}
