/**
 * A stored object (a NAR) read in 1 MiB ranges, for `doctor --deep`: each piece is one ranged GET
 * under the request rules (its deadline, the 1 MiB limit of an object answer, the retry rule,
 * source/requests/request-rules.ts), so a NAR of any size is read with no rule bent, in the memory
 * of two pieces (the one being used and the next, fetched meanwhile). Every piece after the first
 * asks `If-Match` the first's ETag: an object replaced while it is read fails (412) instead of
 * being hashed as a mix of two objects.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import { isS3ErrorCode } from '../backends/s3/s3-requests';

/** The most one object answer may carry under the request rules (OBJECT_ANSWER_LIMIT). */
export const PIECE_SIZE = 1024 * 1024;

export interface StoredObject {
  /** the whole object's size, from Content-Range */
  readonly size: number;
  readonly etag: string;
  /** its Content-Encoding header (the Ceph aws-chunked trap), when it has one */
  readonly contentEncoding?: string;
  /** the object's bytes as stored, piece after piece; read it once */
  readonly pieces: AsyncGenerator<Buffer>;
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === 'string' ? value : Array.isArray(value) ? value.join(', ') : undefined;
}

async function body(response: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string));
  return Buffer.concat(chunks);
}

function getRange(client: Client, bucket: string, key: string, start: number, etag?: string): Promise<IncomingMessage> {
  const headers: Record<string, string> = { Range: `bytes=${start}-${start + PIECE_SIZE - 1}` };
  if (etag !== undefined && etag !== '') headers['If-Match'] = etag;
  return client.makeRequestAsync({ method: 'GET', bucketName: bucket, objectName: key, headers }, '', [200, 206]);
}

/** `bytes 0-1048575/52429080` → 52429080; a 200 (no range) carries the whole object. */
function totalSize(response: IncomingMessage): number | undefined {
  if (response.statusCode === 200) {
    const length = Number(header(response, 'content-length'));
    return Number.isSafeInteger(length) ? length : undefined;
  }
  const match = /\/(\d+)\s*$/.exec(header(response, 'content-range') ?? '');
  return match ? Number(match[1]) : undefined;
}

/** Opens `key` for reading: 'missing' when it does not exist. Request failures are thrown. */
export async function openStoredObject(client: Client, bucket: string, key: string): Promise<StoredObject | 'missing'> {
  let first: IncomingMessage;
  try {
    first = await getRange(client, bucket, key, 0);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchKey', 'NotFound')) return 'missing';
    // a range past the end of an empty object
    if (isS3ErrorCode(error, 'InvalidRange')) return { size: 0, etag: '', pieces: (async function* () {})() };
    throw error;
  }
  const announced = totalSize(first);
  if (announced === undefined) {
    first.destroy();
    throw new Error(`the server's answer to a ranged GET of ${key} says no size (Content-Range)`);
  }
  const size = announced;
  const etag = header(first, 'etag') ?? '';
  const contentEncoding = header(first, 'content-encoding');
  const whole = first.statusCode === 200;
  async function* pieces(): AsyncGenerator<Buffer> {
    let next: Promise<Buffer> | undefined = body(first);
    let offset = 0;
    try {
      while (next !== undefined) {
        const piece: Buffer = await next;
        offset += piece.length;
        // the next piece is asked for while this one is used (hashed, decompressed)
        next = !whole && offset < size && piece.length > 0 ? getRange(client, bucket, key, offset, etag).then(body) : undefined;
        // a rejection of the prefetch is seen when it is awaited; until then it must not count as unhandled
        next?.catch(() => undefined);
        yield piece;
      }
    } finally {
      next?.catch(() => undefined);
    }
    if (offset !== size) throw new Error(`${key} ended after ${offset} of ${size} bytes`);
  }
  return { size, etag, ...(contentEncoding !== undefined && contentEncoding !== '' ? { contentEncoding } : {}), pieces: pieces() };
}
