/**
 * On Ceph RGW a builder's or reader's access is a statement for that user in the bucket policy
 * (notes/ceph-rgw.md), so a user belongs to another cache when another bucket's policy allows it
 * anything: taking it for this cache would let this cache's builder write there too. Read-only:
 * the admin's bucket listing, then the policies of the other buckets (a few at a time).
 */
import type { Client } from 'minio';
import { parseBucketPolicy, rgwUserArn } from '../s3/bucket-policy-merge';
import { getBucketPolicyText } from '../s3/s3-requests';
import { describeBuckets } from '../../policies/write-policy';
import { ACCESS_KEY_NAME_RULE, firstUsableName, perCacheNames } from '../../answers/per-cache-names';
import { newStepRun, type StepRun } from '../../steps/server-step';
import { s3Documents, serverTraits } from '../s3/s3-documents';

/** How many bucket policies are read at once. */
const AT_ONCE = 8;

function principalsOf(statement: Record<string, unknown>): string[] {
  const principal = statement['Principal'];
  if (principal === '*') return ['*'];
  const aws = (principal as { AWS?: unknown } | null | undefined)?.AWS;
  const list = Array.isArray(aws) ? (aws as unknown[]) : [aws];
  return list.filter((value): value is string => typeof value === 'string');
}

/** True when the bucket policy `text` allows `uid` (by name) anything. */
export function policyGrantsUser(text: string, uid: string): boolean {
  const arn = rgwUserArn(uid);
  try {
    return parseBucketPolicy(text).statements.some((statement) => statement['Effect'] === 'Allow' && principalsOf(statement).includes(arn));
  } catch {
    return false;
  }
}

/** The buckets other than `bucket` whose policy allows `uid` anything. */
export async function otherBucketsGranting(client: Pick<Client, 'listBuckets' | 'getBucketPolicy'>, uid: string, bucket: string, listed?: Promise<{ name: string }[]>): Promise<string[]> {
  const names = (await (listed ?? client.listBuckets())).map((item) => item.name).filter((name) => name !== bucket);
  const granting: string[] = [];
  for (let start = 0; start < names.length; start += AT_ONCE) {
    const batch = names.slice(start, start + AT_ONCE);
    const texts = await Promise.all(batch.map((name) => getBucketPolicyText(client as Client, name).catch(() => null)));
    texts.forEach((text, index) => {
      if (text !== null && policyGrantsUser(text, uid)) granting.push(batch[index]!);
    });
  }
  return granting.sort();
}

/** Why the RGW user `uid` belongs to another cache, or undefined. */
export async function cephUserElsewhere(client: Pick<Client, 'listBuckets' | 'getBucketPolicy'>, uid: string, bucket: string, listed?: Promise<{ name: string }[]>): Promise<string | undefined> {
  const others = await otherBucketsGranting(client, uid, bucket, listed);
  return others.length === 0 ? undefined : `RGW user ${uid} belongs to another cache: the policy of ${describeBuckets(others)} allows it`;
}

/** Whose an RGW user is, for the user steps' checks and the defaults (one bucket's view). */
export interface CephUserOwnership {
  /** why `uid` belongs to another cache, or undefined when it may be this cache's */
  elsewhere(uid: string, run?: StepRun): Promise<string | undefined>;
  /** a user name of this cache's own, free or already this cache's (perCacheNames' order) */
  freeName(first: string, run?: StepRun): Promise<string>;
}

export function cephUserOwnership(client: Client, bucket: string): CephUserOwnership {
  const elsewhere = async (uid: string, run: StepRun = newStepRun()): Promise<string | undefined> => {
    const docs = s3Documents(client, bucket, run, serverTraits('ceph'));
    // Already allowed here: this cache's (a re-run), and no other bucket needs reading.
    const own = await docs.policy().catch(() => null);
    if (own !== null && policyGrantsUser(own, uid)) return undefined;
    return cephUserElsewhere(client, uid, bucket, docs.listBuckets());
  };
  return {
    elsewhere,
    freeName: (first, run = newStepRun()) => firstUsableName(perCacheNames(first, bucket, ACCESS_KEY_NAME_RULE), async (name) => (await elsewhere(name, run)) === undefined),
  };
}
