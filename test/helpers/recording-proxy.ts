/**
 * A recording HTTP proxy on 127.0.0.1 in front of a real S3 server: a client pointed at the
 * proxy's endpoint reaches the server unchanged (the Host header is passed through, so SigV4
 * signatures still match), and every request's method, path and timing is recorded. Tests use it
 * to prove that a check sends no request that changes anything (SPEC 5), and, with `delayMs`, to
 * put real latency between the wizard and the server: each request waits that long before it is
 * forwarded, as over a LAN, a VPN or the internet, so what a run costs is its round trips.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  /** path and query, e.g. `/bucket?policy` */
  readonly url: string;
  readonly status: number;
  /** when the proxy received it and when the answer was complete (performance.now(), ms) */
  readonly start: number;
  readonly end: number;
  /** the answer's body, when `keepBody` asked for it */
  readonly body?: string;
}

export interface RecordingProxyOptions {
  /** keep the answer's body of the requests it says (a listing, to know what a command was told) */
  readonly keepBody?: (request: { readonly method: string; readonly url: string }) => boolean;
  /** added to every request before it is forwarded; bounded to 0..MAX_DELAY_MS. @default 0 */
  readonly delayMs?: number;
  /**
   * Fault injection: called when the server's answer to a request arrives, before it is passed
   * on. 'drop' closes the client's connection instead, so the server has done the request but
   * the client never hears of it (a lost answer; a process killed at that moment sees the same).
   */
  readonly onAnswer?: (request: { readonly method: string; readonly url: string; readonly status: number }) => 'forward' | 'drop' | Promise<'forward' | 'drop'>;
  /**
   * Fault injection before the server: a status (e.g. 503) answers the request here, with an S3
   * error body, and the server never sees it; undefined forwards it (a busy node behind a balancer).
   */
  readonly answerInstead?: (request: { readonly method: string; readonly url: string }) => number | undefined;
}

/** A delay above this is a mistake in a test, not a network worth simulating. */
export const MAX_DELAY_MS = 2000;

export interface RecordingProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  readonly delayMs: number;
  /** requests other than GET and HEAD */
  mutating(): RecordedRequest[];
  /**
   * The sequential round trips of the recorded requests: the longest chain of requests each of
   * which started only after the one before it was answered. Requests in flight together count
   * once; the time the server or the client spends in between does not count.
   */
  sequentialRounds(): number;
  /** the time during which at least one request was in flight, in ms (network time, not CPU) */
  busyMs(): number;
  /** forgets the requests recorded so far */
  clear(): void;
  close(): Promise<void>;
}

/** The longest chain of requests that ran one after another (interval order, by end time). */
export function longestChain(requests: readonly Pick<RecordedRequest, 'start' | 'end'>[]): number {
  const sorted = [...requests].sort((a, b) => a.end - b.end);
  const depth: number[] = [];
  let best = 0;
  for (const [i, r] of sorted.entries()) {
    let before = 0;
    for (let j = 0; j < i; j++) if (sorted[j]!.end <= r.start) before = Math.max(before, depth[j]!);
    depth[i] = before + 1;
    best = Math.max(best, depth[i]!);
  }
  return best;
}

/** The length of the union of the requests' intervals. */
export function busyTime(requests: readonly Pick<RecordedRequest, 'start' | 'end'>[]): number {
  const sorted = [...requests].sort((a, b) => a.start - b.start);
  let total = 0;
  let from = -Infinity;
  let to = -Infinity;
  for (const r of sorted) {
    if (r.start > to) {
      if (to > from) total += to - from;
      from = r.start;
      to = r.end;
    } else to = Math.max(to, r.end);
  }
  if (to > from) total += to - from;
  return total;
}

/** Starts a proxy to `target` (`http://host:port`, plain HTTP). */
export async function startRecordingProxy(target: string, options: RecordingProxyOptions = {}): Promise<RecordingProxy> {
  const delayMs = options.delayMs ?? 0;
  if (!Number.isFinite(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
    throw new RangeError(`delayMs must be between 0 and ${MAX_DELAY_MS} ms, not ${delayMs}`);
  }
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const start = performance.now();
    const headers: IncomingHttpHeaders = { ...incoming.headers };
    const record = (status: number, body?: string) =>
      requests.push({ method: incoming.method ?? '', url: incoming.url ?? '', status, start, end: performance.now(), ...(body === undefined ? {} : { body }) });
    const instead = options.answerInstead?.({ method: incoming.method ?? '', url: incoming.url ?? '' });
    if (instead !== undefined) {
      incoming.resume();
      outgoing.writeHead(instead, { 'Content-Type': 'application/xml', Connection: 'close' });
      outgoing.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>answered by the test proxy</Message></Error>`);
      record(instead);
      return;
    }
    // The body waits in the socket (paused) while the request is delayed.
    incoming.pause();
    setTimeout(() => {
      const forward = request({ host: upstream.hostname, port: Number(upstream.port), method: incoming.method, path: incoming.url, headers }, async (answer) => {
        const status = answer.statusCode ?? 0;
        if (options.onAnswer && (await options.onAnswer({ method: incoming.method ?? '', url: incoming.url ?? '', status })) === 'drop') {
          record(status);
          answer.resume();
          outgoing.socket?.destroy();
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        const chunks: Buffer[] | undefined = options.keepBody?.({ method: incoming.method ?? '', url: incoming.url ?? '' }) ? [] : undefined;
        if (chunks) answer.on('data', (chunk: Buffer) => chunks.push(chunk));
        answer.pipe(outgoing);
        answer.on('end', () => record(answer.statusCode ?? 0, chunks && Buffer.concat(chunks).toString('utf8')));
      });
      forward.on('error', (error) => {
        record(502);
        outgoing.destroy(error);
      });
      incoming.pipe(forward);
      incoming.resume();
    }, delayMs);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    delayMs,
    mutating: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
    sequentialRounds: () => longestChain(requests),
    busyMs: () => busyTime(requests),
    clear: () => {
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
