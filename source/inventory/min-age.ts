/**
 * `--min-age` of `doctor --repair` and `prune`: objects younger than this are never deleted, since
 * Nix uploads a NAR before its narinfo and a young object may be an upload in flight
 * (notes/cache-contents.md). One parser for both commands, each with its own default.
 */
import { UsageError } from '../errors';

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export const HOUR_MS = UNITS['h']!;
export const DAY_MS = UNITS['d']!;

/** `0`, or a whole number with a unit, `s`, `m`, `h` or `d` (`90m`, `1h`, `2d`), in ms; `fallback` when not given. */
export function parseMinAge(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const match = /^(0|[1-9][0-9]{0,6})([smhd])?$/.exec(text.trim());
  if (match === null || (match[1] !== '0' && match[2] === undefined)) {
    throw new UsageError(`--min-age ${JSON.stringify(text)}: give 0 or a whole number with a unit, s, m, h or d (e.g. 90m, 1h, 2d).`, '--min-age');
  }
  return Number(match[1]) * (match[2] === undefined ? 0 : UNITS[match[2]]!);
}
