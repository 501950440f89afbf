/**
 * What the server shows of an existing setup, as answers: the wizard's defaults on a re-run with
 * nothing remembered (SPEC 8), so that pressing Enter through the questions changes nothing.
 *
 * - backend: MinIO answers its health endpoint `/minio/health/live` with 200 (RGW takes `minio` for
 *   a bucket name and answers 404); RGW answers its Admin Ops API `/admin/user` to an admin (MinIO
 *   takes `admin` for a bucket). A server that answers both probes with errors is a plain S3 store.
 * - anonymous: the mode whose statements the bucket policy holds (as the anonymous step judges it);
 *   a bucket with none of ours is private.
 * - expireDays: the days of our lifecycle rules (ids `nix-cache-wizard-…`; NARs keep one day more).
 *
 * Read-only and best effort: whatever cannot be told (no bucket yet, a refused request) is left out.
 */
import type { Answers } from '../answers/answers';
import type { AnswersInput } from '../answers/answers-schema';
import type { WantedNames } from '../backends/minio/minio-steps';
import { sendSignedRequest } from '../backends/signed-request';
import type { Connections } from '../connections/connections';

type Backend = NonNullable<AnswersInput['backend']>;

/** The HTTP status of a request, or undefined when no answer came. */
async function statusOf(send: () => Promise<{ readonly status: number }>): Promise<number | undefined> {
  try {
    return (await send()).status;
  } catch {
    return undefined;
  }
}

export async function detectBackend(connections: Connections): Promise<Backend | undefined> {
  const options = connections.endpointOptions({ timeoutMs: 10_000 });
  const keys = connections.adminKeys;
  const [minio, rgw] = await Promise.all([
    statusOf(() => sendSignedRequest(options, keys, { method: 'GET', path: '/minio/health/live' })),
    keys.accessKey === ''
      ? Promise.resolve(undefined)
      : statusOf(() => sendSignedRequest(options, keys, { method: 'GET', path: `/admin/user?access-key=${encodeURIComponent(keys.accessKey)}` })),
  ]);
  if (minio === 200) return 'minio';
  if (rgw === 200) return 'ceph';
  return minio !== undefined && rgw !== undefined ? 's3' : undefined;
}

async function detectBucketSettings(answers: Answers, connections: Connections): Promise<AnswersInput> {
  const { getBucketPolicyText, getLifecycleXml } = await import('../backends/s3/s3-requests');
  const { ANONYMOUS_SIDS, anonymousStatements, holdsStatements } = await import('../backends/s3/bucket-policy-merge');
  const { isOurRule, NAR_RULE_ID, parseLifecycleConfiguration } = await import('../backends/s3/lifecycle-rules');
  const client = await connections.s3ForSteps();
  if (!(await client.bucketExists(answers.bucket).catch(() => false))) return {};
  const found: { anonymous?: AnswersInput['anonymous']; expireDays?: number | null } = {};
  const policy = await getBucketPolicyText(client, answers.bucket).catch(() => undefined);
  if (policy !== undefined) {
    // The mode whose statements the policy holds, judged as the anonymous step judges it (by Sid or by meaning).
    try {
      found.anonymous = (['download', 'get'] as const).find((mode) => holdsStatements(policy, anonymousStatements(answers.bucket, mode), ANONYMOUS_SIDS)) ?? 'none';
    } catch {
      // an unreadable policy: the anonymous step reports it
    }
  }
  const lifecycle = await getLifecycleXml(client, answers.bucket).catch(() => undefined);
  if (lifecycle !== undefined) {
    let days: number | undefined;
    try {
      const ours = lifecycle === null ? [] : parseLifecycleConfiguration(lifecycle).filter(isOurRule);
      const narinfoRule = ours.find((rule) => rule.id !== NAR_RULE_ID && rule.expirationDays !== undefined);
      days = narinfoRule?.expirationDays;
    } catch {
      days = undefined;
    }
    found.expireDays = days ?? null;
  }
  return found;
}

/** The backend, anonymous mode and expiry days the server shows; never throws. */
export async function detectExistingSetup(answers: Answers, connections: Connections): Promise<AnswersInput> {
  const [backend, bucket] = await Promise.all([detectBackend(connections).catch(() => undefined), detectBucketSettings(answers, connections).catch(() => ({}))]);
  return { ...(backend ? { backend } : {}), ...bucket };
}


/**
 * The builder's, the reader's and (MinIO) the write policy's names for this cache: for each wanted
 * one, its first-setup name unless another cache on the server holds it, then one of this cache's
 * own (SPEC 2, "Many caches on one server"). Read-only; on plain S3 the keys are made elsewhere, so
 * nothing is looked for.
 */
export async function detectCacheServerNames(answers: Answers, wanted: WantedNames, connections: Connections): Promise<WantedNames> {
  if (answers.backend === 'minio') {
    const { minioCacheNames } = await import('../backends/minio/minio-steps');
    return minioCacheNames({ answers, makeAdmin: connections.minioSteps().makeAdmin }, wanted, answers.builder.accessKey);
  }
  if (answers.backend === 'ceph') {
    const { cephUserOwnership } = await import('../backends/ceph/user-grants');
    const ownership = cephUserOwnership(await connections.s3ForSteps(), answers.bucket);
    const [builder, reader] = await Promise.all([
      wanted.builder === undefined ? undefined : ownership.freeName(wanted.builder),
      wanted.reader === undefined ? undefined : ownership.freeName(wanted.reader),
    ]);
    return { ...(builder ? { builder } : {}), ...(reader ? { reader } : {}) };
  }
  return {};
}
