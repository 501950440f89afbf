/**
 * A step whose server state is a document other people may also write into: the bucket policy,
 * the lifecycle configuration. `inspect` reads the document and merges ours into it; apply
 * inspects again (the merge must start from what is there now: the run's read, or a new one when
 * our own writes changed the document since, such as another step's merge into the same policy),
 * writes the merge, then inspects once more. That last read asks the server only where it may
 * keep something other than what we sent (s3-documents.ts); elsewhere the run remembers what we
 * wrote and the inspect just confirms our merge holds what we want.
 *
 * When the merge replaces settings someone else made that contradict the answers (SPEC 5), the
 * check says so ("replace: …", with the reason) and apply first saves the whole document as the
 * run read it (the same read the merge starts from) to a local backup file, named in the step's
 * result; without a backup nothing is written.
 */
import { StepError } from '../../errors';
import type { SaveBackup } from '../../files/save-server-backup';
import { newStepRun, type CheckResult, type ServerStep, type StepId, type StepRun } from '../../steps/server-step';

/**
 * A check's result and, when it is `todo` on an existing bucket, the merged document to write;
 * `previous` is the whole document as it is now when the change replaces someone else's settings.
 */
export type Inspection<Change> = CheckResult & { readonly change?: Change; readonly previous?: string };

export interface MergingStepSpec<Change> {
  readonly id: StepId;
  readonly title: string;
  readonly why: string;
  readonly command: string;
  readonly bucket: string;
  /** what the document is, for errors: "the bucket policy of nix-cache" */
  readonly document: string;
  /** the steps whose apply must finish first (ServerStep.after) */
  readonly after?: readonly StepId[];
  /** read-only: reads the document (through the run's reads) and merges ours into it */
  inspect(run: StepRun): Promise<Inspection<Change>>;
  /** writes the merged document; returns what changed, in a few words */
  write(change: Change, run: StepRun): Promise<string>;
  /** the backup's file name before its time stamp, e.g. `nix-cache.bucket-policy.json` */
  readonly backupName: string;
  /** saves a backup before someone else's settings are replaced; without it they are not replaced */
  readonly saveBackup: SaveBackup | undefined;
}

async function saveBackup<Change>(spec: MergingStepSpec<Change>, previous: string): Promise<string> {
  const hint = 'Run setup again from a folder you can write to (or with --out DIR).';
  if (spec.saveBackup === undefined) {
    throw new StepError(`Replacing settings in ${spec.document} needs a local backup of it first, and this run has no place to save one; nothing was changed.`, spec.id, hint);
  }
  try {
    return await spec.saveBackup(spec.backupName, previous);
  } catch (error) {
    const why = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    throw new StepError(`Could not save ${spec.document} to a local backup file (${why}); nothing was changed.`, spec.id, hint);
  }
}

export function mergingStep<Change>(spec: MergingStepSpec<Change>): ServerStep {
  return {
    id: spec.id,
    title: spec.title,
    why: spec.why,
    command: spec.command,
    ...(spec.after ? { after: spec.after } : {}),
    async check(run = newStepRun()) {
      const result = await spec.inspect(run);
      const { status, detail } = result;
      const removes = result.status === 'todo' ? result.removes : undefined;
      return (removes ? { status, detail, removes } : { status, detail }) as CheckResult;
    },
    async apply(run = newStepRun()) {
      const before = await spec.inspect(run);
      if (before.status === 'done') return before.detail;
      if (before.status === 'conflict') throw new StepError(before.detail, spec.id);
      if (before.change === undefined) throw new StepError(`Bucket ${spec.bucket} does not exist.`, spec.id, 'Run setup again so the bucket step creates it.');
      const backup = before.previous === undefined ? undefined : await saveBackup(spec, before.previous);
      const changed = await spec.write(before.change, run);
      const after = await spec.inspect(run);
      if (after.status !== 'done') {
        throw new StepError(`The server accepted ${spec.document} but does not hold it: ${after.detail}.`, spec.id, `Look at ${spec.document} by hand (see the step's command).`);
      }
      return backup === undefined ? changed : `${changed}; ${spec.document} as it was before is saved in ${backup}`;
    },
  };
}
