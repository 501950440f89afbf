/**
 * Steps are data (STYLE 3). Each server step of SPEC 5 has an id, a title, one sentence of why,
 * the equivalent manual command for its backend, a read-only check and an idempotent apply.
 * The UI, the plain prompts, `--yes`, `--dry-run` and `--json` all walk the same list.
 */
import { createKeyedLock, type KeyedLock } from './keyed-lock';
import { createReadCache, type ReadCache } from './read-cache';

export type StepId =
  | 'connect'
  | 'bucket'
  | 'user'
  | 'policy'
  | 'attach'
  | 'reader-user'
  | 'reader-policy'
  | 'reader-attach'
  | 'anonymous'
  | 'public-acls'
  | 'cache-info'
  | 'expiry';

/**
 * The order steps run in. The `reader-*` steps exist only for a private cache (`anonymous: "none"`):
 * the read-only user the machines substitute with, made the way the backend makes the builder.
 */
export const STEP_ORDER: readonly StepId[] = [
  'connect',
  'bucket',
  'user',
  'policy',
  'attach',
  'reader-user',
  'reader-policy',
  'reader-attach',
  'anonymous',
  'public-acls',
  'cache-info',
  'expiry',
];

/** What a step shares with the other steps of the same run (one walk of runSteps). */
export interface StepRun {
  /** every read of this run, once each, kept true by our own writes */
  readonly reads: ReadCache;
  /** runs `work` when no other work of this run under the same key is running (writes a server cannot take together) */
  readonly exclusive: KeyedLock;
}

/** A run of its own, for a step checked or applied alone. */
export function newStepRun(): StepRun {
  return { reads: createReadCache(), exclusive: createKeyedLock() };
}

/** What a read-only check found. `detail` says why, in plain words, never with a secret. */
export type CheckResult =
  | { readonly status: 'done'; readonly detail: string }
  /** `removes`: what the change takes away that is there now (expiry rules, anonymous access), said as a removal in the review */
  | { readonly status: 'todo'; readonly detail: string; readonly removes?: string }
  | { readonly status: 'conflict'; readonly detail: string };

/** A step's state in a report (SPEC 7). */
export type StepStatus = 'done' | 'changed' | 'todo' | 'conflict' | 'skipped' | 'failed';

export interface StepReport {
  readonly id: StepId;
  readonly status: StepStatus;
  readonly detail: string;
  /** a `todo` that takes something away (SPEC 8): what it removes, in a few words */
  readonly removes?: string;
}

export interface ServerStep {
  readonly id: StepId;
  readonly title: string;
  /** one sentence: why the step exists */
  readonly why: string;
  /** the equivalent manual command(s), secrets shown as placeholders like `$BUILDER_SECRET` */
  readonly command: string;
  /**
   * The steps whose apply must have finished before this one's starts: what its change needs (the
   * bucket before the documents in it, the user before a policy naming it) and any other writer of
   * the same document (one read-merge-write at a time). Steps not in the plan are ignored; steps
   * without an order between them are applied at the same time.
   */
  readonly after?: readonly StepId[];
  /** read-only: sends no request that changes anything. `run` shares reads with the other steps (default: a run of its own) */
  check(run?: StepRun): Promise<CheckResult>;
  /**
   * Makes the step done; idempotent. Called only after `check()` said `todo`, in the same run.
   * Returns a short description of what changed. Throws `StepError` (with this step's id) on failure.
   */
  apply(run?: StepRun): Promise<string>;
}

/**
 * A `todo` check that replaces settings someone else made (SPEC 5, "Settings that contradict the
 * answers") says so first, with the reason: `replace: …`. The review and `--dry-run` show it as a
 * replacement, not a plain "to do".
 */
const REPLACE_PREFIX = 'replace: ';

export function replaceDetail(what: string): string {
  return `${REPLACE_PREFIX}${what}`;
}

export function isReplacement(report: { readonly status: StepStatus; readonly detail: string }): boolean {
  return report.status === 'todo' && report.detail.startsWith(REPLACE_PREFIX);
}
