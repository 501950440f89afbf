/**
 * Re-signing every narinfo of the bucket with the new key (SPEC 8), streaming:
 *  - the listing is read a page (1000 keys) at a time, only as fast as the workers take keys, and
 *    without recursion: narinfos live at the top (`<hash>.narinfo`), so `nar/`, `log/`, … come
 *    back as one prefix each instead of every NAR being listed;
 *  - `concurrency` workers each GET one narinfo, decide (resign-narinfo.ts) and PUT it back with
 *    its Content-Type; memory holds the workers' narinfos and one listing page, whatever the size
 *    of the cache;
 *  - idempotent, hence resumable: a narinfo that already carries the new signature is skipped, so
 *    a run stopped anywhere is finished by running it again, and a second full run changes nothing.
 * With `dryRun` nothing is written: the counts say what a run would do (`rotate key --drop-old`
 * counts the narinfos still signed only by an old key this way).
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import type { NativeSigner, NativeVerifier } from '../keys/native-ed25519';
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

async function readNarinfo(response: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    size += (chunk as Buffer).length;
    if (size > NARINFO_LIMIT) {
      response.destroy();
      return undefined;
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
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

  const listing = input.client.listObjectsV2(input.bucket, '', false);
  const iterator = listing[Symbol.asyncIterator]() as AsyncIterator<{ name?: string }>;
  let listingError: unknown;
  // One reader of the listing at a time; workers queue on this chain.
  let turn: Promise<unknown> = Promise.resolve();
  const nextKey = (): Promise<string | undefined> => {
    const mine = turn.then(async () => {
      for (;;) {
        const item = await iterator.next();
        if (item.done) return undefined;
        const name = item.value.name;
        if (name !== undefined && name.endsWith('.narinfo') && !name.includes('/')) return name;
      }
    });
    turn = mine.catch(() => undefined);
    return mine;
  };

  const handle = async (key: string): Promise<void> => {
    counts.seen += 1;
    try {
      const response = (await input.client.getObject(input.bucket, key)) as IncomingMessage;
      const encoding = response.headers['content-encoding'];
      if (encoding !== undefined && encoding !== '' && encoding !== 'identity') {
        // `narinfo-compression` uploads: re-signing would have to recompress; left alone.
        response.resume();
        counts.unreadable += 1;
        return;
      }
      const contentType = response.headers['content-type'] ?? 'text/x-nix-narinfo';
      const text = await readNarinfo(response);
      const verdict = text === undefined ? ({ kind: 'unparsable' } as const) : resignNarinfo(text, input.oldKeys, input.newKey);
      switch (verdict.kind) {
        case 'sign':
          if (!input.dryRun) {
            const body = Buffer.from(verdict.text, 'utf8');
            await input.client.putObject(input.bucket, key, body, body.length, { 'Content-Type': contentType });
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
  listing.destroy();
  progress(true);
  if (listingError !== undefined) throw listingError;
  return { counts: { ...counts }, tamperedNames, failures };
}
