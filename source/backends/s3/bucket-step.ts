/**
 * `bucket` (SPEC 5): the cache's bucket exists and belongs to these credentials.
 */
import type { CheckResult, ServerStep } from '../../steps/server-step';
import { StepError } from '../../errors';
import { explainConnectionError, stepErrorFrom } from '../explain-connection-error';
import { isS3ErrorCode } from './s3-requests';
import { awsPrefix, documentsOf, mcPrefix, mcTarget, shellWord, type S3StepContext } from './s3-step-context';
import type { S3Documents } from './s3-documents';

export function bucketStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const bucket = answers.bucket;
  const locationConstraint = answers.region === 'us-east-1' ? '' : ` --create-bucket-configuration LocationConstraint=${shellWord(answers.region)}`;
  const command =
    answers.backend === 'minio'
      ? `${mcPrefix(answers)} mb --ignore-existing --region ${shellWord(answers.region)} ${mcTarget(answers)}`
      : `${awsPrefix(answers)} s3api head-bucket --bucket ${bucket} || \\\n  ${awsPrefix(answers)} s3api create-bucket --bucket ${bucket}${locationConstraint}` +
        (answers.backend === 'ceph' ? `\nradosgw-admin bucket stats --bucket=${bucket}   # "owner" should be the admin user` : '');

  /** HEAD and ListBuckets go out together (the list is the connect step's, read once). */
  async function inspect(docs: S3Documents): Promise<CheckResult> {
    const listed = docs.listBuckets();
    listed.catch(() => undefined); // awaited below only when the bucket exists
    const exists = await docs.headBucket().catch((error: unknown) => {
      throw stepErrorFrom('bucket', `Cannot look up bucket ${bucket}`, error);
    });
    if (exists === 'forbidden') {
      return answers.backend === 's3'
        ? {
            status: 'conflict',
            detail: `bucket ${bucket} exists but these keys may not use it: it belongs to someone else, or the builder's IAM policy lacks s3:ListBucket on it; choose another bucket name or fix the policy`,
          }
        : { status: 'conflict', detail: `bucket ${bucket} exists but belongs to someone else (access denied); choose another bucket name` };
    }
    if (!exists) return { status: 'todo', detail: `bucket ${bucket} does not exist yet; it will be created in region ${answers.region}` };
    try {
      const buckets = await listed;
      if (buckets.some((b) => b.name === bucket)) return { status: 'done', detail: `bucket ${bucket} exists and is ours` };
      return {
        status: 'conflict',
        detail: `bucket ${bucket} exists and lets these keys in, but belongs to another user or account; choose another bucket name`,
      };
    } catch (error) {
      if (isS3ErrorCode(error, 'AccessDenied')) {
        // Plain S3 builder keys may not list buckets; reaching the bucket is all we can tell.
        return { status: 'done', detail: `bucket ${bucket} exists and these keys can reach it` };
      }
      throw stepErrorFrom('bucket', `Cannot list the buckets`, error);
    }
  }

  return {
    id: 'bucket',
    title: `Bucket ${bucket}`,
    why: 'The cache lives in one bucket: narinfos at its root, NARs under nar/, and nix-cache-info.',
    command,
    check: (run) => inspect(documentsOf(ctx, run)),
    /** Creating succeeded or found the bucket already ours: it is ours, with nothing to read back. */
    async apply(run) {
      try {
        await documentsOf(ctx, run).makeBucket(answers.region);
      } catch (error) {
        if (!isS3ErrorCode(error, 'BucketAlreadyOwnedByYou')) {
          if (isS3ErrorCode(error, 'BucketAlreadyExists')) {
            throw new StepError(`Cannot create bucket ${bucket}: the name is taken by another user or account.`, 'bucket', 'Choose another bucket name.');
          }
          if (isS3ErrorCode(error, 'AccessDenied', 'TooManyBuckets')) {
            const explained = explainConnectionError(error);
            throw new StepError(
              `Cannot create bucket ${bucket}: ${explained.message}.`,
              'bucket',
              answers.backend === 's3'
                ? 'Create the bucket with your account (or allow these keys s3:CreateBucket), then run setup again.'
                : 'Use the admin (root) keys of the server.',
            );
          }
          throw stepErrorFrom('bucket', `Cannot create bucket ${bucket}`, error);
        }
      }
      return `created bucket ${bucket} in region ${answers.region}`;
    },
  };
}
