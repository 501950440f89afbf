/**
 * Re-signing every narinfo of the bucket with the new key (SPEC 8), streaming:
 *  - the listing is read a page (1000 keys) at a time, only as fast as the workers take keys, and
 *    without recursion: narinfos live at the top (`<hash>.narinfo`), so `nar/`, `log/`, … come
 *    back as one prefix each instead of every NAR being listed;
 *  - `concurrency` workers each GET one narinfo, decide (resign-narinfo.ts) and PUT it back with
 *    the object's metadata (Content-Type, Cache-Control, Content-Disposition, x-amz-meta-*);
 *    memory holds the workers' narinfos and one listing page, whatever the size of the cache;
 *  - a narinfo is written only if it is still the one read (issue 16: read V1, V3 uploaded
 *    meanwhile, V1 + Sig written would lose V3): the PUT carries `If-Match: <ETag read>` where the
 *    server honours it, else the ETag is read again right before the write. A narinfo changed in
 *    between is read and decided again;
 *  - the listing and the reading are the bucket inventory's (source/inventory: listBucket,
 *    readNarinfo), shared with `doctor`; a listing that makes no progress is an error there. A
 *    narinfo stored with Ceph's `Content-Encoding: aws-chunked` is plain text under a wrong
 *    header: it is re-signed, and the PUT (which keeps only the headers listed in read-narinfos)
 *    leaves that header behind;
 *  - idempotent, hence resumable: a narinfo that already carries the new signature is skipped, so
 *    a run stopped anywhere is finished by running it again, and a second full run changes nothing.
 * With `dryRun` nothing is written: the counts say what a run would do (`rotate key --drop-old`
 * counts the narinfos still signed only by an old key this way).
 */
import { explainConnectionError } from '../backends/explain-connection-error';
import type { Client } from 'minio';
import type { NativeSigner, NativeVerifier } from '../keys/native-ed25519';
import type { IfMatchForm } from '../backends/s3/s3-documents';
import { isS3ErrorCode } from '../backends/s3/s3-requests';
import { listBucket } from '../inventory/list-bucket';
import { readListedNarinfo, type FetchedNarinfo } from '../inventory/read-narinfos';
import { resignNarinfo } from './resign-narinfo';

export interface ResignCounts {
  /** narinfos looked at */
  readonly seen: number;
  /** got the new signature (or, with dryRun, would get it) */
  readonly signed: number;
  /** already carried the new signature */
  readonly already: number;
  /** an old key's signature that does not verify: left alone */
  readonly tampered: number;
  /** signed by no old key (unsigned or other keys): left alone */
  readonly notOld: number;
  /** not readable as a narinfo (or compressed): left alone */
  readonly unreadable: number;
  /** a request failed: run again to retry them */
  readonly failed: number;
}

export interface ResignEvent {
  readonly type: 'resign-progress';
  readonly counts: ResignCounts;
  readonly done: boolean;
}

export interface ResignCacheInput {
  /** signed by the builder's keys: it may GET, LIST and PUT, never delete */
  readonly client: Client;
  readonly bucket: string;
  /** how the server takes If-Match on a PUT (ServerTraits.ifMatch); undefined: each write is preceded by a HEAD instead */
  readonly ifMatch: IfMatchForm | undefined;
  readonly oldKeys: readonly NativeVerifier[];
  readonly newKey: NativeSigner & NativeVerifier;
  /** requests in flight at once [16] */
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  readonly onProgress?: (event: ResignEvent) => void;
  /** at most one progress event per this many milliseconds [250] */
  readonly progressEveryMs?: number;
  /** names of the first narinfos left alone as tampered, for the report [10] */
  readonly keepNames?: number;
}

export interface ResignResult {
  readonly counts: ResignCounts;
  /** up to `keepNames` keys of tampered narinfos */
  readonly tamperedNames: readonly string[];
  /** up to `keepNames` keys whose request failed, with why */
  readonly failures: readonly { readonly key: string; readonly error: string }[];
}

/** A narinfo changed between our read and our write is read again; this many times, then it counts as failed. */
const MAX_READS = 3;

/** ETags compare without their quotes (some servers send them bare). */
function sameEtag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/"/g, '') === b.replace(/"/g, '');
}

/**
 * Writes the re-signed narinfo only if the object is still the one read: 'changed' when it is not.
 * An object read without an ETag cannot be guarded: it is not written ('changed' after the last read).
 */
async function writeIfUnchanged(input: ResignCacheInput, key: string, read: FetchedNarinfo, text: string): Promise<'written' | 'changed'> {
  if (read.etag === '') return 'changed';
  if (input.ifMatch === undefined) {
    const now = await input.client.statObject(input.bucket, key);
    if (!sameEtag(now.etag, read.etag)) return 'changed';
  }
  const body = Buffer.from(text, 'utf8');
  const bare = read.etag.replace(/"/g, '');
  const headers = { ...read.metadata, ...(input.ifMatch === undefined ? {} : { 'If-Match': input.ifMatch === 'quoted' ? `"${bare}"` : bare }) };
  try {
    await input.client.makeRequestAsyncOmit({ method: 'PUT', bucketName: input.bucket, objectName: key, headers }, body, [200]);
    return 'written';
  } catch (error) {
    // NoSuchKey: gone since the read, or (a node of a distributed MinIO started again, issue 20)
    // not yet known to the node asked; the read again tells which (readListedNarinfo)
    if (isS3ErrorCode(error, 'PreconditionFailed', 'NoSuchKey')) return 'changed';
    throw error;
  }
}

export async function resignCache(input: ResignCacheInput): Promise<ResignResult> {
  const counts = { seen: 0, signed: 0, already: 0, tampered: 0, notOld: 0, unreadable: 0, failed: 0 };
  const keep = input.keepNames ?? 10;
  const tamperedNames: string[] = [];
  const failures: { key: string; error: string }[] = [];
  const every = input.progressEveryMs ?? 250;
  let lastProgress = 0;
  const progress = (done: boolean) => {
    const now = Date.now();
    if (!done && now - lastProgress < every) return;
    lastProgress = now;
    input.onProgress?.({ type: 'resign-progress', counts: { ...counts }, done });
  };

  const iterator = listBucket(input.client, input.bucket, { recursive: false });
  let listingError: unknown;
  // One reader of the listing at a time; workers queue on this chain.
  let turn: Promise<unknown> = Promise.resolve();
  const nextKey = (): Promise<string | undefined> => {
    const mine = turn.then(async () => {
      for (;;) {
        const item = await iterator.next();
        if (item.done) return undefined;
        if (item.value.kind === 'narinfo') return item.value.key;
      }
    });
    turn = mine.catch(() => undefined);
    return mine;
  };

  const handle = async (key: string): Promise<void> => {
    counts.seen += 1;
    try {
      for (let reads = 1; ; reads++) {
        const read = await readListedNarinfo(input.client, input.bucket, key);
        if (read === 'missing') {
          // Listed, then not found three times (readListedNarinfo asks again after 1 and 2 s): deleted
          // meanwhile, or a node of a cluster that lags behind and still holds it unsigned for the
          // others. Not knowing which, it is a failure: the next run lists it again, or not at all.
          throw new Error('listed, then not found when read three times (deleted meanwhile, or a node of a cluster that lags behind)');
        }
        if (read.requestError !== undefined) throw new Error(read.requestError);
        // compressed (`narinfo-compression` uploads: re-signing would have to recompress) or too large: left alone
        if (read.text === undefined) {
          counts.unreadable += 1;
          return;
        }
        const verdict = resignNarinfo(read.text, input.oldKeys, input.newKey);
        switch (verdict.kind) {
          case 'sign':
            if (!input.dryRun && (await writeIfUnchanged(input, key, read, verdict.text)) === 'changed') {
              if (reads < MAX_READS) continue;
              throw new Error(`it changed ${MAX_READS} times while being re-signed`);
            }
            counts.signed += 1;
            return;
          case 'already':
            counts.already += 1;
            return;
          case 'tampered':
            counts.tampered += 1;
            if (tamperedNames.length < keep) tamperedNames.push(key);
            return;
          case 'not-old':
            counts.notOld += 1;
            return;
          case 'unparsable':
            counts.unreadable += 1;
            return;
        }
      }
    } catch (error) {
      counts.failed += 1;
      const code = (error as { code?: unknown }).code;
      // minio-js words an answer our retry rule gave up on as "Request failed after 0 retries: …
      // Retryable HTTP status: 503"; explained, it is "the server answered HTTP 503 (…)"
      if (failures.length < keep) failures.push({ key, error: typeof code === 'string' ? code : explainConnectionError(error).message });
    } finally {
      progress(false);
    }
  };

  const worker = async (): Promise<void> => {
    for (;;) {
      let key: string | undefined;
      try {
        key = await nextKey();
      } catch (error) {
        listingError ??= error;
        return;
      }
      if (key === undefined) return;
      await handle(key);
    }
  };
  const workers = Array.from({ length: Math.max(1, input.concurrency ?? 16) }, () => worker());
  await Promise.all(workers);
  await iterator.return(undefined);
  progress(true);
  if (listingError !== undefined) throw listingError;
  return { counts: { ...counts }, tamperedNames, failures };
}
