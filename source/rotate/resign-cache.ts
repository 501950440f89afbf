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
 *  - a listing that makes no progress is an error (s3-requests.ts listObjectKeys);
 *  - idempotent, hence resumable: a narinfo that already carries the new signature is skipped, so
 *    a run stopped anywhere is finished by running it again, and a second full run changes nothing.
 * With `dryRun` nothing is written: the counts say what a run would do (`rotate key --drop-old`
 * counts the narinfos still signed only by an old key this way).
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import type { NativeSigner, NativeVerifier } from '../keys/native-ed25519';
import type { IfMatchForm } from '../backends/s3/s3-documents';
import { isS3ErrorCode, listObjectKeys } from '../backends/s3/s3-requests';
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

const NARINFO_LIMIT = 1024 * 1024;
/** A narinfo changed between our read and our write is read again; this many times, then it counts as failed. */
const MAX_READS = 3;

/** The object's metadata a re-signed narinfo keeps: what a PUT would otherwise reset. */
const KEPT_HEADERS = ['content-type', 'cache-control', 'content-disposition', 'content-language', 'expires'];

interface ReadNarinfo {
  /** undefined: larger than a narinfo can be */
  readonly text: string | undefined;
  readonly etag: string | undefined;
  /** compressed (`narinfo-compression` uploads): re-signing would have to recompress, so left alone */
  readonly encoded: boolean;
  readonly metadata: Record<string, string>;
}

async function readNarinfo(client: Client, bucket: string, key: string): Promise<ReadNarinfo> {
  const response = (await client.getObject(bucket, key)) as IncomingMessage;
  const headers = response.headers;
  const encoding = headers['content-encoding'];
  const etag = typeof headers.etag === 'string' ? headers.etag : undefined;
  const metadata: Record<string, string> = { 'Content-Type': 'text/x-nix-narinfo' };
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (name === 'content-type') metadata['Content-Type'] = value;
    else if (KEPT_HEADERS.includes(name) || name.startsWith('x-amz-meta-')) metadata[name] = value;
  }
  if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
    response.destroy();
    return { text: undefined, etag, encoded: true, metadata };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > NARINFO_LIMIT) {
      response.destroy();
      return { text: undefined, etag, encoded: false, metadata };
    }
    chunks.push(chunk as Buffer);
  }
  return { text: Buffer.concat(chunks).toString('utf8'), etag, encoded: false, metadata };
}

/** ETags compare without their quotes (some servers send them bare). */
function sameEtag(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.replace(/"/g, '') === b.replace(/"/g, '');
}

/**
 * Writes the re-signed narinfo only if the object is still the one read: 'changed' when it is not.
 * An object read without an ETag cannot be guarded: it is not written ('changed' after the last read).
 */
async function writeIfUnchanged(input: ResignCacheInput, key: string, read: ReadNarinfo, text: string): Promise<'written' | 'changed'> {
  if (read.etag === undefined) return 'changed';
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
    if (isS3ErrorCode(error, 'PreconditionFailed')) return 'changed';
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

  const iterator = listObjectKeys(input.client, input.bucket, { recursive: false });
  let listingError: unknown;
  // One reader of the listing at a time; workers queue on this chain.
  let turn: Promise<unknown> = Promise.resolve();
  const nextKey = (): Promise<string | undefined> => {
    const mine = turn.then(async () => {
      for (;;) {
        const item = await iterator.next();
        if (item.done) return undefined;
        const name = item.value;
        if (name.endsWith('.narinfo') && !name.includes('/')) return name;
      }
    });
    turn = mine.catch(() => undefined);
    return mine;
  };

  const handle = async (key: string): Promise<void> => {
    counts.seen += 1;
    try {
      for (let reads = 1; ; reads++) {
        const read = await readNarinfo(input.client, input.bucket, key);
        if (read.encoded) {
          counts.unreadable += 1;
          return;
        }
        const verdict = read.text === undefined ? ({ kind: 'unparsable' } as const) : resignNarinfo(read.text, input.oldKeys, input.newKey);
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
      if (failures.length < keep) failures.push({ key, error: typeof code === 'string' ? code : (error as Error).message });
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
