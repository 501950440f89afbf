/**
 * The builder's write policy (SPEC 5, notes/s3-policies-and-lifecycle.md). Written without `Id`
 * and without `Principal`: MinIO silently drops a Principal in an IAM policy, AWS IAM rejects one
 * in an identity policy, and the guide's JSON fails as a bucket policy on MinIO. No DeleteObject:
 * the builder can add and overwrite, never delete.
 */
export const WRITE_ACTIONS = [
  's3:AbortMultipartUpload',
  's3:GetBucketLocation',
  's3:GetObject',
  's3:ListBucket',
  's3:ListBucketMultipartUploads',
  's3:ListMultipartUploadParts',
  's3:PutObject',
] as const;

export const WRITE_POLICY_SID = 'NixCacheWrite';

export interface PolicyStatement {
  Sid: string;
  Effect: 'Allow' | 'Deny';
  Principal?: { AWS: string[] } | '*';
  Action: string[];
  Resource: string[];
  /** e.g. `{ "Null": { "s3:x-amz-acl": "false" } }` */
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface PolicyDocument {
  Version: '2012-10-17';
  Statement: PolicyStatement[];
}

export function bucketResources(bucket: string): string[] {
  return [`arn:aws:s3:::${bucket}`, `arn:aws:s3:::${bucket}/*`];
}

/** The identity (IAM / MinIO canned) policy that lets the builder write to the bucket. */
export function writePolicyDocument(bucket: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: WRITE_POLICY_SID, Effect: 'Allow', Action: [...WRITE_ACTIONS], Resource: bucketResources(bucket) }],
  };
}

export const READ_POLICY_SID = 'NixCacheRead';

/**
 * The reader's identity policy on a private cache (MinIO canned policy): GetObject on the objects
 * and nothing else. Nix needs no listing (a 403 on a missing narinfo counts as a miss), so the
 * machines' keys cannot even tell which paths the cache holds.
 */
export function readPolicyDocument(bucket: string): PolicyDocument {
  return {
    Version: '2012-10-17',
    Statement: [{ Sid: READ_POLICY_SID, Effect: 'Allow', Action: ['s3:GetObject'], Resource: [bucketResources(bucket)[1]!] }],
  };
}

/** The reader's policy name, next to the builder's: `nix-cache-write` gives `nix-cache-read`. */
export function readPolicyName(writePolicyName: string): string {
  return writePolicyName.endsWith('-write') ? `${writePolicyName.slice(0, -'-write'.length)}-read` : `${writePolicyName}-read`;
}

/**
 * The buckets an identity policy lets its holder act on (its Allow statements' S3 resources), '*'
 * for a resource that names every bucket: what tells a policy, or a user holding it, to belong to
 * another cache on the same server.
 */
export function bucketsGranted(document: unknown): string[] {
  const statements = (document as { Statement?: unknown } | null)?.Statement;
  const list = Array.isArray(statements) ? (statements as unknown[]) : statements === undefined ? [] : [statements];
  const buckets = new Set<string>();
  for (const statement of list) {
    const { Effect, Resource } = (statement ?? {}) as { Effect?: unknown; Resource?: unknown };
    if (Effect !== 'Allow') continue;
    const resources = Array.isArray(Resource) ? (Resource as unknown[]) : [Resource];
    for (const resource of resources) {
      if (typeof resource !== 'string') continue;
      if (resource === '*') buckets.add('*');
      const match = /^arn:aws:s3:::([^/]*)/.exec(resource);
      if (match) buckets.add(/[*?]/.test(match[1]!) ? '*' : match[1]!);
    }
  }
  return [...buckets].sort();
}

/** "bucket b1", "buckets b1, b2" or "every bucket", for conflict details. */
export function describeBuckets(buckets: readonly string[]): string {
  if (buckets.includes('*')) return 'every bucket';
  return `${buckets.length === 1 ? 'bucket' : 'buckets'} ${buckets.join(', ')}`;
}
