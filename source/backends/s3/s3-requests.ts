/**
 * The S3 requests of the S3 steps, made through the `minio` client (its signing, transport and
 * error parsing) but accepting what real servers answer:
 * - minio v8's `setBucketPolicy` accepts only 204, and Ceph RGW answers 200 on `DELETE ?policy`
 *   (moto on PUT) although the change took effect (notes/ceph-rgw.md). Here 200 and 204 both
 *   count, and the steps read the policy back to confirm.
 * - minio v8's `getBucketLifecycle` turns numeric-looking text into numbers and cannot round-trip
 *   a foreign rule (lifecycle-rules.ts); the lifecycle XML is read and written as text here.
 * Only `get*`/`read*`/`head*` functions are used by checks; they send GET or HEAD only.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import { queryString } from '../signed-request';
import { contentMd5 } from './lifecycle-rules';
import { child, childrenNamed, parseXml } from './xml-elements';

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** True when `error` is the server saying `code` (minio's S3Error, or a bare status mapped by minio). */
export function isS3ErrorCode(error: unknown, ...codes: string[]): boolean {
  const code = codeOf(error);
  return code !== undefined && codes.includes(code);
}

async function readBody(response: IncomingMessage, limit = 4 * 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of response) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
    size += buffer.length;
    if (size > limit) {
      response.destroy();
      throw new Error(`the server's answer is larger than ${limit} bytes`);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Deletes a bucket subresource (`?policy`, `?lifecycle`); one already gone (`missingCode`) counts as deleted. */
async function deleteSubresource(client: Client, bucket: string, query: 'policy' | 'lifecycle', missingCode: string): Promise<void> {
  try {
    await client.makeRequestAsyncOmit({ method: 'DELETE', bucketName: bucket, query }, '', [200, 204]);
  } catch (error) {
    if (!isS3ErrorCode(error, missingCode)) throw error;
  }
}

/** The bucket policy as stored, or null when the bucket has none. */
export async function getBucketPolicyText(client: Client, bucket: string): Promise<string | null> {
  try {
    return await client.getBucketPolicy(bucket);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchBucketPolicy')) return null;
    throw error;
  }
}

/** Writes the bucket policy; null deletes it. 200 and 204 both count as success. */
export async function putBucketPolicyText(client: Client, bucket: string, policy: string | null): Promise<void> {
  if (policy === null) return deleteSubresource(client, bucket, 'policy', 'NoSuchBucketPolicy');
  await client.makeRequestAsyncOmit({ method: 'PUT', bucketName: bucket, query: 'policy' }, policy, [200, 204]);
}

/** The lifecycle configuration XML, or null when the bucket has none. */
export async function getLifecycleXml(client: Client, bucket: string): Promise<string | null> {
  try {
    const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query: 'lifecycle' }, '', [200]);
    return await readBody(response);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchLifecycleConfiguration')) return null;
    throw error;
  }
}

/** Writes the lifecycle configuration (replacing every rule); null deletes it. */
export async function putLifecycleXml(client: Client, bucket: string, xml: string | null): Promise<void> {
  if (xml === null) return deleteSubresource(client, bucket, 'lifecycle', 'NoSuchLifecycleConfiguration');
  await client.makeRequestAsyncOmit(
    { method: 'PUT', bucketName: bucket, query: 'lifecycle', headers: { 'Content-MD5': contentMd5(xml), 'Content-Type': 'application/xml' } },
    xml,
    [200, 204],
  );
}

/** The canonical user id of the bucket's owner, from `GET ?acl` (on RGW: the owner's uid). */
export async function getBucketOwnerId(client: Client, bucket: string): Promise<string | undefined> {
  const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query: 'acl' }, '', [200]);
  const root = parseXml(await readBody(response));
  return child(child(root, 'Owner'), 'ID')?.text.trim() || undefined;
}

/** An object's ACL document (`GET /bucket/key?acl`), as XML text. */
export async function getObjectAclXml(client: Client, bucket: string, key: string): Promise<string> {
  const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, objectName: key, query: 'acl' }, '', [200]);
  return readBody(response);
}

/** An object's content as text, or null when it does not exist. At most `limit` bytes are read. */
export async function readObjectText(client: Client, bucket: string, key: string, limit = 1024 * 1024): Promise<string | null> {
  try {
    const stream = await client.getObject(bucket, key);
    return await readBody(stream as IncomingMessage, limit);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchKey', 'NotFound')) return null;
    throw error;
  }
}

/** Whether the bucket exists: true, false, or 'forbidden' (exists, and these keys may not use it). */
export async function headBucket(client: Client, bucket: string): Promise<boolean | 'forbidden'> {
  try {
    return await client.bucketExists(bucket);
  } catch (error) {
    if (isS3ErrorCode(error, 'AccessDenied', 'Forbidden')) return 'forbidden';
    throw error;
  }
}

/** One listing page's answer at most (1000 keys of up to 1 KiB, with their details). */
const LISTING_PAGE_LIMIT = 4 * 1024 * 1024;

/**
 * The keys of the bucket, one ListObjectsV2 page (1000 keys) at a time, read only as fast as the
 * caller takes them. `recursive: false` lists the top level only (`nar/`, `log/` come back as one
 * prefix each, not listed). A server that answers "more to come" with a continuation token it
 * gave before would send the listing round forever (seen: 32,000 LISTs in 40 s): that is an
 * error, as is "more to come" without a token.
 */
export async function* listObjectKeys(client: Client, bucket: string, options: { readonly recursive: boolean }): AsyncGenerator<string> {
  const tokens = new Set<string>();
  let token: string | undefined;
  for (;;) {
    const query = queryString([
      ['continuation-token', token],
      ['delimiter', options.recursive ? undefined : '/'],
      ['list-type', '2'],
      ['max-keys', '1000'],
    ]);
    const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query }, '', [200]);
    const page = parseXml(await readBody(response, LISTING_PAGE_LIMIT));
    for (const entry of childrenNamed(page, 'Contents')) {
      const key = child(entry, 'Key')?.text;
      if (key !== undefined && key !== '') yield key;
    }
    if (child(page, 'IsTruncated')?.text.trim() !== 'true') return;
    const next = child(page, 'NextContinuationToken')?.text;
    if (next === undefined || next === '' || tokens.has(next)) {
      throw Object.assign(
        new Error(`the listing of bucket ${bucket} makes no progress: the server says there is more but gives ${next ? 'a continuation token it gave before' : 'no continuation token'}`),
        { code: 'ELISTINGSTUCK' },
      );
    }
    tokens.add(next);
    token = next;
  }
}

/** The bucket's PublicAccessBlock configuration XML, or null when it has none. */
export async function getPublicAccessBlockXml(client: Client, bucket: string): Promise<string | null> {
  try {
    const response = await client.makeRequestAsync({ method: 'GET', bucketName: bucket, query: 'publicAccessBlock' }, '', [200]);
    return await readBody(response, 64 * 1024);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchPublicAccessBlockConfiguration')) return null;
    throw error;
  }
}

/** Writes the bucket's PublicAccessBlock configuration (all four settings at once). */
export async function putPublicAccessBlockXml(client: Client, bucket: string, xml: string): Promise<void> {
  await client.makeRequestAsyncOmit(
    { method: 'PUT', bucketName: bucket, query: 'publicAccessBlock', headers: { 'Content-MD5': contentMd5(xml), 'Content-Type': 'application/xml' } },
    xml,
    [200, 204],
  );
}
