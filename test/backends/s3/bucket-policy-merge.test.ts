/**
 * SPEC 5 `anonymous` and Ceph `policy`: our statements, found by stable Sids, merged into the
 * bucket's policy while every other statement stays byte for byte and in order.
 */
import { describe, expect, it } from 'vitest';
import {
  ANONYMOUS_SIDS,
  anonymousStatements,
  BucketPolicySyntaxError,
  CEPH_POLICY_SIDS,
  cephPolicyStatements,
  contradictsAnonymous,
  inspectBucketPolicy,
  holdsStatements,
  mergeBucketPolicy,
  rgwUserArn,
} from '../../../source/backends/s3/bucket-policy-merge';
import { WRITE_ACTIONS } from '../../../source/policies/write-policy';

const get = anonymousStatements('b', 'get');
const download = anonymousStatements('b', 'download');

/** Two foreign statements spelled oddly: white space, escapes, a string Action, a Condition. */
const foreign1 = '{ "Sid" : "Backup\\u0041ccess", "Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/backup"]},"Action":"s3:GetObject","Resource":"arn:aws:s3:::b\\/*" }';
const foreign2 = '{"Effect":"Deny","Principal":"*","Action":["s3:*"],"Resource":["arn:aws:s3:::b/*"],"Condition":{"Bool":{"aws:SecureTransport":"false"}}}';
const existing = `{\n  "Version": "2012-10-17",\n  "Id": "mine",\n  "Statement": [\n    ${foreign1},\n    ${foreign2}\n  ]\n}`;

function sids(policy: string | null): string[] {
  return policy === null ? [] : (JSON.parse(policy).Statement as { Sid?: string }[]).map((s) => s.Sid ?? '');
}

describe('the anonymous statements', () => {
  it('for get allow only GetObject on the objects, to everyone', () => {
    expect(get).toEqual([{ Sid: 'NixCacheAnonymousRead', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] }]);
  });

  it("for download are mc's canned readonly policy with our Sids", () => {
    const mcCanned = [
      { Action: ['s3:GetBucketLocation', 's3:ListBucket'], Effect: 'Allow', Principal: { AWS: ['*'] }, Resource: ['arn:aws:s3:::b'] },
      { Action: ['s3:GetObject'], Effect: 'Allow', Principal: { AWS: ['*'] }, Resource: ['arn:aws:s3:::b/*'] },
    ];
    expect(download.map(({ Sid: _sid, ...rest }) => rest)).toEqual(mcCanned);
    expect(download.map((s) => s.Sid)).toEqual(['NixCacheAnonymousList', 'NixCacheAnonymousRead']);
  });

  it('for none are nothing', () => {
    expect(anonymousStatements('b', 'none')).toEqual([]);
  });
});

describe('merging into the bucket policy', () => {
  it('creates a policy when the bucket has none', () => {
    const merge = mergeBucketPolicy(null, get, ANONYMOUS_SIDS);
    expect(merge.changed).toBe(true);
    expect(JSON.parse(merge.policy!)).toEqual({ Version: '2012-10-17', Statement: get });
  });

  it('keeps every foreign statement byte for byte and in order, and the rest of the document', () => {
    const merge = mergeBucketPolicy(existing, get, ANONYMOUS_SIDS);
    expect(merge.changed).toBe(true);
    const policy = merge.policy!;
    expect(policy.startsWith('{\n  "Version": "2012-10-17",\n  "Id": "mine",\n  "Statement": [')).toBe(true);
    expect(policy.indexOf(foreign1)).toBeGreaterThan(0);
    expect(policy.indexOf(foreign2)).toBeGreaterThan(policy.indexOf(foreign1));
    expect(sids(policy)).toEqual(['BackupAccess', '', 'NixCacheAnonymousRead']);
    expect(policy.endsWith('\n}')).toBe(true);
  });

  it('replaces our statements when the mode changes, and nothing else', () => {
    const withDownload = mergeBucketPolicy(existing, download, ANONYMOUS_SIDS).policy!;
    const withGet = mergeBucketPolicy(withDownload, get, ANONYMOUS_SIDS);
    expect(withGet.changed).toBe(true);
    expect(withGet.foundSids).toEqual(['NixCacheAnonymousList', 'NixCacheAnonymousRead']);
    expect(sids(withGet.policy)).toEqual(['BackupAccess', '', 'NixCacheAnonymousRead']);
    expect(withGet.policy).toContain(foreign1);
    expect(withGet.policy).toContain(foreign2);
  });

  it('removes ours for none, keeping the foreign statements', () => {
    const withGet = mergeBucketPolicy(existing, get, ANONYMOUS_SIDS).policy!;
    const none = mergeBucketPolicy(withGet, [], ANONYMOUS_SIDS);
    expect(none.changed).toBe(true);
    expect(sids(none.policy)).toEqual(['BackupAccess', '']);
    expect(none.policy).toContain(foreign1);
  });

  it('asks to delete the policy when nothing is left in it', () => {
    const ours = mergeBucketPolicy(null, download, ANONYMOUS_SIDS).policy!;
    expect(mergeBucketPolicy(ours, [], ANONYMOUS_SIDS)).toMatchObject({ changed: true, policy: null });
    expect(mergeBucketPolicy(null, [], ANONYMOUS_SIDS)).toMatchObject({ changed: false, policy: null });
  });

  it('is idempotent: merging again changes nothing', () => {
    for (const wanted of [get, download, []]) {
      const once = mergeBucketPolicy(existing, wanted, ANONYMOUS_SIDS).policy;
      const twice = mergeBucketPolicy(once, wanted, ANONYMOUS_SIDS);
      expect(twice.changed).toBe(false);
      expect(twice.policy).toBe(once);
    }
  });

  it('compares by meaning: a server that re-serialises our statement still holds it', () => {
    // as MinIO stores it: actions and resources reordered, a string instead of a one-element array
    const reformatted = JSON.stringify({
      Version: '2012-10-17',
      Statement: [
        { Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:ListBucket', 's3:GetBucketLocation'], Resource: ['arn:aws:s3:::b'], Sid: 'NixCacheAnonymousList' },
        { Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource: 'arn:aws:s3:::b/*', Sid: 'NixCacheAnonymousRead' },
      ],
    });
    expect(holdsStatements(reformatted, download, ANONYMOUS_SIDS)).toBe(true);
    expect(holdsStatements(reformatted, get, ANONYMOUS_SIDS)).toBe(false);
  });

  it('sees a widened statement of ours as a change', () => {
    const widened = JSON.stringify({ Version: '2012-10-17', Statement: [{ ...get[0], Action: ['s3:GetObject', 's3:PutObject'] }] });
    expect(mergeBucketPolicy(widened, get, ANONYMOUS_SIDS).changed).toBe(true);
  });

  it('takes a duplicate of our statement for the same statement (MinIO would keep only one of them anyway)', () => {
    const duplicated = JSON.stringify({ Version: '2012-10-17', Statement: [get[0], get[0]] });
    expect(mergeBucketPolicy(duplicated, get, ANONYMOUS_SIDS).changed).toBe(false);
  });

  describe("after the guide's `mc anonymous set download` (Sid-less statements, as MinIO returns them)", () => {
    // MinIO drops a statement equal to one it has, whatever the Sids (notes/minio-admin.md)
    const guide = '{"Statement":[{"Action":["s3:GetBucketLocation","s3:ListBucket"],"Effect":"Allow","Principal":{"AWS":["*"]},"Resource":["arn:aws:s3:::b"]},{"Action":["s3:GetObject"],"Effect":"Allow","Principal":{"AWS":["*"]},"Resource":["arn:aws:s3:::b/*"]}],"Version":"2012-10-17"}';

    it('holds our download statements by meaning: nothing to write', () => {
      expect(holdsStatements(guide, download, ANONYMOUS_SIDS)).toBe(true);
      expect(mergeBucketPolicy(guide, download, ANONYMOUS_SIDS)).toMatchObject({ changed: false, foundSids: [] });
      expect(inspectBucketPolicy(guide, download, ANONYMOUS_SIDS, contradictsAnonymous('download', 'b')).contradicting).toEqual([]);
    });

    it('holds our get statement by meaning, and finds the listing the other statement allows contradicting get', () => {
      expect(holdsStatements(guide, get, ANONYMOUS_SIDS)).toBe(true);
      const contradicting = inspectBucketPolicy(guide, get, ANONYMOUS_SIDS, contradictsAnonymous('get', 'b')).contradicting;
      expect(contradicting.map((c) => c.reason)).toEqual([expect.stringContaining('grants everyone s3:GetBucketLocation, s3:ListBucket')]);
    });

    it('a merge replaces the Sid-less duplicate by ours instead of adding a second copy MinIO would drop', () => {
      const withOwnerRead = cephPolicyStatements('b', 'nixbuilder', 'none', 'owner');
      const merged = mergeBucketPolicy(guide, [...get, ...withOwnerRead], [...ANONYMOUS_SIDS, ...CEPH_POLICY_SIDS]);
      expect(merged.changed).toBe(true);
      const statements = JSON.parse(merged.policy!).Statement as { Sid?: string; Action: string[] }[];
      expect(statements.map((st) => st.Sid ?? '')).toEqual(['', 'NixCacheAnonymousRead', ...withOwnerRead.map((st) => st.Sid)]);
      expect(statements[0]!.Action).toEqual(['s3:GetBucketLocation', 's3:ListBucket']);
    });

    it('a statement of ours by Sid that means something else is still a change', () => {
      const widened = JSON.stringify({ Version: '2012-10-17', Statement: [JSON.parse(guide).Statement[1], { ...get[0], Action: ['s3:GetObject', 's3:PutObject'] }] });
      expect(holdsStatements(widened, get, ANONYMOUS_SIDS)).toBe(false);
    });
  });

  it('counts a statement of the same meaning without our Sid as ours, since MinIO drops duplicates whatever their Sid', () => {
    // what MinIO stores after `mc anonymous set download` (read back from the real server)
    const mcDownload =
      '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::b"]},{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}';
    expect(holdsStatements(mcDownload, download, ANONYMOUS_SIDS)).toBe(true);
    expect(mergeBucketPolicy(mcDownload, download, ANONYMOUS_SIDS)).toMatchObject({ changed: false, policy: mcDownload });
    // with another foreign statement to merge around, the Sid-less copy is replaced by ours, never doubled
    const withOurs = mergeBucketPolicy(existing, get, ANONYMOUS_SIDS).policy!;
    const sidless = withOurs.replace('"Sid":"NixCacheAnonymousRead",', '');
    expect(holdsStatements(sidless, get, ANONYMOUS_SIDS)).toBe(true);
    const toDownload = mergeBucketPolicy(sidless, download, ANONYMOUS_SIDS);
    expect(sids(toDownload.policy)).toEqual(['BackupAccess', '', 'NixCacheAnonymousList', 'NixCacheAnonymousRead']);
    expect(holdsStatements(toDownload.policy, download, ANONYMOUS_SIDS)).toBe(true);
  });

  it('accepts a policy whose Statement is a single object', () => {
    const single = `{"Version":"2012-10-17","Statement":${foreign1}}`;
    const merge = mergeBucketPolicy(single, get, ANONYMOUS_SIDS);
    expect(merge.policy).toBe(`{"Version":"2012-10-17","Statement":[${foreign1},${JSON.stringify(get[0])}]}`);
  });

  it('leaves the statements of the other step alone', () => {
    const ceph = cephPolicyStatements('b', 'nixbuilder', 'get', undefined);
    const withBuilder = mergeBucketPolicy(existing, ceph, CEPH_POLICY_SIDS).policy!;
    const withGet = mergeBucketPolicy(withBuilder, get, ANONYMOUS_SIDS).policy!;
    const builderSids = ceph.map((s) => s.Sid);
    expect(sids(withGet)).toEqual(['BackupAccess', '', ...builderSids, 'NixCacheAnonymousRead']);
    expect(holdsStatements(withGet, ceph, CEPH_POLICY_SIDS)).toBe(true);
    expect(sids(mergeBucketPolicy(withGet, [], ANONYMOUS_SIDS).policy)).toEqual(['BackupAccess', '', ...builderSids]);
  });

  it('refuses a policy that is not JSON', () => {
    expect(() => mergeBucketPolicy('{"Version": ', get, ANONYMOUS_SIDS)).toThrow(BucketPolicySyntaxError);
    expect(() => mergeBucketPolicy('[1]', get, ANONYMOUS_SIDS)).toThrow(BucketPolicySyntaxError);
  });
});

describe('the Ceph builder statements', () => {
  it('give the builder the write actions on the bucket and its objects, no delete', () => {
    const [write, ...rest] = cephPolicyStatements('b', 'nixbuilder', 'get', undefined);
    expect(rest.every((s) => s.Effect === 'Deny')).toBe(true);
    expect(write).toEqual({
      Sid: 'NixCacheBuilderWrite',
      Effect: 'Allow',
      Principal: { AWS: ['arn:aws:iam:::user/nixbuilder'] },
      Action: [...WRITE_ACTIONS],
      Resource: ['arn:aws:s3:::b', 'arn:aws:s3:::b/*'],
    });
    expect(write!.Action.some((a) => a.includes('Delete'))).toBe(false);
  });

  it('let the bucket owner read the builder’s uploads when nothing anonymous does', () => {
    const statements = cephPolicyStatements('b', 'nixbuilder', 'none', 'admin');
    expect(statements.find((s) => s.Sid === 'NixCacheOwnerRead')).toEqual({ Sid: 'NixCacheOwnerRead', Effect: 'Allow', Principal: { AWS: ['arn:aws:iam:::user/admin'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::b/*'] });
    expect(() => cephPolicyStatements('b', 'nixbuilder', 'none', undefined)).toThrow();
  });

  it('deny the builder every ACL change, every tagging, and uploads that open objects to everyone, naming only public values', () => {
    const [, ...denies] = cephPolicyStatements('b', 'nixbuilder', 'get', undefined);
    for (const deny of denies) expect(deny.Principal).toEqual({ AWS: ['arn:aws:iam:::user/nixbuilder'] });
    expect(denies[0]).toMatchObject({ Sid: 'NixCacheBuilderNoAcl', Action: ['s3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutObjectVersionAcl'] });
    // tags select objects for lifecycle rules: a builder tagging its uploads could have them expired
    expect(denies[1]).toMatchObject({
      Sid: 'NixCacheBuilderNoTagging',
      Effect: 'Deny',
      Action: ['s3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'],
      Resource: ['arn:aws:s3:::b/*'],
    });
    const uploads = denies.slice(2);
    expect(uploads.map((s) => Object.keys(s.Condition!['StringEquals'] ?? s.Condition!['StringLike']!)[0])).toEqual([
      's3:x-amz-acl',
      's3:x-amz-grant-full-control',
      's3:x-amz-grant-read',
      's3:x-amz-grant-read-acp',
      's3:x-amz-grant-write',
      's3:x-amz-grant-write-acp',
    ]);
    // never Null: RGW 16 reads any Null condition as "the key is absent"
    expect(JSON.stringify(denies)).not.toContain('Null');
    expect(uploads[0]!.Condition!['StringEquals']!['s3:x-amz-acl']).not.toContain('private');
  });

  it('name tenanted RGW users by their tenant', () => {
    expect(rgwUserArn('nixbuilder')).toBe('arn:aws:iam:::user/nixbuilder');
    expect(rgwUserArn('acme$nixbuilder')).toBe('arn:aws:iam::acme:user/nixbuilder');
  });
});

describe('statements of others that contradict the anonymous mode', () => {
  // what MinIO stores after the guide's `mc anonymous set download` (read back from the real server)
  const mcDownload =
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::b"]},{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}]}';
  const listing = '{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetBucketLocation","s3:ListBucket"],"Resource":["arn:aws:s3:::b"]}';
  const reading = '{"Effect":"Allow","Principal":{"AWS":["*"]},"Action":["s3:GetObject"],"Resource":["arn:aws:s3:::b/*"]}';

  it("for get: the guide's listing statement, replaced, while its GetObject statement is ours by meaning", () => {
    const contradicts = contradictsAnonymous('get', 'b');
    const inspection = inspectBucketPolicy(mcDownload, get, ANONYMOUS_SIDS, contradicts);
    expect(inspection.holds).toBe(false);
    expect(inspection.contradicting).toEqual([
      {
        text: listing,
        reason: 'a statement not made by this wizard grants everyone s3:GetBucketLocation, s3:ListBucket; anonymous "get" lets everyone GET objects and nothing more (no listing)',
      },
    ]);
    const merge = mergeBucketPolicy(mcDownload, get, ANONYMOUS_SIDS, contradicts);
    // the Sid-less GetObject statement means ours: it is written back as ours, with our Sid
    expect(merge.policy).toBe(`{"Version":"2012-10-17","Statement":[${JSON.stringify(get[0])}]}`);
    expect(merge.replaced).toHaveLength(1);
    expect(holdsStatements(merge.policy, get, ANONYMOUS_SIDS, contradicts)).toBe(true);
  });

  it('for download: nothing; for none: every anonymous grant, and the policy is deleted when nothing is left', () => {
    expect(inspectBucketPolicy(mcDownload, download, ANONYMOUS_SIDS, contradictsAnonymous('download', 'b'))).toEqual({ holds: true, contradicting: [] });
    const none = mergeBucketPolicy(mcDownload, [], ANONYMOUS_SIDS, contradictsAnonymous('none', 'b'));
    expect(none).toMatchObject({ changed: true, policy: null });
    expect(none.replaced.map((r) => r.text)).toEqual([listing, reading]);
  });

  it('counts wildcards, NotAction and NotPrincipal as more than the mode allows, and keeps statements for named users and denials', () => {
    const contradicts = contradictsAnonymous('download', 'b');
    expect(contradicts({ Effect: 'Allow', Principal: '*', Action: 's3:Get*', Resource: 'arn:aws:s3:::b/*' })).toContain('grants everyone s3:Get*');
    expect(contradicts({ Effect: 'Allow', Principal: '*', NotAction: 's3:DeleteObject', Resource: 'arn:aws:s3:::b/*' })).toContain('every action but s3:DeleteObject');
    expect(contradicts({ Effect: 'Allow', NotPrincipal: { AWS: ['arn:aws:iam:::user/x'] }, Action: 's3:PutObject', Resource: 'arn:aws:s3:::b/*' })).toContain('s3:PutObject');
    expect(contradicts({ Effect: 'Allow', Principal: { AWS: ['arn:aws:iam:::user/backup'] }, Action: 's3:*', Resource: 'arn:aws:s3:::b/*' })).toBeUndefined();
    expect(contradicts({ Effect: 'Deny', Principal: '*', Action: 's3:*', Resource: 'arn:aws:s3:::b/*' })).toBeUndefined();
    // foreign statements that do not contradict stay byte for byte
    const merge = mergeBucketPolicy(existing, get, ANONYMOUS_SIDS, contradictsAnonymous('get', 'b'));
    expect(merge.replaced).toEqual([]);
    expect(merge.policy).toContain(foreign1);
    expect(merge.policy).toContain(foreign2);
  });

  it('only where the grant reaches the cache: the bucket or the keys Nix writes', () => {
    const none = contradictsAnonymous('none', 'b');
    const read = (Resource: string) => none({ Effect: 'Allow', Principal: '*', Action: 's3:GetObject', Resource });
    expect(read('arn:aws:s3:::b/public/*')).toBeUndefined();
    expect(read('arn:aws:s3:::other/*')).toBeUndefined();
    expect(read('arn:aws:s3:::b/*')).toContain('s3:GetObject');
    expect(read('arn:aws:s3:::b/nar/*')).toContain('s3:GetObject');
    expect(read('arn:aws:s3:::b/nix-cache-info')).toContain('s3:GetObject');
    expect(read('arn:aws:s3:::*')).toContain('s3:GetObject');
  });
});
