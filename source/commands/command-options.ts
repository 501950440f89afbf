import type { DoctorFlags } from '../doctor/repair-options';

/** The flags of SPEC 1, after parsing; every command reads the ones it has. */
export interface CommandOptions {
  readonly answers: string | undefined;
  readonly yes: boolean;
  readonly dryRun: boolean;
  readonly out: string | undefined;
  readonly json: boolean;
  readonly plain: boolean;
  readonly showSecrets: boolean;
  /** `rotate key --drop-old`: trust only the current key from now on */
  readonly dropOld: boolean;
  /** `rotate key --drop-old --force`: even while narinfos signed only by an old key remain */
  readonly force: boolean;
  /** `rotate credentials --reader`: the reader's secret (private cache) instead of the builder's */
  readonly reader: boolean;
  /**
   * Confirm first even a change the command makes without asking when typed (`rotate key`): a menu
   * entry is one Enter away from a run, so what it will do is shown and asked first @default false
   */
  readonly confirm?: boolean;
  /** `doctor --deep --sample N --repair --min-age AGE`, as typed (absent for the other commands) */
  readonly doctor?: DoctorFlags;
  /** `prune`'s own flags (absent for the other commands) */
  readonly prune?: PruneFlags;
}

/** `prune --keep-days N --min-age AGE --pin FILE… --apply`, as typed (checked by the command). */
export interface PruneFlags {
  readonly keepDays: string | undefined;
  readonly minAge: string | undefined;
  readonly pins: readonly string[] | undefined;
  readonly apply: boolean;
}
