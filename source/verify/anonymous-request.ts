/**
 * An unsigned request, as any Nix client makes to the cache: used by `verify` to see what the
 * world sees. TLS as for every other request: caFile trusted, insecure honoured.
 */
import http from 'node:http';
import https from 'node:https';
import { rootCertificates } from 'node:tls';

export interface AnonymousResponse {
  readonly status: number;
  readonly body: string;
}

export function anonymousRequest(
  url: string,
  options: { readonly method?: 'GET' | 'PUT'; readonly caPem?: string; readonly insecure?: boolean; readonly timeoutMs?: number } = {},
): Promise<AnonymousResponse> {
  const target = new URL(url);
  const isHttps = target.protocol === 'https:';
  return new Promise((resolve, reject) => {
    const request = (isHttps ? https : http).request(
      target,
      {
        method: options.method ?? 'GET',
        timeout: options.timeoutMs ?? 15_000,
        ...(isHttps
          ? {
              rejectUnauthorized: !options.insecure,
              ...(options.caPem ? { ca: [...rootCertificates, options.caPem] } : {}),
            }
          : {}),
        headers: options.method === 'PUT' ? { 'content-length': '0' } : {},
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(Object.assign(new Error('no answer in time'), { code: 'ETIMEDOUT' })));
    request.on('error', reject);
    request.end();
  });
}
