/**
 * `verify` (SPEC 6): checks a live setup the way its users meet it, and changes nothing a client
 * or a later run can see. The builder proves it can write by starting a multipart upload and
 * aborting it (no object appears, none is replaced, no owner changes); the delete probe targets a
 * key that does not exist, and the ACL probe sets "private" on a private object of the builder's,
 * so even a wrongly allowed request changes nothing.
 */
import { randomBytes } from 'node:crypto';
import type { Client } from 'minio';
import type { Answers } from '../answers/answers';
import type { Effects } from '../effects';
import { renderNixCacheInfo } from '../files/render-nix-cache-info';
import { resolveFilePath } from '../files/resolve-file-path';
import { checkKeyPair } from '../keys/check-key-pair';
import { parseNixPublicKey, type NixPublicKey } from '../keys/nix-public-key';
import { substituterUrl } from '../nix/cache-urls';
import { checkLocalNix, checkNarinfoSignatures, trustedKeysIn } from './client-checks';
import { parseNixSecretKey } from '../keys/nix-secret-key';
import { readAwsProfile } from '../files/read-aws-profile';
import { readIfExists } from '../session/prepare-secrets';
import { wizardCommandLine } from '../text/wizard-command';
import { anonymousRequest } from './anonymous-request';
import { SECRET_WRONG } from '../backends/minio/builder-keys-check';
import { connectionsFor, type CaText, type Connections } from '../connections/connections';

export type VerifyStatus = 'ok' | 'failed' | 'skipped';

export interface VerifyReport {
  readonly id: string;
  readonly title: string;
  readonly status: VerifyStatus;
  /** what was found; on failure what is wrong and how to fix it */
  readonly detail: string;
}

interface VerifyContext {
  readonly answers: Answers;
  readonly effects: Effects;
  /** every client of the checks (connections/) */
  readonly connections: Connections;
  readonly publicKeyText: string | undefined;
}

const ok = (id: string, title: string, detail: string): VerifyReport => ({ id, title, status: 'ok', detail });
const failed = (id: string, title: string, detail: string): VerifyReport => ({ id, title, status: 'failed', detail });
const skipped = (id: string, title: string, detail: string): VerifyReport => ({ id, title, status: 'skipped', detail });

function messageOf(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

async function checkAnonymousRead(ctx: VerifyContext): Promise<VerifyReport[]> {
  const { answers } = ctx;
  const base = `${answers.endpoint}/${answers.bucket}`;
  const tls = { caPem: ctx.connections.caPem, insecure: answers.insecure };
  const reports: VerifyReport[] = [];
  const title = 'Anyone can read nix-cache-info';
  // The read and the listing go out together: neither waits for the other.
  const read = anonymousRequest(`${base}/nix-cache-info`, tls);
  const listing = answers.anonymous === 'get' ? anonymousRequest(`${base}/`, tls) : undefined;
  read.catch(() => undefined);
  listing?.catch(() => undefined);
  if (answers.anonymous === 'none') {
    const privateTitle = 'Nobody can read the cache anonymously';
    try {
      const response = await read;
      if (response.status === 403) reports.push(ok('anonymous-read', privateTitle, `an anonymous GET of ${base}/nix-cache-info is refused (403)`));
      else reports.push(failed('anonymous-read', privateTitle, `an anonymous GET of ${base}/nix-cache-info answered ${response.status}, but anonymous is "none". Fix: run setup again (step anonymous), and check the object's ACL.`));
    } catch (error) {
      reports.push(failed('anonymous-read', privateTitle, `GET ${base}/nix-cache-info failed: ${messageOf(error)}`));
    }
  } else {
    try {
      const response = await read;
      const expected = renderNixCacheInfo(answers.cacheInfo);
      if (response.status !== 200) {
        reports.push(failed('anonymous-read', title, `GET ${base}/nix-cache-info answered ${response.status}: Nix will say the bucket "does not appear to be a binary cache". Fix: run setup again (steps anonymous and cache-info).`));
      } else if (response.body !== expected) {
        reports.push(failed('anonymous-read', title, 'nix-cache-info differs from the answers (StoreDir, WantMassQuery or Priority). Fix: run setup again (step cache-info).'));
      } else {
        reports.push(ok('anonymous-read', title, `GET ${base}/nix-cache-info gives the expected content`));
      }
    } catch (error) {
      reports.push(failed('anonymous-read', title, `GET ${base}/nix-cache-info failed: ${messageOf(error)}. Fix: check the endpoint and that the server is up.`));
    }
  }
  const listTitle = 'Nobody can list the cache anonymously';
  if (listing === undefined) {
    reports.push(skipped('anonymous-list', listTitle, `anonymous is "${answers.anonymous}": ${answers.anonymous === 'download' ? 'listing is allowed on purpose' : 'nothing is anonymous'}`));
  } else {
    try {
      const response = await listing;
      if (response.status === 403) reports.push(ok('anonymous-list', listTitle, 'an anonymous listing is refused (403)'));
      else reports.push(failed('anonymous-list', listTitle, `an anonymous listing answered ${response.status}: anyone can list every store path. Fix: remove ListBucket from the bucket policy's anonymous statements, or run setup again.`));
    } catch (error) {
      reports.push(failed('anonymous-list', listTitle, `the listing request failed: ${messageOf(error)}`));
    }
  }
  return reports;
}

/**
 * A private cache: the reader credentials file every machine gets must hold keys that read
 * nix-cache-info (after `rotate credentials --reader`, the old file no longer does). Nothing on
 * a public cache.
 */
async function checkReader(ctx: VerifyContext): Promise<VerifyReport[]> {
  const { answers } = ctx;
  if (answers.anonymous !== 'none') return [];
  const title = `The reader (${answers.files.readerCredentials}, profile ${answers.reader.profile}) can read the cache`;
  const client = await profileClient(ctx, answers.files.readerCredentials, answers.reader.profile);
  if (client === undefined) {
    return [failed('reader-read', title, `no profile [${answers.reader.profile}] with keys in ${answers.files.readerCredentials}. Fix: run setup (it writes the file).`)];
  }
  const { readObjectText } = await import('../backends/s3/s3-requests');
  try {
    const text = await readObjectText(client, answers.bucket, 'nix-cache-info');
    if (text === null) return [failed('reader-read', title, 'the reader is let in, but the bucket has no nix-cache-info. Fix: run setup again (step cache-info).')];
    return [ok('reader-read', title, `a GET of nix-cache-info with the reader's keys works`)];
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    return [
      failed(
        'reader-read',
        title,
        typeof code === 'string' && SECRET_WRONG.has(code)
          ? `the server refuses the reader's keys (${code}): every machine with this file gets no paths from the cache. Fix: \`${wizardCommandLine(ctx.effects.env, 'rotate credentials --reader')}\`, then copy the file to every machine.`
          : `the reader could not read nix-cache-info: ${messageOf(error)}. Fix: run setup again (steps reader-user, reader-policy).`,
      ),
    ];
  }
}

/** An S3 client with the keys of `profileName` in the credentials file `file`, or undefined when it has none. */
async function profileClient(ctx: VerifyContext, file: string, profileName: string): Promise<Client | undefined> {
  const content = await readIfExists(resolveFilePath(file, ctx.effects));
  const profile = content === null ? undefined : readAwsProfile(content, profileName);
  if (!profile?.accessKeyId || !profile.secretAccessKey) return undefined;
  return ctx.connections.s3({ accessKey: profile.accessKeyId, secretKey: profile.secretAccessKey });
}

async function checkBuilder(ctx: VerifyContext, client: Client | undefined): Promise<VerifyReport[]> {
  const { answers } = ctx;
  const writeTitle = `The builder (profile ${answers.builder.profile}) can upload`;
  const deleteTitle = 'The builder cannot delete';
  if (client === undefined) {
    const why = `no profile [${answers.builder.profile}] with keys in ${answers.files.awsCredentials}. Fix: run setup (it writes the profile).`;
    return [failed('builder-write', writeTitle, why), skipped('builder-delete', deleteTitle, 'needs the builder profile')];
  }
  const reports: VerifyReport[] = [];
  // The upload test and the delete test go out together (the delete of a key nobody uploads).
  const probe = `nix-cache-wizard-verify-${randomBytes(8).toString('hex')}`;
  // A started and aborted multipart upload needs s3:PutObject, as an upload does, and leaves
  // nothing behind: unlike a PUT of nix-cache-info, it cannot repair, replace or re-own anything.
  const upload = (async () => {
    const uploadId = await client.initiateNewMultipartUpload(answers.bucket, probe, {});
    await client.abortMultipartUpload(answers.bucket, probe, uploadId);
  })();
  upload.catch(() => undefined);
  const removal = client.removeObject(answers.bucket, probe);
  removal.catch(() => undefined);
  const acl = probeAcl(client, answers);
  try {
    await upload;
    reports.push(ok('builder-write', writeTitle, "started and aborted an upload with the profile's keys (nothing was written)"));
  } catch (error) {
    reports.push(failed('builder-write', writeTitle, `the builder could not upload: ${messageOf(error)}. Fix: run setup again (steps user, policy, attach), or rotate the builder credentials if the secret is wrong.`));
  }
  try {
    await removal;
    reports.push(failed('builder-delete', deleteTitle, 'the builder may delete objects: a leaked builder key could empty the cache. Fix: remove s3:DeleteObject from its policy (run setup again to replace the policy).'));
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'AccessDenied') reports.push(ok('builder-delete', deleteTitle, 'a delete by the builder is refused (AccessDenied)'));
    else reports.push(failed('builder-delete', deleteTitle, `the delete test failed unexpectedly: ${messageOf(error)}`));
  }
  reports.push(...(await acl));
  return reports;
}

/**
 * The builder must not change ACLs (notes/s3-policies-and-lifecycle.md, "Object ACLs"): on RGW
 * an object made public by its owner is readable past a bucket policy that grants anonymous
 * nothing. RGW looks the object up before it checks the policy (NoSuchKey for a missing key), so
 * the probe needs an object the builder owns: the first listed object whose ACL the builder can
 * read. Reading that ACL and setting "private" go out together (issue 12: verify in two rounds):
 * the Deny refuses the write; where it is missing, the write sets what the object already is
 * (private, else that is reported too). An object the builder cannot read the ACL of is not its
 * own: the next one is tried.
 */
async function probeAcl(client: import('minio').Client, answers: Answers): Promise<VerifyReport[]> {
  const title = 'The builder cannot make objects public with an ACL';
  const tagTitle = 'The builder cannot tag objects (tags select objects for expiry)';
  const both = (acl: VerifyReport, tagging: VerifyReport | string): VerifyReport[] => [acl, typeof tagging === 'string' ? skipped('builder-tagging', tagTitle, tagging) : tagging];
  // MinIO implements no object ACLs (its ACL calls change nothing): nothing to probe, no request.
  if (answers.backend === 'minio') return both(ok('builder-acl', title, 'MinIO does not implement object ACLs'), 'MinIO grants tagging through the write policy only');
  const { getObjectAclXml, isS3ErrorCode, listObjectKeys } = await import('../backends/s3/s3-requests');
  const setPrivate = (key: string) =>
    client.makeRequestAsyncOmit({ method: 'PUT', bucketName: answers.bucket, objectName: key, query: 'acl', headers: { 'x-amz-acl': 'private' } }, '', [200]).then(
      () => ({ refused: false as const }),
      (error: unknown) => ({ refused: true as const, error }),
    );
  // An empty tag set: where the Deny is missing, it sets what an untagged object already has.
  const setNoTags = (key: string) =>
    client.makeRequestAsyncOmit({ method: 'PUT', bucketName: answers.bucket, objectName: key, query: 'tagging' }, '<Tagging><TagSet></TagSet></Tagging>', [200]).then(
      () => ({ refused: false as const }),
      (error: unknown) => ({ refused: true as const, error }),
    );
  let owned: { key: string; acl: string; write: Awaited<ReturnType<typeof setPrivate>>; tags: Awaited<ReturnType<typeof setNoTags>> } | undefined;
  try {
    // (listObjectKeys: a listing that makes no progress is an error, not endless LISTs)
    let seen = 0;
    for await (const name of listObjectKeys(client, answers.bucket, { recursive: true })) {
      if (name === 'nix-cache-info') continue;
      if (++seen > 20) break;
      const write = setPrivate(name);
      const tags = setNoTags(name);
      try {
        owned = { key: name, acl: await getObjectAclXml(client, answers.bucket, name), write: await write, tags: await tags };
        break;
      } catch (error) {
        await Promise.all([write, tags]);
        if (!isS3ErrorCode(error, 'AccessDenied')) throw error;
      }
    }
  } catch (error) {
    if (isS3ErrorCode(error, 'AccessDenied', 'NotImplemented')) return both(skipped('builder-acl', title, 'the builder cannot read object ACLs here'), 'needs an object the builder owns');
    return both(failed('builder-acl', title, `the ACL test failed unexpectedly: ${messageOf(error)}`), 'needs an object the builder owns');
  }
  if (owned === undefined) return both(skipped('builder-acl', title, 'the builder owns no object yet to probe (nothing uploaded)'), 'the builder owns no object yet to probe');
  const tagging = owned.tags.refused
    ? isS3ErrorCode(owned.tags.error, 'AccessDenied')
      ? ok('builder-tagging', tagTitle, `tagging ${owned.key}, which the builder uploaded, is refused (AccessDenied)`)
      : isS3ErrorCode(owned.tags.error, 'NotImplemented')
        ? ok('builder-tagging', tagTitle, 'the server does not implement object tagging')
        : failed('builder-tagging', tagTitle, `the tagging test failed unexpectedly: ${messageOf(owned.tags.error)}`)
    : failed('builder-tagging', tagTitle, `the builder may tag what it uploads (an empty tag set on ${owned.key} was accepted): tags select objects for lifecycle rules. Fix: run setup again (on Ceph the policy step denies tagging to the builder).`);
  return both(aclVerdict(owned, answers, title, isS3ErrorCode), tagging);
}

function aclVerdict(
  owned: { key: string; acl: string; write: { refused: false } | { refused: true; error: unknown } },
  answers: Answers,
  title: string,
  isS3ErrorCode: (error: unknown, ...codes: string[]) => boolean,
): VerifyReport {
  const grants = owned.acl.match(/<Grant>[\s\S]*?<\/Grant>/g) ?? [];
  const private_ = answers.anonymous === 'none' ? ', although this cache is private' : '';
  if (/AllUsers|AuthenticatedUsers/.test(owned.acl) || grants.length !== 1) {
    const after = owned.write.refused ? '' : ' (the probe\'s "private" went through, so it is private now, and the builder may change ACLs)';
    return failed('builder-acl', title, `${owned.key} had an ACL that grants more than its owner${private_}${after}. Fix: run setup again (on Ceph the policy step denies ACL changes to the builder), then check the ACLs of the other objects.`);
  }
  if (owned.write.refused) {
    const error = owned.write.error;
    if (isS3ErrorCode(error, 'AccessDenied')) return ok('builder-acl', title, `an ACL change by the builder on ${owned.key}, which it uploaded, is refused (AccessDenied)`);
    if (isS3ErrorCode(error, 'NotImplemented')) return ok('builder-acl', title, 'the server does not implement object ACLs');
    return failed('builder-acl', title, `the ACL test failed unexpectedly: ${messageOf(error)}`);
  }
  return failed(
    'builder-acl',
    title,
    `the builder may change the ACL of what it uploads ("private" on ${owned.key} was accepted): anything it uploads could be made readable by anyone${private_}. Fix: run setup again (on Ceph the policy step denies ACL changes to the builder).`,
  );
}

async function checkSigningKeys(ctx: VerifyContext): Promise<VerifyReport> {
  const { answers, effects } = ctx;
  const title = 'The signing key files are a valid pair';
  const secretPath = resolveFilePath(answers.key.secretFile, effects);
  const publicPath = resolveFilePath(answers.key.publicFile, effects);
  try {
    const secretText = await readIfExists(secretPath);
    const publicText = await readIfExists(publicPath);
    if (secretText === null || publicText === null) {
      return failed('signing-key', title, `missing ${secretText === null ? answers.key.secretFile : answers.key.publicFile}. Fix: run setup (it makes the pair).`);
    }
    const secret = parseNixSecretKey(secretText, secretPath);
    const publicKey = parseNixPublicKey(publicText, publicPath);
    const pair = checkKeyPair(secret, publicKey);
    if (!pair.ok) {
      return failed('signing-key', title, `${answers.key.publicFile} is not the public key of ${answers.key.secretFile} (${pair.problem}). Fix: delete the public key file and run setup again.`);
    }
    return ok('signing-key', title, `${publicKey.name}: a test message signed with the secret key verifies with the public key`);
  } catch (error) {
    return failed('signing-key', title, messageOf(error));
  }
}

async function checkNixFiles(ctx: VerifyContext): Promise<VerifyReport[]> {
  const { answers, effects } = ctx;
  const substituter = substituterUrl(answers);
  const reports: VerifyReport[] = [];
  for (const [id, given, title] of [
    ['nixos-module', answers.files.nixosModule, 'The NixOS module names this cache and key'],
    ['nix-conf', answers.files.nixConf, 'The nix.conf snippet names this cache and key'],
  ] as const) {
    const content = await readIfExists(resolveFilePath(given, effects));
    if (content === null) {
      reports.push(failed(id, title, `${given} is missing. Fix: run setup or preview --out.`));
      continue;
    }
    const problems: string[] = [];
    if (!content.includes(substituter)) problems.push(`the substituter ${substituter}`);
    if (ctx.publicKeyText && !content.includes(ctx.publicKeyText)) problems.push('the current public key');
    if (problems.length > 0) reports.push(failed(id, title, `${given} does not name ${problems.join(' or ')}. Fix: run setup again to rewrite it.`));
    else reports.push(ok(id, title, `${given} names ${substituter} and the public key`));
  }
  return reports;
}

/** A narinfo key for each first character of a store path hash, and one NAR key: what the rules must be judged on. */
const SAMPLE_NARINFO_KEYS = [...'0123456789abcdfghijklmnpqrsvwxyz'].flatMap((c) => [`${c}${'0'.repeat(31)}.narinfo`, `${c}${'x'.repeat(31)}.narinfo`, `${c}a${'r'.repeat(30)}.narinfo`, `${c}i${'x'.repeat(30)}.narinfo`]);
const SAMPLE_NAR_KEY = 'nar/0000000000000000000000000000000000000000000000000000.nar.xz';

/**
 * Ceph private caches: the bucket ignores public ACLs (the `public-acls` step), so an object made
 * public through a path RGW does not check (a multipart upload's x-amz-acl) stays unreadable.
 */
async function checkPublicAcls(ctx: VerifyContext): Promise<VerifyReport[]> {
  const { answers } = ctx;
  if (answers.backend !== 'ceph' || answers.anonymous !== 'none') return [];
  const title = 'No ACL makes an object of this private cache public (IgnorePublicAcls)';
  if (!answers.admin.accessKey || !answers.admin.secretKey) {
    return [skipped('public-acls', title, 'reading the bucket\'s public access block needs the admin keys (answers or NIX_CACHE_ADMIN_* environment)')];
  }
  const { getPublicAccessBlockXml } = await import('../backends/s3/s3-requests');
  const { parsePublicAccessBlock } = await import('../backends/ceph/public-acls-step');
  try {
    const settings = parsePublicAccessBlock(await getPublicAccessBlockXml(await ctx.connections.s3(ctx.connections.adminKeys), answers.bucket));
    if (settings.IgnorePublicAcls) return [ok('public-acls', title, 'the bucket ignores public ACLs')];
    return [failed('public-acls', title, 'the bucket does not ignore public ACLs: a builder can make an object public through a multipart upload\'s x-amz-acl, which RGW does not check. Fix: run setup again (step public-acls).')];
  } catch (error) {
    return [failed('public-acls', title, `could not read the bucket's public access block: ${messageOf(error)}`)];
  }
}

async function checkExpiry(ctx: VerifyContext): Promise<VerifyReport> {
  const { answers } = ctx;
  const title = answers.expireDays === null ? 'Nothing expires' : 'Lifecycle rules spare nix-cache-info and keep NARs longer than clients trust a narinfo';
  if (answers.backend === 's3' || !answers.admin.accessKey || !answers.admin.secretKey) {
    return skipped('expiry', title, 'reading lifecycle rules needs the admin keys (answers or NIX_CACHE_ADMIN_* environment)');
  }
  const { getLifecycleXml } = await import('../backends/s3/s3-requests');
  const { parseLifecycleConfiguration, ruleSelectsKey, isOurRule, CLIENT_NARINFO_TTL_DAYS } = await import('../backends/s3/lifecycle-rules');
  const client = await ctx.connections.s3(ctx.connections.adminKeys);
  try {
    const xml = await getLifecycleXml(client, answers.bucket);
    const rules = (xml === null ? [] : parseLifecycleConfiguration(xml)).filter((rule) => rule.enabled && rule.expirationDays !== undefined);
    if (answers.expireDays === null) {
      if (rules.length === 0) return ok('expiry', title, 'no lifecycle rule expires objects, as expireDays null says');
      return failed('expiry', title, `expireDays is null, but rule(s) ${rules.map((r) => r.id || '(no id)').join(', ')} expire objects. Fix: run setup again (it removes ours), and remove the others if they are not wanted.`);
    }
    const killers = rules.filter((rule) => ruleSelectsKey(rule, 'nix-cache-info'));
    if (killers.length > 0) {
      return failed('expiry', title, `rule(s) ${killers.map((r) => r.id || '(no id)').join(', ')} expire nix-cache-info: clients would drop the cache. Fix: give those rules a prefix, or remove them.`);
    }
    if (!rules.some(isOurRule)) return failed('expiry', title, "none of the wizard's expiry rules is there. Fix: run setup again (step expiry).");
    // When several rules select a key, the shortest expiry wins.
    const expiryOf = (key: string): number | undefined => {
      const days = rules.filter((rule) => ruleSelectsKey(rule, key)).map((rule) => rule.expirationDays!);
      return days.length === 0 ? undefined : Math.min(...days);
    };
    const narDays = expiryOf(SAMPLE_NAR_KEY);
    const narinfoDays = SAMPLE_NARINFO_KEYS.map(expiryOf);
    const longestNarinfo = narinfoDays.some((d) => d === undefined) ? undefined : Math.max(...(narinfoDays as number[]));
    if (narDays !== undefined && (longestNarinfo === undefined || narDays - longestNarinfo <= CLIENT_NARINFO_TTL_DAYS)) {
      const narinfoText = longestNarinfo === undefined ? 'some narinfos never expire' : `narinfos expire after up to ${longestNarinfo} days`;
      return failed(
        'expiry',
        title,
        `NARs expire after ${narDays} days while ${narinfoText}: a client trusts a narinfo it has seen for ${CLIENT_NARINFO_TTL_DAYS} days and then fetches its NAR, which may be gone (a hard error, not a miss). Fix: run setup again (step expiry), and remove foreign rules that expire nar/ sooner.`,
      );
    }
    return ok('expiry', title, `${rules.length} expiring rule(s); none expires nix-cache-info, and NARs outlive narinfos by ${narDays === undefined ? 'forever' : `${narDays - (longestNarinfo ?? 0)} days`}`);
  } catch (error) {
    return failed('expiry', title, `could not read the lifecycle rules: ${messageOf(error)}`);
  }
}

/** The keys the machines trust: those the NixOS module lists (two during a rotation), and the public key file. */
async function trustedKeys(ctx: VerifyContext): Promise<NixPublicKey[]> {
  const module = await readIfExists(resolveFilePath(ctx.answers.files.nixosModule, ctx.effects));
  const keys = trustedKeysIn(`${module ?? ''}\n${ctx.publicKeyText ?? ''}`);
  return keys.filter((key, index) => keys.findIndex((other) => other.name === key.name && Buffer.from(other.bytes).equals(Buffer.from(key.bytes))) === index);
}

/** Every check of a live setup; `ca` is the CA text when the command has read it (a fact), else caFile is read here. */
export async function runVerifyChecks(answers: Answers, effects: Effects, ca?: CaText): Promise<VerifyReport[]> {
  const connections = await connectionsFor(answers, effects, ca);
  const publicText = await readIfExists(resolveFilePath(answers.key.publicFile, effects));
  const ctx: VerifyContext = { answers, effects, connections, publicKeyText: publicText?.trim() };
  // Loaded before any request goes out, so that loading it does not hold back the requests of
  // the checks that need it after the others have left (one round of requests, issue 12).
  await Promise.all([import('../backends/s3/s3-connection'), import('../backends/s3/s3-requests'), import('../backends/s3/lifecycle-rules'), import('../backends/ceph/public-acls-step')]);
  const client = await profileClient(ctx, answers.files.awsCredentials, answers.builder.profile);
  const [anonymous, publicAcls, reader, builder, key, files, expiry, signatures, localNix] = await Promise.all([
    checkAnonymousRead(ctx),
    checkPublicAcls(ctx),
    checkReader(ctx),
    checkBuilder(ctx, client),
    checkSigningKeys(ctx),
    checkNixFiles(ctx),
    checkExpiry(ctx),
    client === undefined
      ? Promise.resolve(skipped('narinfo-signatures', 'The cache serves paths the machines trust', 'listing the narinfos needs the builder profile'))
      : trustedKeys(ctx).then((keys) => checkNarinfoSignatures(answers, client, keys)),
    checkLocalNix(answers, effects, ctx.publicKeyText),
  ]);
  return [...anonymous, ...publicAcls, ...reader, ...builder, key, ...files, expiry, signatures, ...localNix];
}
