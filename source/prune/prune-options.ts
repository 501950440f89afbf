/**
 * The flags of `prune`, checked before anything is read or asked (bad input: exit 2 naming the
 * flag and the rule, nothing changed).
 */
import { UsageError } from '../errors';

/** `--keep-days N`: a whole number of days, 0 or more; undefined when not given. */
export function parseKeepDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,5})$/.test(text.trim())) {
    throw new UsageError(`--keep-days ${JSON.stringify(text)}: give a whole number of days, 0 or more (0 keeps the pinned paths alone).`, '--keep-days');
  }
  return Number(text.trim());
}

const UNITS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--min-age`: `0`, or a whole number with a unit, `s`, `m`, `h` or `d` (`90m`, `1h`, `2d`), in ms [1h]. */
export function parseMinAge(text: string | undefined): number {
  if (text === undefined) return UNITS['h']!;
  const match = /^(0|[1-9][0-9]{0,6})([smhd])?$/.exec(text.trim());
  if (match === null || (match[1] !== '0' && match[2] === undefined)) {
    throw new UsageError(`--min-age ${JSON.stringify(text)}: give 0 or a whole number with a unit, s, m, h or d (e.g. 90m, 1h, 2d).`, '--min-age');
  }
  return Number(match[1]) * (match[2] === undefined ? 0 : UNITS[match[2]]!);
}

/** The keep-days to use: the flag, else the expiry answer, else 90. */
export function keepDaysOf(flag: number | undefined, expireDays: number | null): number {
  return flag ?? expireDays ?? 90;
}
