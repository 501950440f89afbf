/**
 * Our statements in a bucket policy, merged into whatever policy the bucket already has
 * (SPEC 5 `anonymous` and Ceph `policy`; notes/s3-policies-and-lifecycle.md, notes/ceph-rgw.md).
 *
 * Our statements carry stable Sids so a re-run finds and replaces exactly them. Every other
 * statement is kept byte for byte and in order: the new document is the old text with only the
 * `Statement` array rewritten, each foreign element copied from the source text. Whether anything
 * changed is decided by meaning (sets of actions, resources and principals), because servers
 * such as MinIO re-serialise a stored policy.
 */
import { bucketResources, WRITE_ACTIONS, type PolicyStatement } from '../../policies/write-policy';
import type { AnonymousMode } from '../../answers/answers';
import { prefixSelectsCacheKeys } from './lifecycle-rules';

export const ANONYMOUS_READ_SID = 'NixCacheAnonymousRead';
export const ANONYMOUS_LIST_SID = 'NixCacheAnonymousList';
export const BUILDER_WRITE_SID = 'NixCacheBuilderWrite';
export const OWNER_READ_SID = 'NixCacheOwnerRead';
export const READER_READ_SID = 'NixCacheReaderRead';
export const BUILDER_NO_ACL_SID = 'NixCacheBuilderNoAcl';
export const BUILDER_NO_GRANTS_SID = 'NixCacheBuilderNoGrants';
export const BUILDER_NO_TAGGING_SID = 'NixCacheBuilderNoTagging';

/** The Sids the `anonymous` step manages. */
export const ANONYMOUS_SIDS = [ANONYMOUS_READ_SID, ANONYMOUS_LIST_SID] as const;
/** Headers that set an ACL on upload, each denied to the builder by its own statement (Sid). */
const GRANT_HEADERS = {
  's3:x-amz-grant-full-control': `${BUILDER_NO_GRANTS_SID}FullControl`,
  's3:x-amz-grant-read': `${BUILDER_NO_GRANTS_SID}Read`,
  's3:x-amz-grant-read-acp': `${BUILDER_NO_GRANTS_SID}ReadAcp`,
  's3:x-amz-grant-write': `${BUILDER_NO_GRANTS_SID}Write`,
  's3:x-amz-grant-write-acp': `${BUILDER_NO_GRANTS_SID}WriteAcp`,
} as const;
/** The Sids the Ceph `policy` step manages. */
export const CEPH_POLICY_SIDS = [BUILDER_WRITE_SID, BUILDER_NO_ACL_SID, BUILDER_NO_TAGGING_SID, BUILDER_NO_GRANTS_SID, ...Object.values(GRANT_HEADERS), OWNER_READ_SID] as const;
/** The Sid the Ceph `reader-policy` step manages (private caches). */
export const CEPH_READER_SIDS = [READER_READ_SID] as const;

/**
 * Ceph RGW, private cache: the reader may GET objects and nothing else (no listing: Nix needs
 * none, and a 403 on a missing narinfo counts as a miss).
 */
export function cephReaderStatements(bucket: string, readerUid: string): PolicyStatement[] {
  return [{ Sid: READER_READ_SID, Effect: 'Allow', Principal: { AWS: [rgwUserArn(readerUid)] }, Action: ['s3:GetObject'], Resource: [bucketResources(bucket)[1]!] }];
}

const EVERYONE = { AWS: ['*'] };

/**
 * `get`: anonymous GetObject only (Nix needs nothing more: a 403 on a missing narinfo is a miss).
 * `download`: mc's canned "readonly" policy (`mc anonymous set download`), which also lets anyone
 * list every store path in the cache. `none`: no statement.
 */
export function anonymousStatements(bucket: string, mode: AnonymousMode): PolicyStatement[] {
  const [bucketArn, objectsArn] = bucketResources(bucket) as [string, string];
  const read: PolicyStatement = { Sid: ANONYMOUS_READ_SID, Effect: 'Allow', Principal: EVERYONE, Action: ['s3:GetObject'], Resource: [objectsArn] };
  const list: PolicyStatement = {
    Sid: ANONYMOUS_LIST_SID,
    Effect: 'Allow',
    Principal: EVERYONE,
    Action: ['s3:GetBucketLocation', 's3:ListBucket'],
    Resource: [bucketArn],
  };
  switch (mode) {
    case 'get':
      return [read];
    case 'download':
      return [list, read];
    case 'none':
      return [];
  }
}

/**
 * The principal ARN of an RGW user. RGW names a tenanted user `tenant$uid` (as in a bucket's
 * owner id) and its ARN `arn:aws:iam::tenant:user/uid`.
 */
export function rgwUserArn(uid: string): string {
  const dollar = uid.indexOf('$');
  return dollar === -1 ? `arn:aws:iam:::user/${uid}` : `arn:aws:iam::${uid.slice(0, dollar)}:user/${uid.slice(dollar + 1)}`;
}

/**
 * Ceph RGW: the builder's write access is a bucket policy statement for that user (not an IAM
 * user policy, which RGW 16.2 silently deletes on any Admin Ops change to the user). Objects the
 * builder uploads belong to the builder, so the bucket owner cannot read them unless the policy
 * allows it: with `anonymous: none` nothing else does, so an owner-read statement is added.
 */
export function cephPolicyStatements(
  bucket: string,
  builderUid: string,
  anonymous: AnonymousMode,
  ownerUid: string | undefined,
): PolicyStatement[] {
  const resources = bucketResources(bucket);
  const builder = { AWS: [rgwUserArn(builderUid)] };
  const statements: PolicyStatement[] = [
    { Sid: BUILDER_WRITE_SID, Effect: 'Allow', Principal: builder, Action: [...WRITE_ACTIONS], Resource: resources },
    // RGW still honours ACLs: the builder owns what it uploads and could make it public with an
    // ACL, past a bucket policy that grants anonymous nothing (notes/s3-policies-and-lifecycle.md,
    // "Object ACLs"). An explicit Deny wins over every Allow, so the builder may not change ACLs...
    { Sid: BUILDER_NO_ACL_SID, Effect: 'Deny', Principal: builder, Action: [...ACL_ACTIONS], Resource: resources },
    // The owner may also tag what it uploads (RGW allows it by ownership, past the policy): tags
    // select objects for lifecycle rules, so a builder could have objects expired it may not delete.
    { Sid: BUILDER_NO_TAGGING_SID, Effect: 'Deny', Principal: builder, Action: [...TAGGING_ACTIONS], Resource: [resources[1]!] },
    // ...nor upload with an ACL that opens the object to everyone (x-amz-acl, x-amz-grant-*).
    ...noGrantStatements(bucket, builder),
  ];
  if (anonymous === 'none') {
    if (ownerUid === undefined) throw new Error('the bucket owner is needed for the owner-read statement');
    statements.push({
      Sid: OWNER_READ_SID,
      Effect: 'Allow',
      Principal: { AWS: [rgwUserArn(ownerUid)] },
      Action: ['s3:GetObject'],
      Resource: [resources[1]!],
    });
  }
  return statements;
}

/** Every request that changes an object's tags. */
export const TAGGING_ACTIONS = ['s3:PutObjectTagging', 's3:PutObjectVersionTagging', 's3:DeleteObjectTagging', 's3:DeleteObjectVersionTagging'] as const;

/** Every request that changes an ACL. */
export const ACL_ACTIONS = ['s3:PutBucketAcl', 's3:PutObjectAcl', 's3:PutObjectVersionAcl'] as const;

/** Canned ACLs that let someone other than the owner read or write. */
const PUBLIC_CANNED_ACLS = ['public-read', 'public-read-write', 'authenticated-read', 'aws-exec-read'] as const;
/** Grantees of an x-amz-grant-* header that mean "everyone" or "every user of the server". */
const PUBLIC_GRANTEES = ['*acs.amazonaws.com/groups/global/AllUsers*', '*acs.amazonaws.com/groups/global/AuthenticatedUsers*'] as const;

/**
 * Denies the builder an upload that sets an ACL: one statement per header, since the keys of
 * one condition operator are ANDed.
 */
function noGrantStatements(bucket: string, builder: { AWS: string[] }): PolicyStatement[] {
  const objects = [bucketResources(bucket)[1]!];
  return [
    {
      Sid: BUILDER_NO_GRANTS_SID,
      Effect: 'Deny',
      Principal: builder,
      Action: ['s3:PutObject'],
      Resource: objects,
      // The canned ACLs that open objects to others. Named values, not "sent and not private":
      // RGW 16 evaluates `Null` as "key absent" whatever its value (Condition::eval in
      // rgw_iam_policy.cc), and with `StringLike *` it refused uploads that sent no header.
      Condition: { StringEquals: { 's3:x-amz-acl': [...PUBLIC_CANNED_ACLS] } },
    },
    ...Object.entries(GRANT_HEADERS).map(
      ([header, sid]): PolicyStatement => ({
        Sid: sid,
        Effect: 'Deny',
        Principal: builder,
        Action: ['s3:PutObject'],
        Resource: objects,
        Condition: { StringLike: { [header]: [...PUBLIC_GRANTEES] } },
      }),
    ),
  ];
}

export class BucketPolicySyntaxError extends Error {
  override readonly name = 'BucketPolicySyntaxError';
}

/** [start, end) of a JSON value in `text`. */
interface Span {
  readonly start: number;
  readonly end: number;
}

/** Finds the end of the JSON value starting at `i` (after white space). Assumes valid JSON. */
function skipValue(text: string, i: number): number {
  i = skipSpace(text, i);
  const c = text[i];
  if (c === '"') {
    i++;
    while (i < text.length && text[i] !== '"') i += text[i] === '\\' ? 2 : 1;
    return i + 1;
  }
  if (c === '{' || c === '[') {
    let depth = 0;
    while (i < text.length) {
      const d = text[i]!;
      if (d === '"') {
        i = skipValue(text, i);
        continue;
      }
      if (d === '{' || d === '[') depth++;
      else if (d === '}' || d === ']') {
        depth--;
        if (depth === 0) return i + 1;
      }
      i++;
    }
    return i;
  }
  while (i < text.length && !/[\s,}\]]/.test(text[i]!)) i++;
  return i;
}

function skipSpace(text: string, i: number): number {
  while (i < text.length && /\s/.test(text[i]!)) i++;
  return i;
}

/**
 * The span of the top-level `Statement` value and, when it is an array, of each element.
 * With duplicate keys the last one counts, as in `JSON.parse`.
 */
function statementSpans(text: string): { value: Span; elements: Span[] } | undefined {
  let i = skipSpace(text, 0);
  if (text[i] !== '{') return undefined;
  i++;
  let found: { value: Span; elements: Span[] } | undefined;
  for (;;) {
    i = skipSpace(text, i);
    if (text[i] === '}') break;
    if (text[i] === ',') {
      i++;
      continue;
    }
    const keyEnd = skipValue(text, i);
    const key = JSON.parse(text.slice(i, keyEnd)) as string;
    i = skipSpace(text, keyEnd);
    i++; // ':'
    const start = skipSpace(text, i);
    const end = skipValue(text, start);
    if (key === 'Statement') {
      const elements: Span[] = [];
      if (text[start] === '[') {
        let j = start + 1;
        for (;;) {
          j = skipSpace(text, j);
          if (text[j] === ']') break;
          if (text[j] === ',') {
            j++;
            continue;
          }
          const elementEnd = skipValue(text, j);
          elements.push({ start: j, end: elementEnd });
          j = elementEnd;
        }
      } else {
        elements.push({ start, end });
      }
      found = { value: { start, end }, elements };
    }
    i = end;
  }
  return found;
}

function asList(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function normalizedSet(value: unknown): string {
  return JSON.stringify([...new Set(asList(value))].sort());
}

function principalKey(principal: unknown): string {
  if (principal === '*') return JSON.stringify({ AWS: ['*'] });
  if (principal && typeof principal === 'object') {
    const entries = Object.entries(principal as Record<string, unknown>)
      .map(([k, v]) => [k, [...new Set(asList(v))].sort()] as const)
      .sort(([a], [b]) => a.localeCompare(b));
    return JSON.stringify(Object.fromEntries(entries));
  }
  return JSON.stringify(principal ?? null);
}

/**
 * A statement's meaning, independent of order, duplicates and string-vs-array spelling, and of its
 * Sid: MinIO compares statements this way and drops one that duplicates another whatever their
 * Sids (notes/minio-admin.md), so a statement of someone else's with the same meaning as ours
 * already grants what ours would.
 */
function meaningKey(statement: Record<string, unknown>): string {
  const known = new Set(['Sid', 'Effect', 'Principal', 'Action', 'Resource']);
  const extra = Object.keys(statement)
    .filter((k) => !known.has(k))
    .sort()
    .map((k) => [k, statement[k]]);
  return JSON.stringify([
    statement['Effect'],
    principalKey(statement['Principal']),
    normalizedSet(statement['Action']),
    normalizedSet(statement['Resource']),
    extra,
  ]);
}

export interface ParsedBucketPolicy {
  readonly text: string;
  readonly statements: Record<string, unknown>[];
}

/** Parses a stored bucket policy; throws `BucketPolicySyntaxError` when it is not a policy document. */
export function parseBucketPolicy(text: string): ParsedBucketPolicy {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new BucketPolicySyntaxError(`the bucket policy is not valid JSON (${(error as Error).message})`);
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new BucketPolicySyntaxError('the bucket policy is not a JSON object');
  const raw = (document as Record<string, unknown>)['Statement'];
  const statements = raw === undefined ? [] : Array.isArray(raw) ? raw : [raw];
  if (statements.some((s) => !s || typeof s !== 'object' || Array.isArray(s))) throw new BucketPolicySyntaxError('a bucket policy statement is not a JSON object');
  return { text, statements: statements as Record<string, unknown>[] };
}

export interface BucketPolicyMerge {
  /** false when the policy already holds exactly `wanted` for the managed Sids */
  readonly changed: boolean;
  /** the policy to PUT, or null when no statement is left (DELETE the policy) */
  readonly policy: string | null;
  /** the Sids of the managed statements found before the merge */
  readonly foundSids: readonly string[];
  /** foreign statements removed because they contradict the answers */
  readonly replaced: readonly ReplacedStatement[];
}

/** Ours: a managed Sid, or the meaning of one of the statements we want (whatever its Sid). */
function oursTest(wanted: readonly PolicyStatement[], managedSids: readonly string[]): (statement: Record<string, unknown>) => boolean {
  const meanings = new Set(wanted.map((s) => meaningKey(s as unknown as Record<string, unknown>)));
  return (statement) => managedSids.includes(String(statement['Sid'] ?? '')) || meanings.has(meaningKey(statement));
}

/**
 * Why a statement not made by this wizard contradicts the answers (SPEC 5, "Settings that
 * contradict the answers"), or undefined when it may stay as it is.
 */
export type Contradiction = (statement: Record<string, unknown>) => string | undefined;

/** A foreign statement to be replaced: its text as stored and why. */
export interface ReplacedStatement {
  readonly text: string;
  readonly reason: string;
}

export interface BucketPolicyInspection {
  /** true when the policy grants exactly `wanted` and holds nothing that contradicts the answers */
  readonly holds: boolean;
  /** foreign statements that contradict the answers, in document order */
  readonly contradicting: readonly ReplacedStatement[];
}

/**
 * Whether `current` holds exactly `wanted` among our statements (a `managedSids` Sid, or the
 * meaning of a wanted one, whatever its Sid: MinIO would drop ours as its duplicate), and which
 * statements not made by this wizard contradict the answers.
 */
export function inspectBucketPolicy(
  current: string | null,
  wanted: readonly PolicyStatement[],
  managedSids: readonly string[],
  contradicts: Contradiction = () => undefined,
): BucketPolicyInspection {
  const parsed = current === null ? undefined : parseBucketPolicy(current);
  const statements = parsed?.statements ?? [];
  const isOurs = oursTest(wanted, managedSids);
  const spans = parsed === undefined ? undefined : statementSpans(parsed.text);
  const contradicting: ReplacedStatement[] = [];
  statements.forEach((statement, index) => {
    if (isOurs(statement)) return;
    const reason = contradicts(statement);
    if (reason === undefined) return;
    const span = spans?.elements[index];
    contradicting.push({ text: span && parsed ? parsed.text.slice(span.start, span.end) : JSON.stringify(statement), reason });
  });
  // Compared as sets of meanings: MinIO keeps one of two equal statements whatever their Sids.
  const have = [...new Set(statements.filter(isOurs).map(meaningKey))].sort();
  const want = [...new Set(wanted.map((s) => meaningKey(s as unknown as Record<string, unknown>)))].sort();
  return { holds: contradicting.length === 0 && JSON.stringify(have) === JSON.stringify(want), contradicting };
}

/** True when `current` holds exactly `wanted` among our statements and nothing contradicts the answers. */
export function holdsStatements(
  current: string | null,
  wanted: readonly PolicyStatement[],
  managedSids: readonly string[],
  contradicts?: Contradiction,
): boolean {
  return inspectBucketPolicy(current, wanted, managedSids, contradicts).holds;
}

/**
 * Merges `wanted` into the policy text `current` (null: the bucket has no policy): removes every
 * statement of ours (a Sid in `managedSids`, or the meaning of a wanted statement: it would be a
 * duplicate, which MinIO drops) and every other one that `contradicts` the answers, keeps the rest
 * byte for byte and in order, and appends `wanted`.
 */
export function mergeBucketPolicy(
  current: string | null,
  wanted: readonly PolicyStatement[],
  managedSids: readonly string[],
  contradicts: Contradiction = () => undefined,
): BucketPolicyMerge {
  const parsed = current === null ? undefined : parseBucketPolicy(current);
  const isOurs = oursTest(wanted, managedSids);
  const isKept = (s: Record<string, unknown>) => !isOurs(s) && contradicts(s) === undefined;
  const foundSids = (parsed?.statements ?? []).filter((s) => managedSids.includes(String(s['Sid'] ?? ''))).map((s) => String(s['Sid']));
  const inspection = inspectBucketPolicy(current, wanted, managedSids, contradicts);
  const replaced = inspection.contradicting;
  if (inspection.holds) return { changed: false, policy: current, foundSids, replaced };

  const wantedTexts = wanted.map((s) => JSON.stringify(s));
  if (parsed === undefined) {
    return {
      changed: true,
      policy: wantedTexts.length === 0 ? null : `{"Version":"2012-10-17","Statement":[${wantedTexts.join(',')}]}`,
      foundSids,
      replaced,
    };
  }
  const spans = statementSpans(parsed.text);
  const keptTexts: string[] = [];
  if (spans) {
    spans.elements.forEach((span, index) => {
      const statement = parsed.statements[index];
      if (statement && isKept(statement)) keptTexts.push(parsed.text.slice(span.start, span.end));
    });
  }
  const texts = [...keptTexts, ...wantedTexts];
  if (texts.length === 0) return { changed: true, policy: null, foundSids, replaced };
  if (!spans) {
    // no Statement key at all: add one after the other keys
    const document = JSON.parse(parsed.text) as Record<string, unknown>;
    return { changed: true, policy: JSON.stringify({ ...document, Statement: wanted }), foundSids, replaced };
  }
  const policy = `${parsed.text.slice(0, spans.value.start)}[${texts.join(',')}]${parsed.text.slice(spans.value.end)}`;
  return { changed: true, policy, foundSids, replaced };
}

function grantsEveryone(statement: Record<string, unknown>): boolean {
  if ('NotPrincipal' in statement) return true;
  const principal = statement['Principal'];
  return principal === '*' || Boolean(principal && typeof principal === 'object' && asList((principal as Record<string, unknown>)['AWS']).includes('*'));
}

/** What each anonymous mode lets everyone do; anything else granted to everyone contradicts it. */
const ANONYMOUS_ALLOWED: Record<AnonymousMode, readonly string[]> = {
  get: ['s3:getobject'],
  download: ['s3:getobject', 's3:listbucket', 's3:getbucketlocation'],
  none: [],
};

const ANONYMOUS_RULE: Record<AnonymousMode, string> = {
  get: 'anonymous "get" lets everyone GET objects and nothing more (no listing)',
  download: 'anonymous "download" lets everyone GET and list objects and nothing more',
  none: 'anonymous "none" lets nobody read without keys',
};

function globRegExp(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
}

/**
 * True when a statement's resources reach the cache: the bucket itself, or objects Nix writes
 * (narinfos, `nar/`, `nix-cache-info`, logs…). A grant on, say, `B/public/*` does not.
 */
function reachesCache(statement: Record<string, unknown>, bucket: string): boolean {
  if ('NotResource' in statement) return true;
  return asList(statement['Resource']).some((resource) => {
    if (!resource.startsWith('arn:aws:s3:::')) return resource === '*';
    const rest = resource.slice('arn:aws:s3:::'.length);
    const slash = rest.indexOf('/');
    const bucketPart = slash === -1 ? rest : rest.slice(0, slash);
    if (!globRegExp(bucketPart).test(bucket)) return false;
    if (slash === -1) return true;
    const key = rest.slice(slash + 1);
    const literal = key.split(/[*?]/)[0] ?? '';
    return literal === key ? prefixSelectsCacheKeys(key) : prefixSelectsCacheKeys(literal) || literal.length === 0;
  });
}

/**
 * A statement not made by this wizard that grants everyone more than the anonymous mode allows,
 * on the bucket or on cache objects, contradicts the answers: the guide's `mc anonymous set
 * download` (which lets anyone list every store path) when the mode is `get`, any anonymous grant
 * on the cache when it is `none`. A wildcard action or `NotAction` counts as more.
 */
export function contradictsAnonymous(mode: AnonymousMode, bucket: string): Contradiction {
  return (statement) => {
    if (statement['Effect'] !== 'Allow' || !grantsEveryone(statement) || !reachesCache(statement, bucket)) return undefined;
    const allowed = ANONYMOUS_ALLOWED[mode];
    if ('NotAction' in statement) return `a statement not made by this wizard grants everyone every action but ${[...asList(statement['NotAction'])].sort().join(', ')}; ${ANONYMOUS_RULE[mode]}`;
    // sorted: MinIO keeps a statement's actions as a set and gives them back in any order
    const extra = asList(statement['Action'])
      .filter((action) => /[*?]/.test(action) || !allowed.includes(action.toLowerCase()))
      .sort();
    if (extra.length === 0) return undefined;
    return `a statement not made by this wizard grants everyone ${extra.join(', ')}; ${ANONYMOUS_RULE[mode]}`;
  };
}
