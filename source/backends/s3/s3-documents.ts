/**
 * The S3 requests of the steps, through the run's read cache (plan/read-cache.ts): each document
 * of the bucket is read once per run whichever steps need it, and our writes keep the cache true.
 * A write is read back only where the server may keep something other than what we sent:
 *  - MinIO drops duplicate statements of a bucket policy and ignores Sids when comparing them
 *    (notes/minio-admin.md), so the policy we wrote may not be the policy it holds;
 *  - Ceph RGW parses the lifecycle configuration into its own rules and may drop or change what
 *    it does not understand (notes/ceph-rgw.md);
 *  - a plain S3 store is not known: both are read back.
 * Elsewhere what we wrote is what the next read would return, so it is remembered, not fetched.
 * A policy read back is settled (requests/settle-change.ts): asked for several times together, on
 * connections of their own, and written again until every answer is the same. Behind a balancer,
 * a node of a distributed MinIO started again was seen serving the policy from before for minutes
 * (anonymous reads of the cache refused on that node) until the policy was written again (issue 20).
 *
 * A bucket's policy and lifecycle are written one at a time, on every backend: both are kept in
 * one record of the bucket, and overlapping writes of it go wrong. Measured on the test servers:
 * Ceph RGW 16.2 fails the lifecycle write (HTTP 500) about every other time; MinIO, when slow,
 * answers both with success and keeps only the last one saved, so a policy write that was read
 * back as kept is gone once the lifecycle write lands.
 */
import type { BucketItemFromList, Client } from 'minio';
import type { Answers } from '../../answers/answers';
import type { StepRun } from '../../steps/server-step';
import { samePolicyText } from '../../policies/same-policy';
import { settleChange } from '../../requests/settle-change';
import { getBucketOwnerId, getBucketPolicyText, getLifecycleXml, headBucket, putBucketPolicyText, putLifecycleXml, readObjectText } from './s3-requests';

export interface S3Documents {
  listBuckets(): Promise<BucketItemFromList[]>;
  /** true, false, or 'forbidden' (see headBucket) */
  headBucket(): Promise<boolean | 'forbidden'>;
  /** creates the bucket; everything read about it before is forgotten */
  makeBucket(region: string): Promise<void>;
  /** the bucket policy text, null when there is none; rejects with NoSuchBucket when the bucket is missing */
  policy(): Promise<string | null>;
  putPolicy(text: string | null): Promise<void>;
  /** the lifecycle configuration XML, null when there is none */
  lifecycle(): Promise<string | null>;
  putLifecycle(xml: string | null): Promise<void>;
  /** the bucket owner's canonical id (GET ?acl) */
  ownerId(): Promise<string | undefined>;
  /** an object's text, null when missing; at most `limit` bytes */
  object(key: string, limit: number): Promise<string | null>;
  putObject(key: string, content: string, contentType: string): Promise<void>;
}

/** What the server does with our writes (see above). */
export interface ServerTraits {
  /** may keep another bucket policy than the one written */
  readonly rewritesPolicy: boolean;
  /** may keep another lifecycle configuration than the one written */
  readonly rewritesLifecycle: boolean;
  /**
   * How the server takes a PUT's `If-Match` (refused with 412 when it names another ETag than the
   * object's), undefined when it is not known to: checked on the real servers
   * (test/integration/conditional-put.test.ts). MinIO takes the quoted ETag (a bare one that does
   * not match gets the connection closed, not a 412); Ceph RGW 16.2 compares the bare ETag and
   * refuses every quoted one. A plain S3 store is not known.
   */
  readonly ifMatch: IfMatchForm | undefined;
}

/** `"<etag>"` or `<etag>` */
export type IfMatchForm = 'quoted' | 'bare';

const IF_MATCH: Record<Answers['backend'], IfMatchForm | undefined> = { minio: 'quoted', ceph: 'bare', s3: undefined };

export function serverTraits(backend: Answers['backend']): ServerTraits {
  return { rewritesPolicy: backend !== 'ceph', rewritesLifecycle: backend !== 'minio', ifMatch: IF_MATCH[backend] };
}

export function s3Documents(client: Client, bucket: string, run: StepRun, traits: ServerTraits): S3Documents {
  const reads = run.reads;
  /** a write of a bucket subresource (policy, lifecycle): one at a time (see above) */
  const bucketWrite = (work: () => Promise<void>) => run.exclusive(`s3 ${bucket}`, work);
  // Keys end in a space-free suffix after the bucket and a space, so bucket "a" never forgets bucket "a-b".
  const key = (what: string) => `s3 ${bucket} ${what}`;
  const written = (what: string, value: unknown, rewritten: boolean) => (rewritten ? reads.forget(key(what)) : reads.remember(key(what), value));
  /** The policy every node serves after `text` was written (see above); throws when they still disagree. */
  const settledPolicy = async (text: string | null): Promise<string | null> => {
    const { answers, settled, resent } = await settleChange({
      ask: () => getBucketPolicyText(client, bucket),
      // compared by meaning: MinIO lists a statement's actions in a random order from read to read
      settled: (policies) => policies.every((policy) => samePolicyText(policy, policies[0]!)),
      resend: () => putBucketPolicyText(client, bucket, text),
    });
    if (settled) return answers[0]!;
    const others = answers.filter((policy) => !samePolicyText(policy, answers.at(-1)!)).length;
    throw new Error(
      `the server took the bucket policy of ${bucket}, written ${resent + 1} times, but ${Math.min(others, answers.length - others)} of ${answers.length} reads of it asked together still got another one: ` +
        'a node of a cluster still serves the policy from before (MinIO reloads it when it is written again, or within 15 minutes). Run the same command again in a minute.',
    );
  };
  return {
    listBuckets: () => reads.read('s3 list-buckets', () => client.listBuckets()),
    headBucket: () => reads.read(key('head'), () => headBucket(client, bucket)),
    async makeBucket(region) {
      try {
        await client.makeBucket(bucket, region);
      } finally {
        // Whatever the answer, what we knew of the bucket (missing, no policy, …) may be stale.
        reads.forget(key(''));
        reads.forget('s3 list-buckets');
      }
      reads.remember(key('head'), true);
    },
    policy: () => reads.read(key('policy'), () => getBucketPolicyText(client, bucket)),
    async putPolicy(text) {
      let held: string | null = text;
      try {
        await bucketWrite(async () => {
          await putBucketPolicyText(client, bucket, text);
          if (traits.rewritesPolicy) held = await settledPolicy(text);
        });
      } catch (error) {
        reads.forget(key('policy'));
        throw error;
      }
      reads.remember(key('policy'), held);
    },
    lifecycle: () => reads.read(key('lifecycle'), () => getLifecycleXml(client, bucket)),
    async putLifecycle(xml) {
      try {
        await bucketWrite(() => putLifecycleXml(client, bucket, xml));
      } catch (error) {
        reads.forget(key('lifecycle'));
        throw error;
      }
      written('lifecycle', xml, traits.rewritesLifecycle);
    },
    ownerId: () => reads.read(key('acl'), () => getBucketOwnerId(client, bucket)),
    object: (name, limit) => reads.read(key(`object/${name}`), () => readObjectText(client, bucket, name, limit)),
    async putObject(name, content, contentType) {
      try {
        await client.putObject(bucket, name, Buffer.from(content, 'utf8'), Buffer.byteLength(content, 'utf8'), { 'Content-Type': contentType });
      } catch (error) {
        reads.forget(key(`object/${name}`));
        throw error;
      }
      reads.remember(key(`object/${name}`), content);
    },
  };
}
