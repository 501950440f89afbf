/**
 * The one way the wizard sends an HTTP(S) request (request-rules.ts says the rules): the `minio`
 * client's transport (s3/ruled-transport.ts) and signed-request.ts (both admin APIs) call this.
 * Each attempt has one timer for the whole exchange, from the request to the answer's last byte,
 * and the answer comes back as a stream that fails once it passes the limit for what it carries;
 * a retryable answer is thrown away (its body never read) and the request sent again. A 403 to a
 * signed request is read (an error answer is small) to tell "the server does not know these keys"
 * (InvalidAccessKeyId: a lagging node, tried again as keysUnknownOutcome says) from a refusal,
 * and handed on whole.
 */
import type { ClientRequest, IncomingHttpHeaders, IncomingMessage, RequestOptions } from 'node:http';
import { PassThrough, Transform, type TransformCallback, pipeline } from 'node:stream';
import {
  type AttemptOutcome,
  isRefusal,
  isRetryableStatus,
  keysUnknownOutcome,
  noteAnswered,
  noteKeysTaken,
  saysKeysUnknown,
  sendWithRetries,
  signingAccessKey,
  timeoutError,
  tooLargeError,
} from './request-rules';

/** `http.request` or `https.request` */
export type SendFunction = (options: RequestOptions) => ClientRequest;

/** An answer whose body is bounded in size and in time; it looks enough like an IncomingMessage for the `minio` client. */
export type RuledResponse = PassThrough & {
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly headers: IncomingHttpHeaders;
};

export interface RuledRequestOptions {
  /** `GET /bucket?policy`: names the request in errors */
  readonly what: string;
  /** false for a request that must not be sent twice (see request-rules.ts) */
  readonly safe: boolean;
  /** the largest body the answer may have, by its status */
  readonly limitFor: (status: number) => number;
  /** one attempt's time [REQUEST_TIMEOUT_MS] */
  readonly timeoutMs?: number;
  /** the request asks whether its keys work: an answer that the server does not know them is kept, not tried again */
  readonly keysProbe?: boolean;
}

/** Counts the bytes passing and fails the stream once they pass `limit`. */
class SizeLimit extends Transform {
  private size = 0;
  constructor(
    private readonly limit: number,
    private readonly what: string,
  ) {
    super();
  }
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.size += chunk.length;
    if (this.size > this.limit) callback(tooLargeError(this.what, this.limit));
    else callback(null, chunk);
  }
}

/** A request header's value, whatever the case of its name. */
function headerValue(options: RequestOptions, name: string): unknown {
  const headers = options.headers;
  if (headers === undefined || Array.isArray(headers)) return undefined;
  const found = Object.keys(headers).find((key) => key.toLowerCase() === name);
  return found === undefined ? undefined : (headers as Record<string, unknown>)[found];
}

function attempt(send: SendFunction, options: RequestOptions, body: Buffer, ruled: RuledRequestOptions, timeoutMs: number): Promise<AttemptOutcome<RuledResponse>> {
  return new Promise((resolve, reject) => {
    let answer: RuledResponse | undefined;
    const request = send(options);
    // One timer for the whole exchange: it ends the request and, once the answer has come, its body.
    const timer = setTimeout(() => {
      const error = timeoutError(ruled.what, timeoutMs);
      request.destroy(error);
      answer?.destroy(error);
    }, timeoutMs);
    request.on('error', (error) => {
      clearTimeout(timer);
      if (answer === undefined) reject(error);
      else answer.destroy(error);
    });
    request.on('response', (incoming: IncomingMessage) => {
      const status = incoming.statusCode ?? 0;
      const limited = new SizeLimit(ruled.limitFor(status), ruled.what);
      const out = Object.assign(new PassThrough(), { statusCode: status, statusMessage: incoming.statusMessage ?? '', headers: incoming.headers });
      answer = out;
      // pipeline destroys the socket when the limit or the timer fails the answer, and passes a
      // broken connection on as the answer's error
      const origin = `${options.host ?? options.hostname ?? ''}:${options.port ?? ''}`;
      pipeline(incoming, limited, out, (error) => {
        clearTimeout(timer);
        // a whole answer came: this server answers (a later time-out is not a wrong endpoint)
        if (!error) noteAnswered(origin);
      });
      out.on('close', () => {
        clearTimeout(timer);
        if (!incoming.complete) request.destroy();
      });
      const accessKey = signingAccessKey(headerValue(options, 'authorization'));
      if (isRetryableStatus(status)) resolve({ retry: `the server answered ${status}`, last: out, refused: isRefusal(status) });
      else if (status === 403 && accessKey !== undefined && ruled.keysProbe !== true) {
        // read the (small, bounded) error answer to tell "I do not know these keys" from a refusal
        readRuledBody(out).then(
          (body) => {
            const replay = Object.assign(new PassThrough(), { statusCode: status, statusMessage: out.statusMessage, headers: out.headers });
            replay.end(body);
            resolve(saysKeysUnknown(body.toString('utf8')) ? keysUnknownOutcome(origin, accessKey, replay) : { done: replay });
          },
          (error: unknown) => reject(error),
        );
      } else {
        if (status < 400 && accessKey !== undefined) noteKeysTaken(origin, accessKey);
        resolve({ done: out });
      }
    });
    request.end(body);
  });
}

/** Sends the request under the rules; resolves with the answer to keep (its body still to be read). */
export function sendRuledRequest(send: SendFunction, options: RequestOptions, body: Buffer, ruled: RuledRequestOptions): Promise<RuledResponse> {
  return sendWithRetries(ruled.safe, (timeoutMs) => attempt(send, options, body, ruled, timeoutMs), ruled.timeoutMs, (dropped) => dropped.destroy());
}

/** Reads a ruled answer's whole body (bounded by its limit and its timer). */
export async function readRuledBody(response: RuledResponse): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}
