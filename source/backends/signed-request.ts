/**
 * One SigV4-signed HTTP(S) request to the endpoint, the way both admin clients talk to it (MinIO's
 * admin API, RGW's Admin Ops API), over `node:http` / `node:https` so a private CA (`caPem`) and
 * `insecure` apply to exactly this connection (Node's global fetch takes no TLS options without
 * undici, which is not a dependency). Signed with `aws4`, service `s3`, and the body always hashed
 * into `X-Amz-Content-Sha256` (MinIO's admin API refuses UNSIGNED-PAYLOAD; notes/minio-admin.md).
 * Requests go only to the endpoint given (SPEC 10).
 */
import { createHash } from 'node:crypto';
import { request as httpRequest, type IncomingHttpHeaders, type RequestOptions } from 'node:http';
import { request as httpsRequest } from 'node:https';
import aws4 from 'aws4';
import { ConnectionError } from './explain-connection-error';
import { ADMIN_ANSWER_LIMIT, ERROR_ANSWER_LIMIT } from '../requests/request-rules';
import { readRuledBody, type SendFunction, sendRuledRequest } from '../requests/ruled-http-request';
import { trustedCas } from './trusted-cas';

export interface EndpointOptions {
  /** `http(s)://host[:port]` */
  readonly endpoint: string;
  readonly region: string;
  /** PEM text of a private CA to trust besides the system's CAs (read once: connections/) */
  readonly caPem?: string | Buffer | undefined;
  /** skip TLS verification (warned about elsewhere) */
  readonly insecure: boolean;
  /** one attempt, headers and body [REQUEST_TIMEOUT_MS], never past the operation's deadline */
  readonly timeoutMs?: number;
  /** the clock, for the signature date [the real clock] */
  readonly now?: () => Date;
}

export interface AccessKeys {
  readonly accessKey: string;
  readonly secretKey: string;
}

export interface SignedRequest {
  readonly method: 'GET' | 'PUT' | 'POST' | 'DELETE' | 'HEAD';
  /** path and query, e.g. `/minio/admin/v3/user-info?accessKey=nixbuilder` (values URI-encoded) */
  readonly path: string;
  readonly body?: Uint8Array;
  readonly contentType?: string;
  /**
   * false: the request must not be sent twice (a secret the server makes: a lost answer would
   * leave a second one made), so it is never retried (request-rules.ts) [true]
   */
  readonly safe?: boolean;
  /** the largest successful answer [ADMIN_ANSWER_LIMIT] */
  readonly answerLimit?: number;
  /** the request asks whether its keys work: InvalidAccessKeyId is its answer, not tried again (ruled-http-request.ts) */
  readonly keysProbe?: boolean;
}

export interface RawResponse {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** The `Code` and `Message` of an S3 (XML) or MinIO admin (JSON) error body, when there is one. */
export interface ServerError {
  readonly code: string | undefined;
  readonly message: string | undefined;
}

export function sha256Hex(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function parseServerError(body: Buffer): ServerError {
  const text = body.toString('utf8').trim();
  if (text.startsWith('{')) {
    try {
      const parsed = JSON.parse(text) as Record<string, unknown>;
      const code = parsed['Code'] ?? parsed['code'];
      const message = parsed['Message'] ?? parsed['message'];
      return { code: typeof code === 'string' ? code : undefined, message: typeof message === 'string' ? message : undefined };
    } catch {
      return { code: undefined, message: undefined };
    }
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return { code, message };
}

/** RFC 3986 encoding, as SigV4 canonical query strings use. */
function encodeRfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (char) => `%${char.charCodeAt(0).toString(16).toUpperCase()}`);
}

/**
 * A query string for `SignedRequest.path`: parameters whose value is undefined are left out, an
 * empty value gives the bare name (RGW's `?key&uid=…` subresource style).
 */
export function queryString(params: readonly (readonly [string, string | undefined])[]): string {
  return params
    .filter((entry): entry is readonly [string, string] => entry[1] !== undefined)
    .map(([name, value]) => (value === '' ? encodeRfc3986(name) : `${encodeRfc3986(name)}=${encodeRfc3986(value)}`))
    .join('&');
}

/**
 * Sends one request signed by `keys`; resolves with any HTTP status, rejects with a
 * `ConnectionError` (a `connect` StepError in plain words) when no answer comes.
 */
export async function sendSignedRequest(options: EndpointOptions, keys: AccessKeys, request: SignedRequest): Promise<RawResponse> {
  const url = new URL(options.endpoint);
  const body = Buffer.from(request.body ?? new Uint8Array(0));
  const headers: Record<string, string> = {
    Host: url.host,
    'X-Amz-Content-Sha256': sha256Hex(body),
    'X-Amz-Date': (options.now?.() ?? new Date()).toISOString().replace(/[:-]|\.\d{3}/g, ''),
  };
  if (body.length > 0 || request.method === 'PUT' || request.method === 'POST') {
    headers['Content-Length'] = String(body.length);
    headers['Content-Type'] = request.contentType ?? 'application/octet-stream';
  }
  const signed = aws4.sign(
    { host: url.host, method: request.method, path: request.path, headers, body, service: 's3', region: options.region },
    { accessKeyId: keys.accessKey, secretAccessKey: keys.secretKey },
  );
  const secure = url.protocol === 'https:';
  const requestOptions: RequestOptions & { ca?: (string | Buffer)[]; rejectUnauthorized?: boolean } = {
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? (secure ? 443 : 80) : Number(url.port),
    method: request.method,
    path: signed.path ?? request.path,
    headers: signed.headers as Record<string, string>,
    // Each request (and each retry) on a connection of its own, as the S3 client's (s3-connection):
    // Node's global agent keeps connections alive, and behind a TCP balancer a kept-alive
    // connection sends every retry to the node that answered 503, where it fails again (seen on a
    // distributed MinIO right after it started: add-user answered XMinioAdminConfigNoQuorum four
    // times by one node, while the other three took writes).
    agent: false,
  };
  if (secure) {
    const ca = options.caPem;
    if (ca !== undefined) requestOptions.ca = trustedCas(ca);
    requestOptions.rejectUnauthorized = !options.insecure;
  }
  const send: SendFunction = secure ? (ruled) => httpsRequest(ruled) : (ruled) => httpRequest(ruled);
  const answerLimit = request.answerLimit ?? ADMIN_ANSWER_LIMIT;
  try {
    const response = await sendRuledRequest(send, requestOptions, body, {
      what: `${request.method} ${request.path.split('?')[0]}`,
      safe: request.safe ?? true,
      ...(request.keysProbe ? { keysProbe: true } : {}),
      limitFor: (status) => (status >= 300 ? ERROR_ANSWER_LIMIT : answerLimit),
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
    });
    return { status: response.statusCode, headers: response.headers, body: await readRuledBody(response) };
  } catch (error) {
    throw new ConnectionError(options.endpoint, error);
  }
}
