/**
 * The flags of `prune`, checked before anything is read or asked (bad input: exit 2 naming the
 * flag and the rule, nothing changed).
 */
import { UsageError } from '../errors';
import { HOUR_MS, parseMinAge } from '../inventory/min-age';

/** `--keep-days N`: a whole number of days, 0 or more; undefined when not given. */
export function parseKeepDays(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,5})$/.test(text.trim())) {
    throw new UsageError(`--keep-days ${JSON.stringify(text)}: give a whole number of days, 0 or more (0 keeps the pinned paths alone).`, '--keep-days');
  }
  return Number(text.trim());
}

/** `--min-age` [1h]: objects younger than this are never deleted (inventory/min-age.ts). */
export function pruneMinAge(text: string | undefined): number {
  return parseMinAge(text, HOUR_MS);
}

/** The keep-days to use: the flag, else the expiry answer, else 90. */
export function keepDaysOf(flag: number | undefined, expireDays: number | null): number {
  return flag ?? expireDays ?? 90;
}
