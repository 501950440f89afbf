/**
 * `cache-info` (SPEC 5): the object `nix-cache-info` holds exactly the rendered content. Nix reads
 * it first to learn the store directory, whether to mass-query and the cache's priority.
 */
import { replaceDetail, type CheckResult, type ServerStep, type StepRun } from '../../steps/server-step';
import { stepErrorFrom } from '../explain-connection-error';
import { isS3ErrorCode } from './s3-requests';
import { awsPrefix, documentsOf, mcPrefix, mcTarget, shellWord, type S3StepContext } from './s3-step-context';

export const CACHE_INFO_KEY = 'nix-cache-info';
export const CACHE_INFO_CONTENT_TYPE = 'text/x-nix-cache-info';

/** What differs between two nix-cache-info texts, in a few quoted lines (the content is public). */
function lineDifference(current: string, wanted: string): string {
  const lines = (text: string) => text.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  const quote = (list: string[]) => list.slice(0, 3).map((line) => JSON.stringify(line.slice(0, 80))).join(', ') + (list.length > 3 ? ', …' : '');
  const have = lines(current);
  const want = lines(wanted);
  const extra = have.filter((line) => !want.includes(line));
  const missing = want.filter((line) => !have.includes(line));
  if (extra.length === 0 && missing.length === 0) return 'is spelled differently from what the answers give';
  if (extra.length === 0) return `lacks ${quote(missing)}`;
  return `says ${quote(extra)} where the answers give ${missing.length === 0 ? 'no such line' : quote(missing)}`;
}

export function cacheInfoStep(ctx: S3StepContext): ServerStep {
  const { answers, cacheInfoContent } = ctx;
  const bucket = answers.bucket;
  const file = shellWord(answers.files.cacheInfo);
  const command =
    answers.backend === 'minio'
      ? `${mcPrefix(answers)} cp --attr 'Content-Type=${CACHE_INFO_CONTENT_TYPE}' ${file} ${mcTarget(answers)}/${CACHE_INFO_KEY}`
      : `${awsPrefix(answers)} s3api put-object --bucket ${bucket} --key ${CACHE_INFO_KEY} --body ${file} --content-type ${CACHE_INFO_CONTENT_TYPE}`;

  async function inspect(run: StepRun | undefined): Promise<CheckResult> {
    let current: string | null;
    try {
      current = await documentsOf(ctx, run).object(CACHE_INFO_KEY, 64 * 1024);
    } catch (error) {
      if (isS3ErrorCode(error, 'NoSuchBucket')) return { status: 'todo', detail: `bucket ${bucket} does not exist yet; ${CACHE_INFO_KEY} will be uploaded once it does` };
      if (isS3ErrorCode(error, 'AccessDenied')) {
        // On RGW an object uploaded by the builder belongs to the builder; the bucket owner may
        // still overwrite it.
        return { status: 'todo', detail: `${CACHE_INFO_KEY} exists but these keys may not read it; it will be uploaded again` };
      }
      throw stepErrorFrom('cache-info', `Cannot read ${CACHE_INFO_KEY} in bucket ${bucket}`, error);
    }
    if (current === null) return { status: 'todo', detail: `${CACHE_INFO_KEY} is missing; it will be uploaded` };
    if (current === cacheInfoContent) return { status: 'done', detail: `${CACHE_INFO_KEY} holds the expected content` };
    return { status: 'todo', detail: replaceDetail(`${CACHE_INFO_KEY} ${lineDifference(current, cacheInfoContent)}; it will be uploaded again with the rendered content`) };
  }

  return {
    id: 'cache-info',
    title: `Upload ${CACHE_INFO_KEY}`,
    why: 'Nix reads nix-cache-info first: without it the bucket is not a binary cache, and it carries the store directory, WantMassQuery and the priority.',
    command,
    after: ['bucket'],
    check: inspect,
    /** A stored object is what was put: nothing to read back. */
    async apply(run) {
      try {
        await documentsOf(ctx, run).putObject(CACHE_INFO_KEY, cacheInfoContent, CACHE_INFO_CONTENT_TYPE);
      } catch (error) {
        throw stepErrorFrom('cache-info', `Cannot upload ${CACHE_INFO_KEY} to bucket ${bucket}`, error);
      }
      return `uploaded ${CACHE_INFO_KEY} (${Buffer.byteLength(cacheInfoContent, 'utf8')} bytes)`;
    },
  };
}
