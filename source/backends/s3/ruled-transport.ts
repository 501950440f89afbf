/**
 * The `transport` the `minio` client sends every request through (its `params.transport`: an
 * object with `request(options, onResponse)`, see node_modules/minio/dist/esm/internal/request.mjs),
 * so each of its requests goes by the wizard's request rules (../request-rules.ts): a deadline for
 * the whole exchange, a size limit on each answer by what it carries (a policy, a lifecycle, a
 * listing page, an object, an error), and the one retry rule. minio's own retry (no deadline,
 * `console.warn`, no jitter control) stays off.
 *
 * minio writes the request body into what `request` returns (`end(body)`, or a pipe for a stream)
 * and waits for `onResponse`; the body is kept here so a retry can send it again. The wizard's
 * uploads are small documents (a narinfo, `nix-cache-info`, a probe), never a NAR.
 *
 * Every S3 request the wizard makes is safe to send twice: reads, writes of a whole document (the
 * same document again), DELETE of a subresource (already gone counts as deleted), a bucket made
 * again (BucketAlreadyOwnedByYou counts as made), and a conditional PUT (If-Match) that already
 * took effect fails with 412, after which re-sign reads the narinfo again.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { Writable } from 'node:stream';
import { responseLimit } from '../../requests/request-rules';
import { type RuledResponse, type SendFunction, sendRuledRequest } from '../../requests/ruled-http-request';

export interface Transport {
  request(options: http.RequestOptions, onResponse: (response: RuledResponse) => void): Writable;
}

class RuledS3Request extends Writable {
  private readonly chunks: Buffer[] = [];
  constructor(
    private readonly send: SendFunction,
    private readonly options: http.RequestOptions,
    private readonly onResponse: (response: RuledResponse) => void,
  ) {
    super();
  }

  override _write(chunk: Buffer | string, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.chunks.push(Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk, encoding));
    callback();
  }

  override _final(callback: (error?: Error | null) => void): void {
    const method = this.options.method ?? 'GET';
    const path = this.options.path ?? '/';
    sendRuledRequest(this.send, this.options, Buffer.concat(this.chunks), {
      what: `${method} ${path.split('?')[0]}${path.includes('?') ? `?${path.split('?')[1]!.split(/[=&]/)[0]}` : ''}`,
      safe: true,
      limitFor: (status) => responseLimit(method, path, status),
    }).then(
      (response) => {
        callback();
        this.onResponse(response);
      },
      (error: Error) => callback(error),
    );
  }
}

export function ruledTransport(secure: boolean): Transport {
  const send: SendFunction = secure ? (options) => https.request(options) : (options) => http.request(options);
  return { request: (options, onResponse) => new RuledS3Request(send, options, onResponse) };
}
