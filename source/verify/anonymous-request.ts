/**
 * An unsigned request, as any Nix client makes to the cache: used by `verify` to see what the
 * world sees. TLS as for every other request: caFile trusted, insecure honoured. It goes by the
 * request rules like every other (requests/request-rules.ts): a deadline for the whole exchange,
 * an answer of at most a listing page, retries of a busy server's answers.
 */
import http from 'node:http';
import https from 'node:https';
import { trustedCas } from '../backends/trusted-cas';
import { ERROR_ANSWER_LIMIT } from '../requests/request-rules';
import { readRuledBody, type SendFunction, sendRuledRequest } from '../requests/ruled-http-request';

export interface AnonymousResponse {
  readonly status: number;
  readonly body: string;
}

/** What an anonymous GET reads: `nix-cache-info`, a narinfo or a listing page. */
const ANONYMOUS_ANSWER_LIMIT = 4 * 1024 * 1024;

export async function anonymousRequest(
  url: string,
  options: { readonly method?: 'GET' | 'PUT'; readonly caPem?: string; readonly insecure?: boolean; readonly timeoutMs?: number } = {},
): Promise<AnonymousResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  const method = options.method ?? 'GET';
  const requestOptions: https.RequestOptions = {
    host: target.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: target.port === '' ? (isHttps ? 443 : 80) : Number(target.port),
    path: `${target.pathname}${target.search}`,
    method,
    ...(isHttps
      ? {
          rejectUnauthorized: !options.insecure,
          ...(options.caPem ? { ca: trustedCas(options.caPem) } : {}),
        }
      : {}),
    headers: method === 'PUT' ? { 'content-length': '0' } : {},
  };
  const send: SendFunction = isHttps ? (ruled) => https.request(ruled) : (ruled) => http.request(ruled);
  const response = await sendRuledRequest(send, requestOptions, Buffer.alloc(0), {
    what: `${method} ${target.pathname}`,
    // a GET, or a PUT the world must be refused (verify expects it to fail): either may go twice
    safe: true,
    limitFor: (status) => (status >= 300 ? ERROR_ANSWER_LIMIT : ANONYMOUS_ANSWER_LIMIT),
    timeoutMs: options.timeoutMs ?? 15_000,
  });
  return { status: response.statusCode, body: (await readRuledBody(response)).toString('utf8') };
}
