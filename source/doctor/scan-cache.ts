/**
 * The doctor's scan (issue 18, 1-4): read-only, streaming, memory per path compact (a Set of
 * narinfo hashes; NAR and .ls keys → an index, their size, date and "referenced" in typed arrays:
 * StoredTable; every string kept is one of its own, not a slice holding a listing page or a
 * narinfo's text alive), never a body beyond the `concurrency` narinfos in flight.
 *
 *  1. The listing, page by page: objects and bytes by kind, NARs by compression, the 10 largest
 *     NARs, narinfos per day of age; what must be remembered for the checks (narinfo hashes, NAR
 *     and .ls keys with size and date). The in-progress multipart uploads are listed beside it.
 *  2. Every narinfo read (bounded concurrency) and checked against what the listing saw: it
 *     parses, its StorePath is the path its key names, its URL object is there with FileSize
 *     bytes, Compression fits the URL, every reference has its narinfo, and which trusted keys
 *     verify it. Its Content-Encoding header is checked for Ceph's aws-chunked.
 *  3. What no narinfo points to: orphan NARs and .ls, multipart uploads never finished; when a
 *     narinfo showed aws-chunked, the NARs get a HEAD to find the others.
 * Objects younger than `graceMs` are not findings: Nix uploads the NAR before its narinfo, so a
 * young orphan may be an upload in flight; they are counted as such.
 *
 * Everything the scan reads comes through a CacheSource, so the checks run the same on a real
 * bucket (bucketSource) and on a synthetic listing in the unit tests.
 */
import type { Client } from 'minio';
import type { NativeVerifier } from '../keys/native-ed25519';
import { headObject } from '../inventory/head-object';
import { listBucket, listMultipartUploads, ownString, type ListedObject, type PendingUpload } from '../inventory/list-bucket';
import { narinfoTrust } from '../inventory/narinfo-trust';
import { compressionMatches, keyHash, narCompression, OBJECT_KINDS, storePathHash, type ObjectKind } from '../inventory/object-kinds';
import { readNarinfos, type FetchedNarinfo } from '../inventory/read-narinfos';
import { AgeCounter, type AgeChart } from './age-chart';
import { Findings, type Finding } from './findings';

/** Where the scan reads from: the bucket, or a synthetic one in tests. */
export interface CacheSource {
  list(): AsyncIterable<ListedObject>;
  /** the in-progress multipart uploads; may throw AccessDenied (keys without ListBucketMultipartUploads) */
  uploads(): AsyncIterable<PendingUpload>;
  /** the narinfos of these keys, read in any order */
  narinfos(keys: AsyncIterable<string>, onMissing: (key: string) => void): AsyncIterable<FetchedNarinfo>;
  /** an object's Content-Encoding (HEAD); 'missing' when gone */
  contentEncoding(key: string): Promise<string | undefined | 'missing'>;
}

export function bucketSource(client: Client, bucket: string, concurrency = 16): CacheSource {
  return {
    list: () => listBucket(client, bucket),
    uploads: () => listMultipartUploads(client, bucket),
    narinfos: (keys, onMissing) => readNarinfos(client, bucket, keys, { concurrency, onMissing }),
    contentEncoding: async (key) => {
      const head = await headObject(client, bucket, key);
      return head === 'missing' ? 'missing' : head.contentEncoding;
    },
  };
}

export interface Tally {
  readonly objects: number;
  readonly bytes: number;
}

export interface LargeNar {
  readonly key: string;
  readonly size: number;
  /** the store path of the narinfo pointing to it; undefined for an orphan */
  readonly storePath?: string;
}

export interface PendingUploadReport {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: string;
  readonly ageSeconds: number;
}

export interface CacheInventory {
  readonly objects: number;
  readonly bytes: number;
  readonly byKind: Readonly<Record<ObjectKind, Tally>>;
  /** NARs by the compression their name says ('xz', 'zstd', …, 'none', 'unknown') */
  readonly narByCompression: Readonly<Record<string, Tally>>;
  readonly uploads: {
    readonly count: number;
    /** undefined when the keys may not list them */
    readonly listed: boolean;
    readonly error?: string;
    readonly oldestSeconds?: number;
    /** the first 100, oldest first */
    readonly items: readonly PendingUploadReport[];
  };
  readonly narinfoAges: AgeChart;
  /** the 10 largest NARs, largest first */
  readonly largestNars: readonly LargeNar[];
}

export interface SignatureReport {
  /** the trusted keys and how many narinfos each verifies */
  readonly byKey: readonly { readonly name: string; readonly verifies: number }[];
  /** narinfos no trusted key verifies (clients refuse them) */
  readonly noTrustedKey: number;
  /** of those, signed only by keys not trusted (old keys after a rotation, other caches' keys) */
  readonly onlyUntrustedKeys: number;
}

export interface ScanReport {
  readonly inventory: CacheInventory;
  readonly narinfos: {
    readonly listed: number;
    readonly read: number;
    /** listed, then gone when read (deleted meanwhile) */
    readonly vanished: number;
  };
  readonly signatures: SignatureReport;
  /** young orphans and uploads, not findings: maybe an upload in flight */
  readonly inFlight: { readonly nars: number; readonly ls: number; readonly uploads: number };
  readonly findings: readonly Finding[];
  readonly healthy: boolean;
}

export interface ScanProgress {
  readonly phase: 'listing' | 'narinfos' | 'nars';
  /** objects listed, or narinfos / NARs checked */
  readonly done: number;
  /** what there is to check in this phase; undefined while listing */
  readonly total: number | undefined;
  readonly bytes: number;
}

export interface ScanInput {
  readonly source: CacheSource;
  /** the keys clients trust (answers key.trusted + the current public key) */
  readonly trusted: readonly NativeVerifier[];
  readonly now: Date;
  /** orphans and uploads younger than this are not findings [1 hour] */
  readonly graceMs?: number;
  /** HEADs in flight at once for the aws-chunked NAR check [16] */
  readonly concurrency?: number;
  readonly onProgress?: (progress: ScanProgress) => void;
  /** items kept per finding kind (findings.ts MAX_ITEMS) */
  readonly maxItems?: number;
  /** told of every narinfo read, after its checks (--deep --sample draws its sample here: no second read) */
  readonly onNarinfo?: (fetched: FetchedNarinfo) => void;
}

export const DEFAULT_GRACE_MS = 60 * 60 * 1000;
const LARGEST = 10;
const UPLOAD_ITEMS = 100;

/**
 * Objects remembered from the listing, compact (issue 18: ≤ 30 MiB more from 2,000 to 20,000
 * narinfos): the key (a string of its own, list-bucket.ts) → an index, the size and date in typed
 * arrays, a referenced flag in a byte array. No object, Date or ETag per entry.
 */
class StoredTable {
  private readonly index = new Map<string, number>();
  private sizes = new Float64Array(1024);
  private times = new Float64Array(1024);
  private flags = new Uint8Array(1024);

  get size(): number {
    return this.index.size;
  }

  set(key: string, size: number, time: number): void {
    let id = this.index.get(key);
    if (id === undefined) {
      id = this.index.size;
      if (id === this.sizes.length) this.grow();
      this.index.set(key, id);
    }
    this.sizes[id] = size;
    this.times[id] = time;
  }

  private grow(): void {
    const widen = <A extends Float64Array | Uint8Array>(old: A, make: (n: number) => A): A => {
      const next = make(old.length * 2);
      next.set(old);
      return next;
    };
    this.sizes = widen(this.sizes, (n) => new Float64Array(n));
    this.times = widen(this.times, (n) => new Float64Array(n));
    this.flags = widen(this.flags, (n) => new Uint8Array(n));
  }

  has(key: string): boolean {
    return this.index.has(key);
  }

  /** the stored size, or undefined when the key was not listed */
  sizeOf(key: string): number | undefined {
    const id = this.index.get(key);
    return id === undefined ? undefined : this.sizes[id];
  }

  /** marks the key referenced; false when it was not listed */
  mark(key: string): boolean {
    const id = this.index.get(key);
    if (id === undefined) return false;
    this.flags[id] = 1;
    return true;
  }

  *entries(): Generator<{ readonly key: string; readonly size: number; readonly time: number; readonly referenced: boolean }> {
    for (const [key, id] of this.index) yield { key, size: this.sizes[id]!, time: this.times[id]!, referenced: this.flags[id] === 1 };
  }
}

/** The `Compression:` Nix assumes when the line is missing (libstore nar-info.cc). */
const DEFAULT_COMPRESSION = 'bzip2';

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  const message = error instanceof Error ? error.message : String(error);
  return typeof code === 'string' && !message.includes(code) ? `${code}: ${message}` : message;
}

function isChunked(encoding: string | undefined): boolean {
  return encoding !== undefined && encoding.toLowerCase().split(',').some((part) => part.trim() === 'aws-chunked');
}

export async function scanCache(input: ScanInput): Promise<ScanReport> {
  const { source, now } = input;
  const grace = input.graceMs ?? DEFAULT_GRACE_MS;
  const young = (time: number) => now.getTime() - time < grace;
  const findings = new Findings(input.maxItems);
  const progress = input.onProgress ?? (() => undefined);

  // 1. The listing.
  const byKind = Object.fromEntries(OBJECT_KINDS.map((kind) => [kind, { objects: 0, bytes: 0 }])) as Record<ObjectKind, { objects: number; bytes: number }>;
  const narByCompression: Record<string, { objects: number; bytes: number }> = {};
  const narinfoHashes = new Set<string>();
  const nars = new StoredTable();
  const lsFiles = new StoredTable();
  const ages = new AgeCounter(now);
  let largest: { key: string; size: number }[] = [];
  let objects = 0;
  let bytes = 0;
  for await (const object of source.list()) {
    objects += 1;
    bytes += object.size;
    const tally = byKind[object.kind];
    tally.objects += 1;
    tally.bytes += object.size;
    if (object.kind === 'narinfo') {
      // a string of its own: keyHash's slice would keep the whole key alive
      narinfoHashes.add(ownString(keyHash(object.key)!));
      ages.add(object.lastModified);
    } else if (object.kind === 'nar') {
      nars.set(object.key, object.size, object.lastModified.getTime());
      const compression = narCompression(object.key) ?? 'unknown';
      const byCompression = (narByCompression[compression] ??= { objects: 0, bytes: 0 });
      byCompression.objects += 1;
      byCompression.bytes += object.size;
      if (largest.length < LARGEST || object.size > largest[largest.length - 1]!.size) {
        largest.push({ key: object.key, size: object.size });
        largest.sort((a, b) => b.size - a.size);
        largest = largest.slice(0, LARGEST);
      }
    } else if (object.kind === 'ls') {
      lsFiles.set(ownString(keyHash(object.key)!), object.size, object.lastModified.getTime());
    }
    if (objects % 1000 === 0) progress({ phase: 'listing', done: objects, total: undefined, bytes });
  }
  progress({ phase: 'listing', done: objects, total: undefined, bytes });

  // The multipart uploads: keys without ListBucketMultipartUploads (a reader's) get a note, not a failure.
  const uploads: PendingUploadReport[] = [];
  let uploadCount = 0;
  let uploadsListed = true;
  let uploadError: string | undefined;
  let oldestUpload: number | undefined;
  let youngUploads = 0;
  try {
    for await (const upload of source.uploads()) {
      uploadCount += 1;
      const ageSeconds = Math.max(0, Math.round((now.getTime() - upload.initiated.getTime()) / 1000));
      oldestUpload = Math.max(oldestUpload ?? 0, ageSeconds);
      const item = { key: upload.key, uploadId: upload.uploadId, initiated: upload.initiated.toISOString(), ageSeconds };
      uploads.push(item);
      uploads.sort((a, b) => b.ageSeconds - a.ageSeconds);
      if (uploads.length > UPLOAD_ITEMS) uploads.pop();
      if (young(upload.initiated.getTime())) youngUploads += 1;
      else findings.add('stale-upload', { key: upload.key, uploadId: upload.uploadId, initiated: item.initiated });
    }
  } catch (error) {
    uploadsListed = false;
    uploadError = errorText(error);
  }

  // 2. Every narinfo. A NAR referenced is marked in the table (a NAR not listed needs no mark).
  const largestPaths = new Map<string, string>();
  const largestKeys = new Set(largest.map((nar) => nar.key));
  const perKey = new Map<string, number>(input.trusted.map((key) => [key.name, 0]));
  let noTrustedKey = 0;
  let onlyUntrusted = 0;
  let read = 0;
  let vanished = 0;
  let sawChunked = false;
  const total = narinfoHashes.size;
  async function* narinfoKeys(): AsyncGenerator<string> {
    for (const hash of narinfoHashes) yield `${hash}.narinfo`;
  }
  let lastProgress = 0;
  for await (const fetched of source.narinfos(narinfoKeys(), () => (vanished += 1))) {
    read += 1;
    checkNarinfo(fetched);
    input.onNarinfo?.(fetched);
    if (read - lastProgress >= 100 || read === total) {
      lastProgress = read;
      progress({ phase: 'narinfos', done: read + vanished, total, bytes });
    }
  }

  function checkNarinfo(fetched: FetchedNarinfo): void {
    const { key } = fetched;
    if (fetched.requestError !== undefined) {
      findings.add('read-failed', { key, error: fetched.requestError });
      return;
    }
    if (isChunked(fetched.contentEncoding)) {
      sawChunked = true;
      findings.add('aws-chunked', { key, kind: 'narinfo' });
    }
    const narinfo = fetched.narinfo;
    if (narinfo === undefined) {
      findings.add('unreadable-narinfo', { key, reason: fetched.problem ?? 'it cannot be read' });
      return;
    }
    if (fetched.problem !== undefined) {
      findings.add('narinfo-key-mismatch', { key, storePath: narinfo.storePath });
      return;
    }
    const storePath = narinfo.storePath;
    const url = narinfo.fields.get('URL');
    if (url === undefined || url === '') {
      findings.add('unreadable-narinfo', { key, reason: 'it has no URL line' });
    } else {
      if (largestKeys.has(url)) largestPaths.set(url, storePath);
      const storedSize = nars.sizeOf(url);
      if (storedSize === undefined) {
        findings.add('nar-missing', { key, storePath, url });
      } else {
        nars.mark(url);
        const fileSize = narinfo.fields.get('FileSize');
        if (fileSize !== undefined && /^[0-9]+$/.test(fileSize) && Number(fileSize) !== storedSize) {
          findings.add('nar-size-mismatch', { key, storePath, url, fileSize: Number(fileSize), storedSize });
        }
      }
      const compression = narinfo.fields.get('Compression') || DEFAULT_COMPRESSION;
      if (!compressionMatches(compression, url)) findings.add('compression-mismatch', { key, url, compression });
    }
    const missing = narinfo.references.filter((ref) => !narinfoHashes.has(storePathHash(ref)));
    if (missing.length > 0) findings.add('incomplete-closure', { key, storePath, missing });
    const trust = narinfoTrust(narinfo, input.trusted);
    for (const name of trust.verifiedBy) perKey.set(name, (perKey.get(name) ?? 0) + 1);
    if (trust.verifiedBy.length === 0) {
      noTrustedKey += 1;
      if (narinfo.sigs.length > 0 && trust.badSignatures.length === 0) {
        onlyUntrusted += 1;
        findings.add('old-key-only', { key, storePath, signers: trust.untrustedSigners });
      } else {
        findings.add('no-trusted-signature', { key, storePath, signers: [...trust.untrustedSigners, ...trust.badSignatures] });
      }
    }
  }

  // 3. What nothing points to.
  let youngNars = 0;
  let youngLs = 0;
  for (const stored of nars.entries()) {
    const key = stored.key;
    if (stored.referenced) continue;
    if (young(stored.time)) youngNars += 1;
    else findings.add('orphan-nar', { key, size: stored.size, lastModified: new Date(stored.time).toISOString() }, stored.size);
  }
  for (const stored of lsFiles.entries()) {
    const hash = stored.key;
    if (narinfoHashes.has(hash)) continue;
    if (young(stored.time)) youngLs += 1;
    else findings.add('orphan-ls', { key: `${hash}.ls`, size: stored.size, lastModified: new Date(stored.time).toISOString() }, stored.size);
  }

  // A narinfo showed Ceph's aws-chunked: the NARs (uploaded the same way) are asked too, by HEAD.
  if (sawChunked) {
    const keys: string[] = [];
    for (const stored of nars.entries()) if (stored.referenced) keys.push(stored.key);
    let next = 0;
    let checked = 0;
    const worker = async () => {
      while (next < keys.length) {
        const key = keys[next++]!;
        try {
          const encoding = await source.contentEncoding(key);
          if (encoding !== 'missing' && isChunked(encoding)) findings.add('aws-chunked', { key, kind: 'nar' });
        } catch (error) {
          findings.add('read-failed', { key, error: errorText(error) });
        }
        checked += 1;
        if (checked % 100 === 0) progress({ phase: 'nars', done: checked, total: keys.length, bytes });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, input.concurrency ?? 16) }, worker));
  }

  const list = findings.list();
  return {
    inventory: {
      objects,
      bytes,
      byKind,
      narByCompression,
      uploads: {
        count: uploadCount,
        listed: uploadsListed,
        ...(uploadError !== undefined ? { error: uploadError } : {}),
        ...(oldestUpload !== undefined ? { oldestSeconds: oldestUpload } : {}),
        items: uploads,
      },
      narinfoAges: ages.chart(),
      largestNars: largest.map((nar) => ({ ...nar, ...(largestPaths.has(nar.key) ? { storePath: largestPaths.get(nar.key)! } : {}) })),
    },
    narinfos: { listed: total, read, vanished },
    signatures: { byKey: [...perKey].map(([name, verifies]) => ({ name, verifies })), noTrustedKey, onlyUntrustedKeys: onlyUntrusted },
    inFlight: { nars: youngNars, ls: youngLs, uploads: youngUploads },
    findings: list,
    healthy: list.length === 0,
  };
}
