/**
 * The flags of `doctor --deep [--sample N] --repair [--min-age AGE]`, checked before anything is
 * read (bad input: exit 2 naming the flag and the rule, nothing changed), and where the repair's
 * report file goes.
 */
import { join } from 'node:path';
import type { Effects } from '../effects';
import { UsageError } from '../errors';
import { DAY_MS, parseMinAge } from '../inventory/min-age';
import { setupFileStem, stateDirPath, type SetupIdentity } from '../state/state-dir';

/** `doctor`'s own flags, as typed. */
export interface DoctorFlags {
  readonly deep: boolean;
  readonly sample: string | undefined;
  readonly repair: boolean;
  readonly minAge: string | undefined;
}

export interface DoctorSettings {
  /** download and check NARs */
  readonly deep: boolean;
  /** check N NARs drawn at random; undefined: all */
  readonly sample?: number;
  readonly repair: boolean;
  /** orphans and uploads younger than this are left alone, in ms */
  readonly minAgeMs: number;
}

/** Nix uploads a NAR before its narinfo: a day is far past any upload in flight. */
const DEFAULT_MIN_AGE_MS = DAY_MS;


export function doctorSettings(flags: DoctorFlags | undefined): DoctorSettings {
  const given = flags ?? { deep: false, sample: undefined, repair: false, minAge: undefined };
  let sample: number | undefined;
  if (given.sample !== undefined) {
    if (!/^[1-9][0-9]{0,8}$/.test(given.sample.trim())) throw new UsageError(`--sample ${JSON.stringify(given.sample)}: give how many NARs to check, a whole number from 1.`, '--sample');
    sample = Number(given.sample.trim());
  }
  if (given.minAge !== undefined && !given.repair) throw new UsageError('--min-age says which objects --repair may delete: give it with --repair.', '--min-age');
  return { deep: given.deep || sample !== undefined, ...(sample !== undefined ? { sample } : {}), repair: given.repair, minAgeMs: parseMinAge(given.minAge, DEFAULT_MIN_AGE_MS) };
}

/** The repair's report file: in the state folder, one per run (`doctor-repairs/<setup>-<time>.jsonl`). */
export function repairReportPath(setup: SetupIdentity, effects: Pick<Effects, 'env' | 'home' | 'now'>): string {
  const stamp = effects.now().toISOString().replace(/[:.]/g, '-');
  return join(stateDirPath(effects), 'doctor-repairs', `${setupFileStem(setup)}-${stamp}.jsonl`);
}
