/**
 * The builder's and the reader's identity policies (SPEC 5, notes/s3-policies-and-lifecycle.md):
 * what they let a leaked key do is exactly what is written here, statement by statement.
 */
import { describe, expect, it } from 'vitest';
import { renderWritePolicy } from '../../source/files/render-write-policy';
import { bucketsGranted, describeBuckets, readPolicyDocument, readPolicyName, writePolicyDocument } from '../../source/policies/write-policy';

describe("the builder's write policy", () => {
  it('is one Allow statement on the bucket and its objects: upload, overwrite, list, and nothing else', () => {
    expect(writePolicyDocument('nix-cache')).toEqual({
      Version: '2012-10-17',
      Statement: [
        {
          Sid: 'NixCacheWrite',
          Effect: 'Allow',
          Action: [
            's3:AbortMultipartUpload',
            's3:GetBucketLocation',
            's3:GetObject',
            's3:ListBucket',
            's3:ListBucketMultipartUploads',
            's3:ListMultipartUploadParts',
            's3:PutObject',
          ],
          Resource: ['arn:aws:s3:::nix-cache', 'arn:aws:s3:::nix-cache/*'],
        },
      ],
    });
  });

  it('never lets the builder delete, change ACLs or tag: a leaked builder key cannot empty or expose the cache', () => {
    const actions = writePolicyDocument('nix-cache').Statement.flatMap((s) => s.Action);
    for (const action of actions) expect(action).not.toMatch(/Delete|Acl|Tagging|^s3:\*$|^\*$/);
  });

  it('has no Principal and no Id: MinIO drops a Principal in an IAM policy and AWS IAM rejects one', () => {
    const document = writePolicyDocument('nix-cache');
    expect(document).not.toHaveProperty('Id');
    for (const statement of document.Statement) expect(statement).not.toHaveProperty('Principal');
  });

  it('names no other bucket: two caches on one server do not share write access', () => {
    expect(bucketsGranted(writePolicyDocument('cache-a'))).toEqual(['cache-a']);
  });

  it('is what the reference file holds, as pretty JSON ending in a newline', () => {
    const text = renderWritePolicy('nix-cache');
    expect(text.endsWith('}\n')).toBe(true);
    expect(JSON.parse(text)).toEqual(writePolicyDocument('nix-cache'));
  });
});

describe("a private cache's reader policy", () => {
  it('is GetObject on the objects only: no listing, so the machines cannot tell which paths the cache holds', () => {
    expect(readPolicyDocument('nix-cache')).toEqual({
      Version: '2012-10-17',
      Statement: [{ Sid: 'NixCacheRead', Effect: 'Allow', Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::nix-cache/*'] }],
    });
  });

  it('is named after the write policy: nix-cache-write gives nix-cache-read, any other name gains -read', () => {
    expect(readPolicyName('nix-cache-write')).toBe('nix-cache-read');
    expect(readPolicyName('lab-write')).toBe('lab-read');
    expect(readPolicyName('builders')).toBe('builders-read');
    expect(readPolicyName('write')).toBe('write-read');
  });
});

describe('telling which caches a policy already serves', () => {
  it("reads the buckets of a policy's Allow statements, one statement or a list, ignoring Deny", () => {
    expect(
      bucketsGranted({
        Statement: [
          { Effect: 'Allow', Resource: ['arn:aws:s3:::b2/*', 'arn:aws:s3:::b1'] },
          { Effect: 'Deny', Resource: 'arn:aws:s3:::denied/*' },
        ],
      }),
    ).toEqual(['b1', 'b2']);
    expect(bucketsGranted({ Statement: { Effect: 'Allow', Resource: 'arn:aws:s3:::solo/*' } })).toEqual(['solo']);
  });

  it('a wildcard resource grants every bucket', () => {
    expect(bucketsGranted({ Statement: [{ Effect: 'Allow', Resource: '*' }] })).toEqual(['*']);
    expect(bucketsGranted({ Statement: [{ Effect: 'Allow', Resource: 'arn:aws:s3:::nix-*/*' }] })).toEqual(['*']);
  });

  it('nonsense from a server grants nothing instead of failing', () => {
    expect(bucketsGranted(null)).toEqual([]);
    expect(bucketsGranted({})).toEqual([]);
    expect(bucketsGranted({ Statement: [null, 7, { Effect: 'Allow', Resource: [3, 'not-an-arn'] }] })).toEqual([]);
  });

  it('says which buckets in a conflict: one, several, or every bucket', () => {
    expect(describeBuckets(['b1'])).toBe('bucket b1');
    expect(describeBuckets(['b1', 'b2'])).toBe('buckets b1, b2');
    expect(describeBuckets(['b1', '*'])).toBe('every bucket');
  });
});
