/**
 * Every narinfo of a stream of keys read and parsed, `concurrency` GETs in flight at once, memory
 * flat: at most `concurrency` bodies are held (each narinfo is yielded as soon as it is read, in
 * the order the reads finish, and the next key is taken only when one is yielded). Requests go
 * through the client's ruled transport (deadline, 1 MiB object limit, retries).
 *
 * The narinfo is parsed strictly (keys/parse-narinfo.ts) and its StorePath's hash part must be the
 * key's: a narinfo stored under another path's name is served to clients asking for that other
 * path. A body stored with `Content-Encoding: aws-chunked` (Ceph RGW before ceph/ceph#64440, uploads
 * by aws-sdk-cpp, notes/cache-contents.md) is plain text under a wrong header: it is parsed, and
 * the header is reported (`contentEncoding`). Any other encoding (Nix's `narinfo-compression`) is
 * not read: `problem` says so.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import { bounded } from './bounded';
import { isS3ErrorCode } from '../backends/s3/s3-requests';
import { parseNarinfo, type Narinfo } from '../keys/parse-narinfo';
import type { ListedObject } from './list-bucket';
import { keyHash, storePathHash } from './object-kinds';
import { askAgainWhile } from '../requests/request-rules';

export interface FetchedNarinfo {
  /** `<hash>.narinfo` */
  readonly key: string;
  /** the key's hash part */
  readonly hash: string;
  /** parsed strictly; undefined when unreadable */
  readonly narinfo?: Narinfo;
  /** the body as stored (a narinfo is small), for a rewrite; undefined when not read as text */
  readonly text?: string;
  /** why it is unreadable or does not match its key (StorePath hash ≠ key hash) */
  readonly problem?: string;
  /** the request failed (after the request rules' retries): nothing is known about this narinfo */
  readonly requestError?: string;
  /** as the server sent it (quoted or bare) */
  readonly etag: string;
  readonly lastModified: Date;
  /** the object's Content-Encoding header (the Ceph aws-chunked trap) */
  readonly contentEncoding?: string;
  /** headers to keep on a rewrite (Content-Type, Cache-Control, Content-Disposition, Content-Language, Expires, x-amz-meta-*) */
  readonly metadata: Record<string, string>;
}

export interface ReadNarinfosOptions {
  /** GETs in flight at once [16] */
  readonly concurrency?: number;
  /** told of a key listed that is gone when read (deleted meanwhile): it is not yielded */
  readonly onMissing?: (key: string) => void;
}

/** A narinfo is a few hundred bytes; more than this is not one. */
const NARINFO_LIMIT = 1024 * 1024;

/** The object's metadata a rewrite keeps: what a PUT would otherwise reset. */
const KEPT_HEADERS = ['cache-control', 'content-disposition', 'content-language', 'expires'];

function headerText(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

function errorText(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? `${code}: ${(error as Error).message}` : (error as Error).message ?? String(error);
}

/** How many times a narinfo just listed that the server says is not there is asked for again (after 1, then 2 s). */
export const MISSING_READS = 2;

/**
 * readNarinfo for a key the listing just returned. A node of a distributed MinIO started again
 * answers NoSuchKey for a while for what was written while it was away (issue 20), so such a key
 * is asked for again, each time on a connection of its own (behind a balancer, another node),
 * before the caller is told 'missing'. Even then it may exist on the other nodes, so neither caller
 * takes it for deleted: re-signing counts it as failed (it would be left without the new key's
 * signature) and prune deletes nothing (it would take its NAR for unreferenced).
 */
export function readListedNarinfo(client: Client, bucket: string, key: string, listed?: ListedObject): Promise<FetchedNarinfo | 'missing'> {
  return askAgainWhile(() => readNarinfo(client, bucket, key, listed), (read) => read === 'missing', MISSING_READS);
}

/** Reads and parses one narinfo; 'missing' when the object does not exist (any more). */
export async function readNarinfo(client: Client, bucket: string, key: string, listed?: ListedObject): Promise<FetchedNarinfo | 'missing'> {
  const hash = keyHash(key) ?? key.replace(/\.narinfo$/, '');
  const base = { key, hash, etag: listed?.etag ?? '', lastModified: listed?.lastModified ?? new Date(0), metadata: { 'Content-Type': 'text/x-nix-narinfo' } };
  let response: IncomingMessage;
  try {
    response = (await client.getObject(bucket, key)) as IncomingMessage;
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchKey', 'NotFound')) return 'missing';
    return { ...base, requestError: errorText(error) };
  }
  const headers = response.headers;
  const metadata: Record<string, string> = { 'Content-Type': 'text/x-nix-narinfo' };
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== 'string') continue;
    if (name === 'content-type') metadata['Content-Type'] = value;
    else if (KEPT_HEADERS.includes(name) || name.startsWith('x-amz-meta-')) metadata[name] = value;
  }
  const contentEncoding = headerText(headers['content-encoding']);
  const lastModifiedHeader = headerText(headers['last-modified']);
  const lastModified = lastModifiedHeader !== undefined && !Number.isNaN(Date.parse(lastModifiedHeader)) ? new Date(lastModifiedHeader) : base.lastModified;
  const fetched = {
    ...base,
    etag: headerText(headers.etag) ?? base.etag,
    lastModified,
    metadata,
    ...(contentEncoding !== undefined && contentEncoding !== '' ? { contentEncoding } : {}),
  };
  const encodings = (contentEncoding ?? '').split(',').map((part) => part.trim().toLowerCase()).filter((part) => part !== '' && part !== 'identity' && part !== 'aws-chunked');
  if (encodings.length > 0) {
    response.destroy();
    return { ...fetched, problem: `it is stored compressed (Content-Encoding: ${contentEncoding}), not read` };
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of response) {
      const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
      size += buffer.length;
      if (size > NARINFO_LIMIT) {
        response.destroy();
        return { ...fetched, problem: `it is larger than ${NARINFO_LIMIT / 1024 / 1024} MiB, more than a narinfo can be` };
      }
      chunks.push(buffer);
    }
  } catch (error) {
    return { ...fetched, requestError: errorText(error) };
  }
  const text = Buffer.concat(chunks).toString('utf8');
  let narinfo: Narinfo;
  try {
    narinfo = parseNarinfo(text, key);
  } catch (error) {
    return { ...fetched, text, problem: (error as Error).message };
  }
  const pathHash = storePathHash(narinfo.storePath);
  if (pathHash !== hash) return { ...fetched, text, narinfo, problem: `its StorePath ${narinfo.storePath} is not the path ${key} names (hash ${pathHash})` };
  return { ...fetched, text, narinfo };
}

/**
 * Reads every narinfo of `keys` (listed: readListedNarinfo): listed objects of another kind are
 * skipped, plain strings are read as given. A key gone when read is told to `onMissing` and not
 * yielded.
 */
export async function* readNarinfos(
  client: Client,
  bucket: string,
  keys: AsyncIterable<ListedObject | string>,
  options: ReadNarinfosOptions = {},
): AsyncGenerator<FetchedNarinfo> {
  const narinfoKeys = async function* (): AsyncGenerator<ListedObject | string> {
    for await (const entry of keys) if (typeof entry === 'string' || entry.kind === 'narinfo') yield entry;
  };
  const read = async (entry: ListedObject | string): Promise<{ readonly key: string; readonly result: FetchedNarinfo | 'missing' }> => {
    const key = typeof entry === 'string' ? entry : entry.key;
    // readNarinfo never rejects on a request's failure; anything else becomes a requestError too
    const result = await readListedNarinfo(client, bucket, key, typeof entry === 'string' ? undefined : entry).catch(
      (error: unknown): FetchedNarinfo => ({ key, hash: keyHash(key) ?? key, etag: '', lastModified: new Date(0), metadata: {}, requestError: errorText(error) }),
    );
    return { key, result };
  };
  for await (const done of bounded(narinfoKeys(), options.concurrency ?? 16, read)) {
    if (done.result === 'missing') options.onMissing?.(done.key);
    else yield done.result;
  }
}
