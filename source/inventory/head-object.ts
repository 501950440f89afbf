/**
 * One object's headers by a HEAD (no body): what `doctor` asks of NARs when the aws-chunked trap
 * showed on a narinfo (issue 18, 4), without downloading them.
 */
import type { IncomingMessage } from 'node:http';
import type { Client } from 'minio';
import { isS3ErrorCode } from '../backends/s3/s3-requests';

export interface ObjectHeaders {
  readonly size: number;
  readonly contentEncoding?: string;
  readonly etag: string;
}

/** The object's headers, or 'missing' when it does not exist. */
export async function headObject(client: Client, bucket: string, key: string): Promise<ObjectHeaders | 'missing'> {
  let response: IncomingMessage;
  try {
    response = await client.makeRequestAsync({ method: 'HEAD', bucketName: bucket, objectName: key }, '', [200]);
  } catch (error) {
    if (isS3ErrorCode(error, 'NoSuchKey', 'NotFound')) return 'missing';
    throw error;
  }
  response.resume();
  const encoding = response.headers['content-encoding'];
  const size = Number(response.headers['content-length'] ?? '0');
  const etag = response.headers.etag;
  return {
    size: Number.isSafeInteger(size) ? size : 0,
    etag: typeof etag === 'string' ? etag : '',
    ...(typeof encoding === 'string' && encoding !== '' ? { contentEncoding: encoding } : {}),
  };
}
