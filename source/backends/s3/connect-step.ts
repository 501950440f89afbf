/**
 * `connect` (SPEC 5): the endpoint answers and the credentials work, before anything else is
 * tried, so that a wrong CA, port or key is reported once, in plain words.
 */
import type { ServerStep, StepRun } from '../../steps/server-step';
import { StepError } from '../../errors';
import { explainConnectionError } from '../explain-connection-error';
import { s3StepKeys } from './s3-step-keys';
import { awsPrefix, documentsOf, mcPrefix, shellWord, type S3StepContext } from './s3-step-context';
import { isS3ErrorCode } from './s3-requests';

export function connectStep(ctx: S3StepContext): ServerStep {
  const { answers } = ctx;
  const who = s3StepKeys(answers).who;
  const command =
    answers.backend === 'minio'
      ? `${mcPrefix(answers)} alias set ${answers.alias} ${shellWord(answers.endpoint)}   # asks for the admin access key and secret key\n${mcPrefix(answers)} ls ${answers.alias}` +
        (answers.caFile !== undefined ? `\n# mc trusts a private CA once it is copied into ~/.mc/certs/CAs/: cp ${shellWord(answers.caFile)} ~/.mc/certs/CAs/` : '')
      : `${awsPrefix(answers)} s3api list-buckets`;

  /** Lists the buckets; a refusal of valid keys still proves the endpoint and the keys work. */
  async function probe(run: StepRun | undefined): Promise<{ ok: true; detail: string } | { ok: false; error: StepError }> {
    const keys = s3StepKeys(answers);
    if (keys.accessKey === '' || keys.secretKey === '') {
      // minio signs nothing without keys: every request would go out anonymous
      const hint =
        who === 'admin'
          ? 'Give admin.accessKey and admin.secretKey (or NIX_CACHE_ADMIN_ACCESS_KEY / NIX_CACHE_ADMIN_SECRET_KEY, or admin.mcAlias).'
          : 'Give builder.accessKey and builder.secretKey.';
      return { ok: false, error: new StepError(`No ${who} keys to connect to ${answers.endpoint} with.`, 'connect', hint) };
    }
    try {
      const buckets = await documentsOf(ctx, run).listBuckets();
      return { ok: true, detail: `${answers.endpoint} answers and the ${who} keys work (${buckets.length} bucket${buckets.length === 1 ? '' : 's'} visible)` };
    } catch (error) {
      if (isS3ErrorCode(error, 'AccessDenied') && who === 'builder') {
        // A plain S3 store's builder need not be allowed to list buckets; the signature was accepted.
        return { ok: true, detail: `${answers.endpoint} answers and the builder keys are accepted (they may not list buckets, which is fine)` };
      }
      const explained = explainConnectionError(error);
      const hint =
        isS3ErrorCode(error, 'SignatureDoesNotMatch', 'InvalidAccessKeyId')
          ? who === 'admin'
            ? 'The admin keys are wrong: check admin.accessKey and admin.secretKey (or NIX_CACHE_ADMIN_ACCESS_KEY / NIX_CACHE_ADMIN_SECRET_KEY, or the mc alias).'
            : 'The builder keys are wrong: check builder.accessKey and builder.secretKey.'
          : isS3ErrorCode(error, 'AccessDenied')
            ? 'These keys are valid but may not list buckets: use the admin (root) user of the server.'
            : explained.hint;
      return { ok: false, error: new StepError(`Cannot use ${answers.endpoint}: ${explained.message}`, 'connect', hint) };
    }
  }

  return {
    id: 'connect',
    title: 'Connect to the S3 endpoint',
    why: 'Every later step talks to this endpoint with these keys, so a wrong address, certificate or key is caught here first.',
    command,
    /** Read-only: one ListBuckets (shared with the bucket step). A failure is thrown as a StepError with the explanation. */
    async check(run) {
      const result = await probe(run);
      if (!result.ok) throw result.error;
      return { status: 'done', detail: result.detail };
    },
    async apply(run) {
      const result = await probe(run);
      if (!result.ok) throw result.error;
      return result.detail;
    },
  };
}
