/**
 * The effects the core needs from the outside world (STYLE 5). The CLI entry builds the real ones
 * with `realEffects()`; tests pass a temp HOME, a fixed clock or seeded randomness.
 */
import { homedir } from 'node:os';

/** Web Crypto hands out at most this many bytes per call. */
const GET_RANDOM_VALUES_MAX = 65_536;

/**
 * Node's CSPRNG through the global Web Crypto object: importing node:crypto at start-up would load
 * the crypto module on every command (`--version` included); the global loads it on first use.
 */
function secureRandomBytes(length: number): Uint8Array {
  const bytes = new Uint8Array(length);
  for (let offset = 0; offset < length; offset += GET_RANDOM_VALUES_MAX) {
    globalThis.crypto.getRandomValues(bytes.subarray(offset, Math.min(length, offset + GET_RANDOM_VALUES_MAX)));
  }
  return bytes;
}

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
  /** waits `ms` (a retry's backoff, requests/request-rules.ts) [a real timer]; tests pass one that returns at once */
  sleep?(ms: number): Promise<void>;
}

export function realEffects(): Effects {
  return {
    env: process.env,
    cwd: process.cwd(),
    home: process.env['HOME'] ?? homedir(),
    now: () => new Date(),
    randomBytes: secureRandomBytes,
  };
}
