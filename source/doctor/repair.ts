/**
 * `doctor --repair` (issue 18 part 6): what can be fixed without a builder, planned from the scan's
 * findings (and --deep's verdicts), shown, confirmed, then done. Admin keys only.
 *
 *  - a narinfo whose NAR is missing, the wrong size or fails --deep is deleted (with its `.ls`):
 *    a client then builds the path instead of failing (notes/cache-contents.md); its NAR, if no
 *    other narinfo points to it, goes with it;
 *  - NARs and `.ls` nothing points to, older than `minAgeMs`, are deleted: Nix uploads the NAR
 *    before its narinfo, so a young orphan may be an upload in flight;
 *  - multipart uploads older than `minAgeMs` are aborted;
 *  - objects stored with `Content-Encoding: aws-chunked` are copied onto themselves without it
 *    (CopyObject, metadata REPLACE with every other header kept, If-Match their ETag).
 *
 * Never a narinfo whose NAR is whole, never a NAR a narinfo points to: each deletion is checked
 * again right before it (the narinfo unchanged and its NAR still missing; an orphan still old and
 * no narinfo written since the scan pointing to it; a `.ls` whose narinfo is still gone). When the
 * scan could not read some narinfo, what it points to is unknown, and no orphan is deleted.
 * Every key to delete is written to a report file BEFORE the first deletion.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import { dirname } from 'node:path';
import type { Client } from 'minio';
import { isS3ErrorCode } from '../backends/s3/s3-requests';
import { listBucket } from '../inventory/list-bucket';
import { readListedNarinfo, readNarinfo } from '../inventory/read-narinfos';
import { bounded } from '../inventory/bounded';
import { isAwsChunked, type DeepVerdict } from './deep-check';
import { itemsOf, type Finding } from './findings';

/** Keys one DeleteObjects request carries at most (the S3 limit). */
export const DELETE_BATCH = 1000;

export interface PlannedNarinfoDelete {
  readonly key: string;
  /** its NAR (the URL), when known */
  readonly narKey?: string;
  readonly reason: 'nar-missing' | 'nar-size-mismatch' | 'nar-corrupt';
  readonly detail: string;
  /** nar-corrupt: the NAR's ETag when --deep read it (a NAR rewritten since is checked again, not judged) */
  readonly narEtag?: string;
  /** nar-size-mismatch: the size the narinfo says */
  readonly fileSize?: number;
}

export interface RepairPlan {
  readonly narinfos: readonly PlannedNarinfoDelete[];
  /** NARs of deleted narinfos no other narinfo points to */
  readonly brokenNars: readonly string[];
  readonly orphanNars: readonly { readonly key: string; readonly size: number }[];
  readonly orphanLs: readonly { readonly key: string; readonly size: number }[];
  readonly uploads: readonly { readonly key: string; readonly uploadId: string; readonly initiated: string }[];
  readonly awsChunked: readonly string[];
  /** what is left alone, and why (one line each) */
  readonly notRepaired: readonly string[];
  /** the scan kept only the first items of a finding kind: a second repair does the rest */
  readonly partial: boolean;
}

export interface PlanRepairInput {
  readonly findings: readonly Finding[];
  /** --deep's verdicts on the NARs it read (the corrupt ones are what matters) */
  readonly deep?: readonly DeepVerdict[];
  /** how many narinfos point to each NAR key (from the --deep pass); unknown: a broken NAR is left */
  readonly narReferences?: ReadonlyMap<string, number>;
  readonly minAgeMs: number;
  readonly now: Date;
}

function hashOf(narinfoKey: string): string {
  return narinfoKey.replace(/\.narinfo$/, '');
}

export function planRepair(input: PlanRepairInput): RepairPlan {
  const { findings, now, minAgeMs } = input;
  const old = (iso: string) => now.getTime() - new Date(iso).getTime() >= minAgeMs;
  const notRepaired: string[] = [];
  const partial = findings.some((finding) => finding.items.length < finding.count && ['nar-missing', 'nar-size-mismatch', 'nar-corrupt', 'orphan-nar', 'orphan-ls', 'stale-upload', 'aws-chunked'].includes(finding.kind));

  const narinfos = new Map<string, PlannedNarinfoDelete>();
  for (const item of itemsOf(findings, 'nar-missing')) narinfos.set(item.key, { key: item.key, narKey: item.url, reason: 'nar-missing', detail: `its NAR ${item.url} is not there` });
  for (const item of itemsOf(findings, 'nar-size-mismatch')) {
    narinfos.set(item.key, { key: item.key, narKey: item.url, reason: 'nar-size-mismatch', detail: `its NAR ${item.url} is ${item.storedSize} bytes, FileSize says ${item.fileSize}`, fileSize: item.fileSize });
  }
  for (const item of itemsOf(findings, 'nar-corrupt')) narinfos.set(item.key, { key: item.key, narKey: item.url, reason: 'nar-corrupt', detail: item.reason });
  for (const verdict of input.deep ?? []) {
    if (verdict.status !== 'corrupt' || narinfos.has(verdict.narinfoKey)) continue;
    narinfos.set(verdict.narinfoKey, {
      key: verdict.narinfoKey,
      ...(verdict.narKey !== undefined ? { narKey: verdict.narKey } : {}),
      reason: verdict.problems.some((problem) => problem.kind === 'nar-missing') ? 'nar-missing' : 'nar-corrupt',
      detail: verdict.problems.map((problem) => problem.detail).join('; '),
      ...(verdict.narEtag !== undefined ? { narEtag: verdict.narEtag } : {}),
    });
  }

  // A broken NAR goes with its narinfo when every narinfo pointing to it is deleted.
  const brokenNars: string[] = [];
  const deletedPointing = new Map<string, number>();
  for (const plan of narinfos.values()) {
    if (plan.reason === 'nar-missing' || plan.narKey === undefined) continue;
    deletedPointing.set(plan.narKey, (deletedPointing.get(plan.narKey) ?? 0) + 1);
  }
  for (const [narKey, deleted] of deletedPointing) {
    const pointing = input.narReferences?.get(narKey);
    if (pointing !== undefined && pointing <= deleted) brokenNars.push(narKey);
    else notRepaired.push(`${narKey} is left: ${pointing === undefined ? 'which narinfos point to it is known only with --deep' : `${pointing - deleted} other narinfos point to it`}; once none does, a later repair removes it as an orphan`);
  }

  // Orphans are orphans only if every narinfo was read: one the scan could not read may point anywhere.
  const unread = ['read-failed', 'unreadable-narinfo', 'narinfo-key-mismatch'].map((kind) => findings.find((finding) => finding.kind === kind)?.count ?? 0).reduce((a, b) => a + b, 0);
  let orphanNars: { key: string; size: number }[] = [];
  let orphanLs: { key: string; size: number }[] = [];
  const orphanNarItems = itemsOf(findings, 'orphan-nar');
  const orphanLsItems = itemsOf(findings, 'orphan-ls');
  if (unread > 0 && orphanNarItems.length > 0) {
    notRepaired.push(`${orphanNarItems.length} orphan NARs are left: ${unread} narinfos could not be read, and what they point to is unknown`);
  } else {
    orphanNars = orphanNarItems.filter((item) => old(item.lastModified)).map((item) => ({ key: item.key, size: item.size }));
    const young = orphanNarItems.length - orphanNars.length;
    if (young > 0) notRepaired.push(`${young} orphan NARs are younger than --min-age (maybe an upload in flight)`);
  }
  orphanLs = orphanLsItems.filter((item) => old(item.lastModified)).map((item) => ({ key: item.key, size: item.size }));
  if (orphanLs.length < orphanLsItems.length) notRepaired.push(`${orphanLsItems.length - orphanLs.length} orphan .ls are younger than --min-age`);
  // the .ls of a narinfo deleted here goes with it
  const lsKeys = new Set(orphanLs.map((item) => item.key));
  for (const plan of narinfos.values()) {
    const ls = `${hashOf(plan.key)}.ls`;
    if (!lsKeys.has(ls)) {
      lsKeys.add(ls);
      orphanLs.push({ key: ls, size: 0 });
    }
  }

  const uploadItems = itemsOf(findings, 'stale-upload');
  const uploads = uploadItems.filter((item) => old(item.initiated));
  if (uploads.length < uploadItems.length) notRepaired.push(`${uploadItems.length - uploads.length} multipart uploads are younger than --min-age`);

  const deletedKeys = new Set([...narinfos.keys(), ...brokenNars, ...orphanNars.map((item) => item.key)]);
  const awsChunked = itemsOf(findings, 'aws-chunked')
    .map((item) => item.key)
    .filter((key) => !deletedKeys.has(key));
  for (const verdict of input.deep ?? []) {
    if (verdict.narKey !== undefined && isAwsChunked(verdict.contentEncoding) && !deletedKeys.has(verdict.narKey) && !awsChunked.includes(verdict.narKey)) awsChunked.push(verdict.narKey);
  }

  for (const kind of ['incomplete-closure', 'no-trusted-signature', 'old-key-only', 'compression-mismatch', 'unreadable-narinfo', 'narinfo-key-mismatch'] as const) {
    const count = findings.find((finding) => finding.kind === kind)?.count ?? 0;
    if (count > 0) notRepaired.push(`${count} × ${kind}: not something a deletion fixes (see the finding's fix)`);
  }
  return { narinfos: [...narinfos.values()], brokenNars, orphanNars, orphanLs, uploads, awsChunked, notRepaired, partial };
}

/** True when the plan changes nothing. */
export function repairIsEmpty(plan: RepairPlan): boolean {
  return plan.narinfos.length + plan.brokenNars.length + plan.orphanNars.length + plan.orphanLs.length + plan.uploads.length + plan.awsChunked.length === 0;
}

const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;

/** What the repair will do, for the confirmation and the dry run. */
export function describeRepair(plan: RepairPlan): string[] {
  const lines: string[] = [];
  if (plan.narinfos.length > 0) lines.push(`Delete ${plan.narinfos.length} narinfos whose NAR is missing or broken (clients then build those paths instead of failing)${plan.brokenNars.length > 0 ? `, and ${plan.brokenNars.length} broken NARs` : ''}`);
  const realLs = plan.orphanLs.filter((item) => item.size > 0);
  if (plan.orphanNars.length > 0) lines.push(`Delete ${plan.orphanNars.length} orphan NARs (${mib(plan.orphanNars.reduce((sum, item) => sum + item.size, 0))})`);
  if (realLs.length > 0) lines.push(`Delete ${realLs.length} orphan .ls listings`);
  if (plan.uploads.length > 0) lines.push(`Abort ${plan.uploads.length} multipart uploads never finished`);
  if (plan.awsChunked.length > 0) lines.push(`Rewrite ${plan.awsChunked.length} objects in place without Content-Encoding: aws-chunked`);
  for (const line of plan.notRepaired) lines.push(`Left alone: ${line}`);
  if (plan.partial) lines.push('The scan listed only the first items of some findings: run the repair again for the rest.');
  return lines;
}

export interface RepairResult {
  readonly reportPath: string;
  readonly deletedNarinfos: number;
  readonly deletedNars: number;
  readonly deletedLs: number;
  readonly abortedUploads: number;
  readonly rewritten: number;
  /** keys planned but not touched, with why (changed since the scan, a request failed) */
  readonly skipped: readonly { readonly key: string; readonly why: string }[];
}

export interface ApplyRepairInput {
  readonly client: Client;
  readonly bucket: string;
  readonly plan: RepairPlan;
  /** where the list of keys to delete is written first */
  readonly reportPath: string;
  /** when the scan started: narinfos written since are read again before orphans go */
  readonly scanStarted: Date;
  readonly minAgeMs: number;
  readonly now: () => Date;
  /** requests at once [16] */
  readonly concurrency?: number;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

async function writeReport(path: string, plan: RepairPlan, now: Date): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const lines = [
    JSON.stringify({ repair: 'nix-cache-wizard doctor --repair', at: now.toISOString() }),
    ...plan.narinfos.map((item) => JSON.stringify({ delete: item.key, why: item.reason, detail: item.detail })),
    ...plan.brokenNars.map((key) => JSON.stringify({ delete: key, why: 'broken NAR of a deleted narinfo' })),
    ...plan.orphanNars.map((item) => JSON.stringify({ delete: item.key, why: 'orphan NAR', size: item.size })),
    ...plan.orphanLs.map((item) => JSON.stringify({ delete: item.key, why: item.size > 0 ? 'orphan .ls' : '.ls of a deleted narinfo (if there)' })),
    ...plan.uploads.map((item) => JSON.stringify({ abort: item.key, uploadId: item.uploadId, initiated: item.initiated })),
    ...plan.awsChunked.map((key) => JSON.stringify({ rewrite: key, why: 'Content-Encoding: aws-chunked' })),
  ];
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, lines.join('\n') + '\n', { mode: 0o600 });
  await rename(temporary, path);
}

interface Head {
  readonly lastModified: Date;
  readonly etag: string;
  readonly size: number;
  readonly headers: IncomingMessage['headers'];
}

async function head(client: Client, bucket: string, key: string): Promise<Head | 'missing'> {
  try {
    const response = await client.makeRequestAsync({ method: 'HEAD', bucketName: bucket, objectName: key }, '', [200]);
    response.resume();
    const modified = new Date(String(response.headers['last-modified'] ?? ''));
    const size = Number(response.headers['content-length'] ?? '0');
    return { lastModified: Number.isNaN(modified.getTime()) ? new Date(0) : modified, etag: String(response.headers.etag ?? ''), size: Number.isSafeInteger(size) ? size : 0, headers: response.headers };
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchKey', 'NotFound')) return 'missing';
    throw error;
  }
}

/** Deletes `keys` with DeleteObjects, 1000 a request; a server without it gets one DELETE each. */
async function deleteKeys(client: Client, bucket: string, keys: readonly string[], skipped: { key: string; why: string }[]): Promise<number> {
  let deleted = 0;
  for (let start = 0; start < keys.length; start += DELETE_BATCH) {
    const batch = keys.slice(start, start + DELETE_BATCH);
    let errors: { name?: string; Key?: string; Code?: string; Message?: string }[];
    try {
      errors = (await client.removeObjects(bucket, batch)) as typeof errors;
    } catch (error) {
      if (!isS3ErrorCode(error, 'NotImplemented', 'MethodNotAllowed')) throw error;
      errors = [];
      for (const key of batch) {
        try {
          await client.removeObject(bucket, key);
        } catch (single) {
          errors.push({ Key: key, Message: errorText(single) });
        }
      }
    }
    const failed = new Set<string>();
    for (const error of errors ?? []) {
      if (error.Key === undefined) continue;
      failed.add(error.Key);
      skipped.push({ key: error.Key, why: `the delete failed: ${error.Code ?? ''} ${error.Message ?? ''}`.trim() });
    }
    deleted += batch.length - failed.size;
  }
  return deleted;
}

/** The headers a rewrite keeps: what CopyObject with REPLACE would otherwise drop. */
const KEPT = ['content-type', 'cache-control', 'content-disposition', 'content-language', 'expires'];

async function rewriteWithoutChunked(client: Client, bucket: string, key: string): Promise<'done' | string> {
  const found = await head(client, bucket, key);
  if (found === 'missing') return 'gone since the scan';
  const encoding = String(found.headers['content-encoding'] ?? '');
  if (!isAwsChunked(encoding)) return 'no longer stored with aws-chunked';
  const headers: Record<string, string> = {
    'x-amz-copy-source': `/${bucket}/${key.split('/').map(encodeURIComponent).join('/')}`,
    'x-amz-metadata-directive': 'REPLACE',
    'x-amz-copy-source-if-match': found.etag,
  };
  for (const [name, value] of Object.entries(found.headers)) {
    if (typeof value !== 'string') continue;
    if (KEPT.includes(name) || name.startsWith('x-amz-meta-')) headers[name] = value;
  }
  const others = encoding
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '' && part.toLowerCase() !== 'aws-chunked');
  if (others.length > 0) headers['content-encoding'] = others.join(', ');
  const response = await client.makeRequestAsync({ method: 'PUT', bucketName: bucket, objectName: key, headers }, '', [200]);
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  // CopyObject may answer 200 with an error in its body
  const body = Buffer.concat(chunks).toString('utf8');
  if (/<Error>/.test(body)) return `the copy failed: ${/<Code>([^<]*)</.exec(body)?.[1] ?? body.slice(0, 200)}`;
  return 'done';
}

export async function applyRepair(input: ApplyRepairInput): Promise<RepairResult> {
  const { client, bucket, plan } = input;
  const concurrency = input.concurrency ?? 16;
  const skipped: { key: string; why: string }[] = [];
  await writeReport(input.reportPath, plan, input.now());

  // 1. Multipart uploads older than --min-age.
  let abortedUploads = 0;
  for await (const outcome of bounded(plan.uploads, concurrency, async (upload) => {
    try {
      await client.abortMultipartUpload(bucket, upload.key, upload.uploadId);
      return true;
    } catch (error) {
      if (isS3ErrorCode(error, 'NoSuchUpload')) return false;
      skipped.push({ key: upload.key, why: `abort failed: ${errorText(error)}` });
      return false;
    }
  })) {
    if (outcome) abortedUploads += 1;
  }

  // 2. Broken narinfos, each read again: unchanged (same URL), and its NAR still missing if that was why.
  const confirmed: string[] = [];
  for await (const outcome of bounded(plan.narinfos, concurrency, async (planned) => {
    try {
      const now = await readNarinfo(client, bucket, planned.key);
      if (now === 'missing') return undefined;
      const url = now.narinfo?.fields.get('URL');
      if (planned.narKey !== undefined && url !== planned.narKey) return { skip: planned.key, why: 'it was rewritten since the scan (another URL)' };
      if (planned.narKey !== undefined) {
        const nar = await head(client, bucket, planned.narKey);
        if (planned.reason === 'nar-missing' && nar !== 'missing') return { skip: planned.key, why: 'its NAR is there now' };
        if (planned.reason === 'nar-corrupt' && nar !== 'missing' && planned.narEtag !== undefined && nar.etag !== planned.narEtag) return { skip: planned.key, why: 'its NAR was rewritten since --deep read it' };
        if (planned.reason === 'nar-size-mismatch' && nar !== 'missing' && nar.size === planned.fileSize) return { skip: planned.key, why: 'its NAR is FileSize bytes now' };
      }
      return planned.key;
    } catch (error) {
      return { skip: planned.key, why: `could not be read again: ${errorText(error)}` };
    }
  })) {
    if (outcome === undefined) continue;
    if (typeof outcome === 'string') confirmed.push(outcome);
    else skipped.push({ key: outcome.skip, why: outcome.why });
  }
  const deletedNarinfos = await deleteKeys(client, bucket, confirmed, skipped);
  const confirmedSet = new Set(confirmed);
  // a broken NAR goes only when every narinfo pointing to it was deleted just now
  const brokenPointers = new Map<string, string[]>();
  for (const planned of plan.narinfos) if (planned.narKey !== undefined) brokenPointers.set(planned.narKey, [...(brokenPointers.get(planned.narKey) ?? []), planned.key]);
  const brokenNars = plan.brokenNars.filter((key) => (brokenPointers.get(key) ?? []).every((narinfo) => confirmedSet.has(narinfo)));

  // 3. Orphans (and broken NARs): narinfos written since the scan are read, and what they point to is kept.
  const sinceScan = new Set<string>();
  let unreadSinceScan: string | undefined;
  if (plan.orphanNars.length > 0 || brokenNars.length > 0) {
    const cutoff = input.scanStarted.getTime() - 5 * 60 * 1000;
    async function* recent() {
      for await (const object of listBucket(client, bucket, { recursive: false })) if (object.kind === 'narinfo' && object.lastModified.getTime() >= cutoff) yield object.key;
    }
    for await (const found of bounded(recent(), concurrency, (key) => readListedNarinfo(client, bucket, key))) {
      // listed, yet not read (not found when asked three times: a lagging node of a cluster, issue
      // 20; or a failed request): what it points to is not known, so no NAR goes in this run
      const url = found === 'missing' ? undefined : found.narinfo?.fields.get('URL');
      if (url !== undefined) sinceScan.add(url);
      else if (found === 'missing' || found.requestError !== undefined) unreadSinceScan ??= found === 'missing' ? 'not found when read' : found.requestError;
    }
  }
  const keptForUnread = unreadSinceScan === undefined ? undefined : `a narinfo written since the scan could not be read (${unreadSinceScan}): what it points to is not known`;
  const orphanNars: string[] = [];
  for (const key of brokenNars) {
    if (sinceScan.has(key)) skipped.push({ key, why: 'a narinfo written since the scan points to it' });
    else if (keptForUnread !== undefined) skipped.push({ key, why: keptForUnread });
    else orphanNars.push(key);
  }
  for await (const outcome of bounded(plan.orphanNars, concurrency, async (orphan) => {
    if (sinceScan.has(orphan.key)) return { skip: orphan.key, why: 'a narinfo written since the scan points to it' };
    if (keptForUnread !== undefined) return { skip: orphan.key, why: keptForUnread };
    try {
      const found = await head(client, bucket, orphan.key);
      if (found === 'missing') return undefined;
      if (input.now().getTime() - found.lastModified.getTime() < input.minAgeMs) return { skip: orphan.key, why: 'it was written again since the scan (younger than --min-age)' };
      return orphan.key;
    } catch (error) {
      return { skip: orphan.key, why: `could not be checked: ${errorText(error)}` };
    }
  })) {
    if (outcome === undefined) continue;
    if (typeof outcome === 'string') orphanNars.push(outcome);
    else skipped.push({ key: outcome.skip, why: outcome.why });
  }
  const deletedNars = await deleteKeys(client, bucket, orphanNars, skipped);

  const lsKeys: string[] = [];
  for await (const outcome of bounded(plan.orphanLs, concurrency, async (ls) => {
    try {
      const narinfo = await head(client, bucket, ls.key.replace(/\.ls$/, '.narinfo'));
      if (narinfo !== 'missing') return { skip: ls.key, why: 'its narinfo is there' };
      return (await head(client, bucket, ls.key)) === 'missing' ? undefined : ls.key;
    } catch (error) {
      return { skip: ls.key, why: `could not be checked: ${errorText(error)}` };
    }
  })) {
    if (outcome === undefined) continue;
    if (typeof outcome === 'string') lsKeys.push(outcome);
    else skipped.push({ key: outcome.skip, why: outcome.why });
  }
  const deletedLs = await deleteKeys(client, bucket, lsKeys, skipped);

  // 4. aws-chunked objects rewritten in place.
  let rewritten = 0;
  for await (const outcome of bounded(plan.awsChunked, concurrency, async (key) => {
    try {
      return { key, result: await rewriteWithoutChunked(client, bucket, key) };
    } catch (error) {
      return { key, result: `the copy failed: ${errorText(error)}` };
    }
  })) {
    if (outcome.result === 'done') rewritten += 1;
    else skipped.push({ key: outcome.key, why: outcome.result });
  }

  return { reportPath: input.reportPath, deletedNarinfos, deletedNars, deletedLs, abortedUploads, rewritten, skipped };
}
