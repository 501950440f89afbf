/**
 * The HTTP status a request without keys gets (GET, or a PUT of one byte), each on a connection of
 * its own: MinIO may close a kept-alive connection just as the next request goes out on it (seen
 * once as "other side closed" on a PUT after two GETs), which says nothing about what it allows.
 */
import { request } from 'node:http';

export function anonymousStatus(url: string, method: 'GET' | 'PUT' = 'GET'): Promise<number> {
  return new Promise((resolve, reject) => {
    const sent = request(url, { method, agent: false, timeout: 30_000, headers: method === 'PUT' ? { 'content-length': '1' } : {} }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', reject);
    });
    sent.on('timeout', () => sent.destroy(new Error(`${method} ${url}: no answer in 30 s`)));
    sent.on('error', reject);
    sent.end(method === 'PUT' ? 'x' : undefined);
  });
}
