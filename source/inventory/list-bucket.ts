/**
 * The bucket's objects, streamed: one ListObjectsV2 page (1000 keys with their size, date and
 * ETag) at a time, read only as fast as the caller takes them, so a cache of any size is listed in
 * the memory of one page. Every request goes through the client's ruled transport (deadline, the
 * 4 MiB limit of a listing page, the retry rule: source/requests/request-rules.ts). A server that
 * says "more to come" without a new continuation token would send the listing round forever: that
 * is an error (as in s3-requests.ts listObjectKeys), code ELISTINGSTUCK.
 *
 * The in-progress multipart uploads (`GET ?uploads`) are streamed the same way.
 *
 * The strings yielded (key, ETag, upload id) are copies of their own: the XML parser's text is a
 * slice of the page's source, and V8 keeps a whole parent string alive for any slice of it, so a
 * caller that remembers one key per object (the doctor's NAR table, prune's path graph) would
 * otherwise hold every listing page (~300 KB per 1,000 keys) to the end (issues 18, 19).
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import { queryString } from '../backends/signed-request';
import { child, childrenNamed, parseXml } from '../backends/s3/xml-elements';
import { objectKind, type ObjectKind } from './object-kinds';

export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
  readonly etag: string;
  readonly kind: ObjectKind;
}

export interface PendingUpload {
  readonly key: string;
  readonly uploadId: string;
  readonly initiated: Date;
}

/** One listing page's answer at most (the ruled transport holds the same limit). */
const PAGE_LIMIT = 4 * 1024 * 1024;

async function readPage(response: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > PAGE_LIMIT) {
      response.destroy();
      throw Object.assign(new Error(`a listing page is larger than ${PAGE_LIMIT / 1024 / 1024} MiB`), { code: 'ERESPONSETOOLARGE' });
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function stuck(bucket: string, what: string, next: string | undefined): Error {
  return Object.assign(
    new Error(`the ${what} of bucket ${bucket} makes no progress: the server says there is more but gives ${next ? 'a marker it gave before' : 'no marker to go on from'}`),
    { code: 'ELISTINGSTUCK' },
  );
}

/** `text` as a string of its own, not a slice keeping its parent (the listing page) alive. */
export function ownString(text: string): string {
  return Buffer.from(text, 'utf8').toString('utf8');
}

function dateOf(text: string | undefined): Date {
  const date = new Date(text?.trim() ?? '');
  return Number.isNaN(date.getTime()) ? new Date(0) : date;
}

/**
 * Every object of the bucket (under `prefix`), page by page. `recursive: false` lists the top level
 * only (`nar/`, `log/`… come back as one prefix each and are not yielded) [true].
 */
export async function* listBucket(client: Client, bucket: string, options: { readonly prefix?: string; readonly recursive?: boolean } = {}): AsyncGenerator<ListedObject> {
  const recursive = options.recursive ?? true;
  const tokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const query = queryString([
      ['continuation-token', token],
      ['delimiter', recursive ? undefined : '/'],
      ['list-type', '2'],
      ['max-keys', '1000'],
      ['prefix', options.prefix],
    ]);
    const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query }, '', [200]);
    const page = parseXml(await readPage(response));
    for (const entry of childrenNamed(page, 'Contents')) {
      const key = child(entry, 'Key')?.text;
      if (key === undefined || key === '') continue;
      const size = Number(child(entry, 'Size')?.text.trim() ?? '0');
      yield {
        key: ownString(key),
        size: Number.isSafeInteger(size) && size >= 0 ? size : 0,
        lastModified: dateOf(child(entry, 'LastModified')?.text),
        etag: ownString(child(entry, 'ETag')?.text.trim() ?? ''),
        kind: objectKind(key),
      };
    }
    if (child(page, 'IsTruncated')?.text.trim() !== 'true') return;
    const next = child(page, 'NextContinuationToken')?.text;
    if (next === undefined || next === '' || tokens.has(next)) throw stuck(bucket, 'listing', next);
    tokens.add(next);
    token = next;
  }
}

/** Every multipart upload started and neither completed nor aborted, page by page (1000 a page). */
export async function* listMultipartUploads(client: Client, bucket: string): AsyncGenerator<PendingUpload> {
  const markers = new Set<string>();
  let keyMarker: string | undefined;
  let uploadIdMarker: string | undefined;
  for (;;) {
    const query = queryString([
      ['key-marker', keyMarker],
      ['max-uploads', '1000'],
      ['upload-id-marker', uploadIdMarker],
      ['uploads', ''],
    ]);
    const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query }, '', [200]);
    const page = parseXml(await readPage(response));
    for (const entry of childrenNamed(page, 'Upload')) {
      const key = child(entry, 'Key')?.text;
      const uploadId = child(entry, 'UploadId')?.text.trim();
      if (key === undefined || key === '' || uploadId === undefined || uploadId === '') continue;
      yield { key: ownString(key), uploadId: ownString(uploadId), initiated: dateOf(child(entry, 'Initiated')?.text) };
    }
    if (child(page, 'IsTruncated')?.text.trim() !== 'true') return;
    const nextKey = child(page, 'NextKeyMarker')?.text;
    const nextId = child(page, 'NextUploadIdMarker')?.text.trim();
    const marker = `${nextKey ?? ''}\n${nextId ?? ''}`;
    if (nextKey === undefined || nextKey === '' || markers.has(marker)) throw stuck(bucket, 'multipart upload listing', nextKey);
    markers.add(marker);
    keyMarker = nextKey;
    uploadIdMarker = nextId === '' ? undefined : nextId;
  }
}
