/**
 * A step whose server state is a document other people may also write into: the bucket policy,
 * the lifecycle configuration. `inspect` reads the document and merges ours into it; apply
 * inspects again (the merge must start from what is there now, not from an earlier check),
 * writes the merge, then reads it back, because some servers accept a write they do not keep
 * (RGW answers 200 to DELETE ?policy; notes/s3-policies-and-lifecycle.md).
 */
import { StepError } from '../../errors';
import type { CheckResult, ServerStep, StepId } from '../../plan/server-step';

/** A check's result and, when it is `todo` on an existing bucket, the merged document to write. */
export type Inspection<Change> = CheckResult & { readonly change?: Change };

export interface MergingStepSpec<Change> {
  readonly id: StepId;
  readonly title: string;
  readonly why: string;
  readonly command: string;
  readonly bucket: string;
  /** what the document is, for errors: "the bucket policy of nix-cache" */
  readonly document: string;
  /** read-only: reads the document and merges ours into it */
  inspect(): Promise<Inspection<Change>>;
  /** writes the merged document; returns what changed, in a few words */
  write(change: Change): Promise<string>;
}

export function mergingStep<Change>(spec: MergingStepSpec<Change>): ServerStep {
  return {
    id: spec.id,
    title: spec.title,
    why: spec.why,
    command: spec.command,
    async check() {
      const result = await spec.inspect();
      const { status, detail } = result;
      const removes = result.status === 'todo' ? result.removes : undefined;
      return (removes ? { status, detail, removes } : { status, detail }) as CheckResult;
    },
    async apply() {
      const before = await spec.inspect();
      if (before.status === 'done') return before.detail;
      if (before.status === 'conflict') throw new StepError(before.detail, spec.id);
      if (before.change === undefined) throw new StepError(`Bucket ${spec.bucket} does not exist.`, spec.id, 'Run setup again so the bucket step creates it.');
      const changed = await spec.write(before.change);
      const after = await spec.inspect();
      if (after.status !== 'done') {
        throw new StepError(`The server accepted ${spec.document} but does not hold it: ${after.detail}.`, spec.id, `Look at ${spec.document} by hand (see the step's command).`);
      }
      return changed;
    },
  };
}
