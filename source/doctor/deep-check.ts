/**
 * `doctor --deep [--sample N]` (issue 18 part 5): each NAR a narinfo points to is downloaded and
 * checked the way a client would find it, streaming (never a whole NAR in memory):
 *  - what is stored: its size against FileSize and its sha256 (Nix base-32) against FileHash;
 *  - decompressed (Compression: xz, zstd, bzip2, br, none; nar-decompress.ts): its size against
 *    NarSize and its sha256 against NarHash, what the client checks after substituting.
 * Any mismatch is a corrupt NAR: a client substituting that path fails (with `fallback` off, the
 * build stops: notes/cache-contents.md). A request that failed (after the request rules' retries)
 * is 'unchecked', never 'corrupt': repair deletes nothing on a network hiccup.
 *
 * The NAR's Content-Encoding comes with its first piece: the Ceph aws-chunked trap
 * (notes/cache-contents.md) is reported for every NAR read. NARs not read get a HEAD
 * (`narEncodings`) under --deep with a sample, or when a narinfo showed the trap.
 */
import { createHash } from 'node:crypto';
import type { Client } from 'minio';
import type { Narinfo } from '../keys/parse-narinfo';
import { nixBase32 } from '../keys/nix-base32';
import { listBucket } from '../inventory/list-bucket';
import { readNarinfos } from '../inventory/read-narinfos';
import { decompressNar, isNarCompression } from './nar-decompress';
import { headObject } from '../inventory/head-object';
import { openStoredObject } from './read-stored-object';
import { bounded } from '../inventory/bounded';

/** One narinfo whose NAR is to be checked. */
export interface DeepTarget {
  /** `<hash>.narinfo` */
  readonly narinfoKey: string;
  readonly narinfo: Narinfo;
}

export type DeepProblemKind = 'no-url' | 'nar-missing' | 'file-size' | 'file-hash' | 'unknown-compression' | 'decompress' | 'nar-size' | 'nar-hash';

export interface DeepVerdict {
  readonly narinfoKey: string;
  readonly storePath: string;
  /** the NAR's key (the narinfo's URL) */
  readonly narKey?: string;
  /**
   * whole: every check passed; corrupt: a client fails on it (`problems` say why); unchecked: the
   * NAR could not be read (`error`), nothing is known
   */
  readonly status: 'whole' | 'corrupt' | 'unchecked';
  readonly problems: readonly { readonly kind: DeepProblemKind; readonly detail: string }[];
  readonly error?: string;
  /** the NAR object's Content-Encoding header, when it has one */
  readonly contentEncoding?: string;
  /** the NAR object's ETag when it was read: a repair leaves a NAR rewritten since */
  readonly narEtag?: string;
  /** bytes downloaded */
  readonly bytes: number;
}

export interface DeepCheckOptions {
  /** NARs downloaded at once [4] */
  readonly concurrency?: number;
}

/** `sha256:<nix32>` or `sha256:<hex>` (old narinfos), the digest as Nix base-32, or undefined. */
function sha256Nix32(text: string | undefined): string | undefined {
  if (text === undefined) return undefined;
  const match = /^sha256:([0-9a-z]+)$/.exec(text.trim());
  if (!match) return undefined;
  const value = match[1]!;
  if (value.length === 64 && /^[0-9a-f]+$/.test(value)) return nixBase32(Buffer.from(value, 'hex'));
  return value;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

/** Checks the NAR of one narinfo. Never throws: a failed request is an 'unchecked' verdict. */
export async function deepCheckNar(client: Client, bucket: string, target: DeepTarget): Promise<DeepVerdict> {
  const { narinfo, narinfoKey } = target;
  const base = { narinfoKey, storePath: narinfo.storePath };
  const url = narinfo.fields.get('URL');
  if (url === undefined || url === '') return { ...base, status: 'corrupt', problems: [{ kind: 'no-url', detail: 'the narinfo has no URL line' }], bytes: 0 };
  const narKey = url.replace(/^\/+/, '');
  // Nix reads a narinfo without Compression as bzip2 (NarInfo's constructor, libstore/nar-info.cc)
  const compression = narinfo.fields.get('Compression') || 'bzip2';
  const problems: { kind: DeepProblemKind; detail: string }[] = [];
  let bytes = 0;
  let contentEncoding: string | undefined;
  let narEtag: string | undefined;
  try {
    const stored = await openStoredObject(client, bucket, narKey);
    if (stored === 'missing') return { ...base, narKey, status: 'corrupt', problems: [{ kind: 'nar-missing', detail: `${narKey} does not exist` }], bytes: 0 };
    contentEncoding = stored.contentEncoding;
    narEtag = stored.etag;
    const fileSizeText = narinfo.fields.get('FileSize');
    if (fileSizeText !== undefined && fileSizeText !== '' && Number(fileSizeText) !== stored.size) {
      problems.push({ kind: 'file-size', detail: `${narKey} is ${stored.size} bytes, the narinfo says FileSize ${fileSizeText}` });
    }
    if (!isNarCompression(compression)) {
      await stored.pieces.return(undefined);
      problems.push({ kind: 'unknown-compression', detail: `Compression ${compression} is none Nix writes (xz, zstd, bzip2, br, none)` });
      return { ...base, narKey, status: 'corrupt', problems, bytes, ...(contentEncoding ? { contentEncoding } : {}) };
    }
    const fileHash = createHash('sha256');
    let storedEnded = false;
    let readFailure: unknown;
    const tee = async function* (): AsyncGenerator<Uint8Array> {
      try {
        for await (const piece of stored.pieces) {
          fileHash.update(piece);
          bytes += piece.length;
          yield piece;
        }
      } catch (error) {
        readFailure = error;
        throw error;
      }
      storedEnded = true;
    };
    const narHash = createHash('sha256');
    let narSize = 0;
    try {
      for await (const piece of decompressNar(compression, tee(), narinfo.narSize)) {
        narHash.update(piece);
        narSize += piece.length;
      }
    } catch (error) {
      // a request failing under the decompressor is not the NAR's fault
      if (readFailure !== undefined) throw readFailure;
      problems.push({ kind: 'decompress', detail: `${narKey} does not decompress as ${compression}: ${errorText(error)}` });
    }
    const decompressed = !problems.some((problem) => problem.kind === 'decompress');
    if (storedEnded) {
      const want = sha256Nix32(narinfo.fields.get('FileHash'));
      const got = nixBase32(fileHash.digest());
      if (want !== undefined && want !== got) problems.push({ kind: 'file-hash', detail: `${narKey} has sha256:${got}, the narinfo says FileHash ${narinfo.fields.get('FileHash')}` });
    }
    if (decompressed) {
      if (narSize !== narinfo.narSize) problems.push({ kind: 'nar-size', detail: `${narKey} decompresses to ${narSize} bytes, the narinfo says NarSize ${narinfo.narSize}` });
      const got = nixBase32(narHash.digest());
      if (sha256Nix32(narinfo.narHash) !== got) problems.push({ kind: 'nar-hash', detail: `${narKey} decompresses to a NAR with sha256:${got}, the narinfo says NarHash ${narinfo.narHash}` });
    }
  } catch (error) {
    return { ...base, narKey, status: 'unchecked', problems, error: errorText(error), bytes, ...(contentEncoding ? { contentEncoding } : {}) };
  }
  return { ...base, narKey, status: problems.length === 0 ? 'whole' : 'corrupt', problems, bytes, ...(contentEncoding ? { contentEncoding } : {}), ...(narEtag ? { narEtag } : {}) };
}

/**
 * Checks the NAR of every target, `concurrency` at a time; verdicts come in the order checks
 * finish, and a target is taken only when a slot is free (memory flat for any number of targets).
 */
export async function* deepCheckNars(client: Client, bucket: string, targets: AsyncIterable<DeepTarget> | Iterable<DeepTarget>, options: DeepCheckOptions = {}): AsyncGenerator<DeepVerdict> {
  yield* bounded(targets, Math.max(1, options.concurrency ?? 4), (target) => deepCheckNar(client, bucket, target));
}

/**
 * N items drawn at random from a stream of unknown length (reservoir sampling, Algorithm R): each
 * item has the same chance, and only N are held. `random` returns [0, 1) (Effects' randomness).
 */
export class Reservoir<T> {
  private readonly items: T[] = [];
  private seen = 0;
  constructor(
    private readonly size: number,
    private readonly random: () => number,
  ) {}
  offer(item: T): void {
    this.seen++;
    if (this.items.length < this.size) this.items.push(item);
    else {
      const slot = Math.floor(this.random() * this.seen);
      if (slot < this.size) this.items[slot] = item;
    }
  }
  drawn(): readonly T[] {
    return this.items;
  }
}

/** The Content-Encoding of each NAR key (HEAD), `concurrency` at a time; NARs gone are skipped. */
export async function* narEncodings(client: Client, bucket: string, narKeys: AsyncIterable<string> | Iterable<string>, options: { readonly concurrency?: number } = {}): AsyncGenerator<{ readonly key: string; readonly contentEncoding: string }> {
  for await (const found of bounded(narKeys, Math.max(1, options.concurrency ?? 16), async (key) => ({ key, head: await headObject(client, bucket, key) }))) {
    if (found.head !== 'missing') yield { key: found.key, contentEncoding: found.head.contentEncoding ?? '' };
  }
}

/** True when a Content-Encoding header carries the aws-chunked trap. */
export function isAwsChunked(contentEncoding: string | undefined): boolean {
  return (contentEncoding ?? '').split(',').some((part) => part.trim().toLowerCase() === 'aws-chunked');
}

export interface DeepReport {
  /** narinfos whose NAR was read */
  readonly checked: number;
  readonly whole: number;
  /** the verdicts that are not 'whole' (corrupt, unchecked), and those with aws-chunked */
  readonly problems: readonly DeepVerdict[];
  /** bytes downloaded */
  readonly bytes: number;
  /** how many narinfos point to each NAR key: repair deletes a broken NAR only when all of them go */
  readonly narReferences: ReadonlyMap<string, number>;
  /** with a sample: the NARs not downloaded that a HEAD found stored with aws-chunked */
  readonly chunkedNars: readonly string[];
}

/** A sample drawn during the doctor's scan (its own narinfo pass), so --deep reads no narinfo again. */
export interface DrawnSample {
  readonly targets: readonly DeepTarget[];
  /** how many narinfos point to each NAR key, counted in the same pass */
  readonly narReferences: Map<string, number>;
}

export interface RunDeepCheckInput {
  /** --sample drawn already (run-deep-repair.ts sampleDuringScan): no narinfo is read again */
  readonly drawn?: DrawnSample;
  readonly client: Client;
  readonly bucket: string;
  /** check N NARs drawn at random; undefined: every NAR */
  readonly sample?: number;
  /** [0, 1) */
  readonly random: () => number;
  /** NARs downloaded at once [4] */
  readonly concurrency?: number;
  /** narinfo GETs at once [16] */
  readonly narinfoConcurrency?: number;
  readonly onProgress?: (checked: number, total: number | undefined, bytes: number) => void;
}

/**
 * The --deep pass: the narinfos listed (top level only) and read again, each NAR (or a sample of
 * N) downloaded and checked. Memory: one count per NAR key, the sample, and the verdicts that are
 * not whole; the NARs themselves stream.
 */
export async function runDeepCheck(input: RunDeepCheckInput): Promise<DeepReport> {
  const { client, bucket } = input;
  const narReferences = input.drawn?.narReferences ?? new Map<string, number>();
  const problems: DeepVerdict[] = [];
  let checked = 0;
  let whole = 0;
  let bytes = 0;
  async function* targets(): AsyncGenerator<DeepTarget> {
    for await (const fetched of readNarinfos(client, bucket, listBucket(client, bucket, { recursive: false }), { concurrency: input.narinfoConcurrency ?? 16 })) {
      const narinfo = fetched.narinfo;
      if (narinfo === undefined || fetched.problem !== undefined) continue;
      const url = narinfo.fields.get('URL');
      if (url !== undefined && url !== '') narReferences.set(url, (narReferences.get(url) ?? 0) + 1);
      yield { narinfoKey: fetched.key, narinfo };
    }
  }
  let source: AsyncIterable<DeepTarget> | Iterable<DeepTarget>;
  let total: number | undefined;
  if (input.drawn !== undefined) {
    source = input.drawn.targets;
    total = input.drawn.targets.length;
  } else if (input.sample !== undefined) {
    const reservoir = new Reservoir<DeepTarget>(input.sample, input.random);
    for await (const target of targets()) reservoir.offer(target);
    source = reservoir.drawn();
    total = reservoir.drawn().length;
  } else {
    source = targets();
  }
  for await (const verdict of deepCheckNars(client, bucket, source, { concurrency: input.concurrency ?? 4 })) {
    checked += 1;
    bytes += verdict.bytes;
    if (verdict.status === 'whole') whole += 1;
    if (verdict.status !== 'whole' || isAwsChunked(verdict.contentEncoding)) problems.push(verdict);
    input.onProgress?.(checked, total, bytes);
  }
  // the NARs not in the sample get a HEAD: the aws-chunked trap is on the object, not in its bytes
  const chunkedNars: string[] = [];
  if (input.sample !== undefined || input.drawn !== undefined) {
    const sampled = new Set((source as readonly DeepTarget[]).map((target) => target.narinfo.fields.get('URL')));
    const others = [...narReferences.keys()].filter((key) => !sampled.has(key));
    for await (const found of narEncodings(client, bucket, others, { concurrency: input.narinfoConcurrency ?? 16 })) {
      if (isAwsChunked(found.contentEncoding)) chunkedNars.push(found.key);
    }
  }
  return { checked, whole, problems, bytes, narReferences, chunkedNars };
}
