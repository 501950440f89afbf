/**
 * The steps that own statements in the bucket policy: `anonymous` (every backend) and, on Ceph
 * RGW, `policy` (the builder's write statement) with `attach` folded into it. Each manages only
 * its own Sids (bucket-policy-merge.ts), so they never undo each other or anyone else.
 */
import { newStepRun, replaceDetail, type CheckResult, type ServerStep, type StepId, type StepRun } from '../../steps/server-step';
import type { PolicyStatement } from '../../policies/write-policy';
import { StepError } from '../../errors';
import {
  ANONYMOUS_SIDS,
  anonymousStatements,
  BUILDER_WRITE_SID,
  OWNER_READ_SID,
  BucketPolicySyntaxError,
  CEPH_POLICY_SIDS,
  CEPH_READER_SIDS,
  cephPolicyStatements,
  cephReaderStatements,
  contradictsAnonymous,
  holdsStatements,
  inspectBucketPolicy,
  mergeBucketPolicy,
  parseBucketPolicy,
  rgwUserArn,
  type Contradiction,
} from './bucket-policy-merge';
import { stepErrorFrom } from '../explain-connection-error';
import { isS3ErrorCode } from './s3-requests';
import { mergingStep, type Inspection } from './merging-step';
import type { S3Documents } from './s3-documents';
import { awsPrefix, documentsOf, mcPrefix, mcTarget, type S3StepContext } from './s3-step-context';

interface PolicyStepSpec {
  readonly id: StepId;
  readonly title: string;
  readonly why: string;
  readonly managedSids: readonly string[];
  /** the steps to apply first: the bucket, and the other writers of the same policy */
  readonly after: readonly StepId[];
  /** our statements; may read (GET only) from the server */
  wanted(docs: S3Documents): Promise<PolicyStatement[]>;
  /** what the statements mean, for details */
  describe(wanted: readonly PolicyStatement[]): string;
  /** which statements not made by this wizard contradict the answers (they are replaced) */
  readonly contradicts?: Contradiction;
  /** what our statements there now that `wanted` drops allow, when dropping them is a removal (SPEC 8) */
  removal?(dropped: readonly Record<string, unknown>[]): string;
}

/** Our statements in the policy now that the wanted ones do not keep. */
function droppedStatements(current: string | null, wanted: readonly PolicyStatement[], sids: readonly string[]): Record<string, unknown>[] {
  if (current === null) return [];
  const kept = new Set(wanted.map((s) => s.Sid));
  return parseBucketPolicy(current).statements.filter((s) => typeof s['Sid'] === 'string' && sids.includes(s['Sid']) && !kept.has(s['Sid']));
}

function manualCommand(ctx: S3StepContext, statements: readonly PolicyStatement[], sids: readonly string[]): string {
  const { answers } = ctx;
  // The statements as JSON, indented as a person would write them, each line a comment of the command.
  const json = statements
    .map((s) => JSON.stringify(s, null, 2))
    .join(',\n')
    .split('\n')
    .map((line) => `#   ${line}`)
    .join('\n');
  const what =
    statements.length > 0
      ? `# in bucket-policy.json, replace the statements with Sid ${sids.join(' / ')} by:\n${json}`
      : `# in bucket-policy.json, remove the statements with Sid ${sids.join(' / ')} (delete the policy if none is left)`;
  if (answers.backend === 'minio') {
    const mc = mcPrefix(answers);
    return `${mc} anonymous get-json ${mcTarget(answers)} > bucket-policy.json\n${what}\n${mc} anonymous set-json bucket-policy.json ${mcTarget(answers)}`;
  }
  const aws = awsPrefix(answers);
  return `${aws} s3api get-bucket-policy --bucket ${answers.bucket} --query Policy --output text > bucket-policy.json\n${what}\n${aws} s3api put-bucket-policy --bucket ${answers.bucket} --policy file://bucket-policy.json`;
}

/** Reads the bucket policy (once per run, whichever steps ask); `exists: false` when the bucket does not exist yet. */
async function readPolicy(ctx: S3StepContext, run: StepRun, step: StepId): Promise<{ exists: false } | { exists: true; policy: string | null }> {
  try {
    return { exists: true, policy: await documentsOf(ctx, run).policy() };
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchBucket')) return { exists: false };
    throw stepErrorFrom(step, `Cannot read the policy of bucket ${ctx.answers.bucket}`, error);
  }
}

function policyStep(ctx: S3StepContext, spec: PolicyStepSpec, command: string): ServerStep {
  const { answers } = ctx;
  const bucket = answers.bucket;
  interface Change {
    readonly current: string | null;
    readonly wanted: PolicyStatement[];
  }

  async function inspect(run: StepRun): Promise<Inspection<Change>> {
    const docs = documentsOf(ctx, run);
    // The owner (Ceph, anonymous none) is read together with the policy, not after it.
    const wantedRead = spec.wanted(docs);
    wantedRead.catch(() => undefined); // awaited below only when the bucket exists
    const read = await readPolicy(ctx, run, spec.id);
    if (!read.exists) return { status: 'todo', detail: `bucket ${bucket} does not exist yet; its policy will be set once it does` };
    const wanted = await wantedRead.catch((error: unknown) => {
      throw stepErrorFrom(spec.id, `Cannot read the owner of bucket ${bucket}`, error);
    });
    let inspection;
    try {
      inspection = inspectBucketPolicy(read.policy, wanted, spec.managedSids, spec.contradicts);
    } catch (error) {
      if (error instanceof BucketPolicySyntaxError) {
        return { status: 'conflict', detail: `${error.message}; fix or delete the bucket policy of ${bucket}, then run setup again` };
      }
      throw error;
    }
    if (inspection.holds) return { status: 'done', detail: `the bucket policy holds ${spec.describe(wanted)}` };
    const change = { current: read.policy, wanted };
    const dropped = spec.removal ? droppedStatements(read.policy, wanted, spec.managedSids) : [];
    const removes = dropped.length > 0 ? spec.removal?.(dropped) : undefined;
    if (inspection.contradicting.length > 0 && read.policy !== null) {
      const reasons = [...new Set(inspection.contradicting.map((c) => c.reason))].join('; ');
      return {
        status: 'todo',
        detail: replaceDetail(
          `${reasons}. ${inspection.contradicting.length === 1 ? 'That statement is' : `Those ${inspection.contradicting.length} statements are`} removed and the bucket policy will hold ${spec.describe(wanted)}; the whole current policy is saved to a local backup file first`,
        ),
        change,
        previous: read.policy,
        ...(removes ? { removes } : {}),
      };
    }
    return { status: 'todo', detail: `the bucket policy will be set to hold ${spec.describe(wanted)}`, change, ...(removes ? { removes } : {}) };
  }

  return mergingStep<Change>({
    id: spec.id,
    title: spec.title,
    why: spec.why,
    command,
    bucket,
    document: `the bucket policy of ${bucket}`,
    after: spec.after,
    backupName: `${bucket}.bucket-policy.json`,
    saveBackup: ctx.saveBackup,
    inspect,
    async write({ current, wanted }, run) {
      const merged = mergeBucketPolicy(current, wanted, spec.managedSids, spec.contradicts);
      try {
        await documentsOf(ctx, run).putPolicy(merged.policy);
      } catch (error) {
        const everyone = wanted.some((s) => typeof s.Principal === 'object' && s.Principal.AWS.includes('*'));
        if (isS3ErrorCode(error, 'AccessDenied') && everyone && answers.backend === 's3') {
          // AWS blocks public bucket policies by default (Block Public Access).
          throw new StepError(
            `Cannot write the policy of bucket ${bucket}: access denied.`,
            spec.id,
            `On AWS, allow public bucket policies for this bucket (aws s3api put-public-access-block --bucket ${bucket} --public-access-block-configuration BlockPublicPolicy=false,RestrictPublicBuckets=false) and give the keys s3:PutBucketPolicy, or choose anonymous: none.`,
          );
        }
        throw stepErrorFrom(spec.id, `Cannot write the policy of bucket ${bucket}`, error);
      }
      return merged.policy === null ? `removed the bucket policy of ${bucket} (nothing left in it)` : `the bucket policy now holds ${spec.describe(wanted)}`;
    },
  });
}

/** `anonymous`: what everyone may do without keys (SPEC 2 `anonymous`). */
export function anonymousStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const wanted = anonymousStatements(answers.bucket, answers.anonymous);
  const why =
    answers.anonymous === 'none'
      ? 'Nothing is readable without keys: machines need credentials to substitute from this cache.'
      : answers.anonymous === 'get'
        ? 'Machines substitute without keys by anonymous GET; nobody may list the cache (Nix needs no listing: a 403 on a missing narinfo is a miss).'
        : "Machines substitute without keys; as with mc's canned download policy, anyone may also list every store path in the cache.";
  return policyStep(
    ctx,
    {
      id: 'anonymous',
      title: `Anonymous access: ${answers.anonymous}`,
      why,
      managedSids: ANONYMOUS_SIDS,
      // On Ceph the policy (and, private caches, reader-policy) steps merge into the same policy first: one merge at a time.
      after: answers.backend === 'ceph' ? ['bucket', 'policy', 'reader-policy'] : ['bucket'],
      wanted: async () => wanted,
      describe: (statements) =>
        statements.length === 0
          ? 'no anonymous statement of ours'
          : `anonymous ${statements.flatMap((s) => s.Action).join(', ')} (Sid ${statements.map((s) => s.Sid).join(', ')})`,
      contradicts: contradictsAnonymous(answers.anonymous, answers.bucket),
      removal: (dropped) => `anonymous access (${dropped.flatMap((s) => [s['Action']].flat()).join(', ')} for everyone)`,
    },
    manualCommand(ctx, wanted, ANONYMOUS_SIDS),
  );
}

function builderUidOf(ctx: S3StepContext): string {
  return ctx.builderUid ?? ctx.answers.builder.accessKey;
}

/**
 * Ceph RGW `policy`: the builder's write access as a statement for that user in the bucket
 * policy (notes/ceph-rgw.md), plus owner read when `anonymous` is `none`.
 */
export function cephPolicyStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const builderUid = builderUidOf(ctx);
  const wanted = async (docs: S3Documents): Promise<PolicyStatement[]> =>
    cephPolicyStatements(answers.bucket, builderUid, answers.anonymous, answers.anonymous === 'none' ? await docs.ownerId() : undefined);
  const shown = cephPolicyStatements(answers.bucket, builderUid, answers.anonymous, answers.anonymous === 'none' ? '$BUCKET_OWNER_UID' : undefined);
  return policyStep(
    ctx,
    {
      id: 'policy',
      title: `Write access for ${builderUid}`,
      why: 'On Ceph RGW the builder may add and overwrite objects in this bucket through a bucket policy statement naming it (an IAM user policy would be lost on the next key rotation), and never delete.',
      managedSids: CEPH_POLICY_SIDS,
      // The user before a policy naming it (a principal RGW does not know may be refused).
      after: ['bucket', 'user'],
      wanted,
      describe: (statements) =>
        [
          `write access for ${builderUid} (no delete, no ACL changes)`,
          ...(statements.some((s) => s.Sid === OWNER_READ_SID) ? ['read access for the bucket owner to objects the builder uploads'] : []),
        ].join(' and '),
    },
    manualCommand(ctx, shown, CEPH_POLICY_SIDS),
  );
}

/**
 * Ceph RGW `attach`: there is nothing separate to attach, since the bucket policy statement of the
 * `policy` step names the builder. Kept in the list so every backend reports the same steps; it
 * is done exactly when that statement is in place, and its apply changes nothing.
 */
export function cephAttachStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const builderUid = builderUidOf(ctx);
  const principal = rgwUserArn(builderUid);
  async function inspect(run: StepRun): Promise<CheckResult> {
    const read = await readPolicy(ctx, run, 'attach');
    const found =
      read.exists &&
      read.policy !== null &&
      (() => {
        try {
          const write = cephPolicyStatements(answers.bucket, builderUid, 'get', undefined).filter((s) => s.Sid === BUILDER_WRITE_SID);
          return holdsStatements(read.policy, write, [BUILDER_WRITE_SID]);
        } catch {
          return false;
        }
      })();
    return found
      ? { status: 'done', detail: `on Ceph RGW the policy step's bucket policy statement names ${principal}: nothing separate to attach` }
      : { status: 'todo', detail: `on Ceph RGW this comes with the policy step (its bucket policy statement names ${principal}); nothing separate to attach` };
  }
  return {
    id: 'attach',
    title: `Attach the write access to ${builderUid}`,
    why: 'On Ceph RGW the write statement in the bucket policy already names the builder, so this is part of the policy step.',
    command: '# nothing: the bucket policy statement of the policy step names the builder',
    after: ['policy'],
    check: (run = newStepRun()) => inspect(run),
    async apply(run = newStepRun()) {
      const result = await inspect(run);
      if (result.status !== 'done') {
        throw new StepError(`The builder's write statement is not in the bucket policy of ${answers.bucket}.`, 'attach', 'The policy step sets it; run setup again.');
      }
      return result.detail;
    },
  };
}

/**
 * Ceph RGW `reader-policy` (private caches): the reader's GetObject as a statement naming it in
 * the bucket policy, as the builder's write access is (an IAM user policy would be lost on RGW 16).
 */
export function cephReaderPolicyStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const reader = answers.reader.accessKey;
  const wanted = cephReaderStatements(answers.bucket, reader);
  return policyStep(
    ctx,
    {
      id: 'reader-policy',
      title: `Read access for ${reader}`,
      why: 'The machines read the private cache as this user: a bucket policy statement lets it GET objects, and nothing else (no listing, writing or deleting).',
      managedSids: CEPH_READER_SIDS,
      // The reader before a statement naming it; the builder's policy step merges into the same policy first.
      after: ['bucket', 'reader-user', 'policy'],
      wanted: async () => wanted,
      describe: () => `read access (GetObject only) for ${reader}`,
    },
    manualCommand(ctx, wanted, CEPH_READER_SIDS),
  );
}
