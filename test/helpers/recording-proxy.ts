/**
 * A recording HTTP proxy on 127.0.0.1 in front of a real S3 server: a client pointed at the
 * proxy's endpoint reaches the server unchanged (the Host header is passed through, so SigV4
 * signatures still match), and every request's method and path is recorded. Tests use it to
 * prove that a check sends no request that changes anything (SPEC 5).
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from 'node:http';

export interface RecordedRequest {
  readonly method: string;
  /** path and query, e.g. `/bucket?policy` */
  readonly url: string;
  readonly status: number;
}

export interface RecordingProxy {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  readonly requests: RecordedRequest[];
  /** requests other than GET and HEAD */
  mutating(): RecordedRequest[];
  /** forgets the requests recorded so far */
  clear(): void;
  close(): Promise<void>;
}

export interface RecordingProxyOptions {
  /**
   * Fault injection: called when the server's answer to a request arrives, before it is passed
   * on. 'drop' closes the client's connection instead, so the server has done the request but
   * the client never hears of it (a lost answer; a process killed at that moment sees the same).
   */
  readonly onAnswer?: (request: { readonly method: string; readonly url: string; readonly status: number }) => 'forward' | 'drop' | Promise<'forward' | 'drop'>;
}

/** Starts a proxy to `target` (`http://host:port`, plain HTTP). */
export async function startRecordingProxy(target: string, options: RecordingProxyOptions = {}): Promise<RecordingProxy> {
  const upstream = new URL(target);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((incoming, outgoing) => {
    const headers: IncomingHttpHeaders = { ...incoming.headers };
    const forward = request(
      { host: upstream.hostname, port: Number(upstream.port), method: incoming.method, path: incoming.url, headers },
      async (answer) => {
        const seen = { method: incoming.method ?? '', url: incoming.url ?? '', status: answer.statusCode ?? 0 };
        requests.push(seen);
        if (options.onAnswer && (await options.onAnswer(seen)) === 'drop') {
          answer.resume();
          outgoing.socket?.destroy();
          return;
        }
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    forward.on('error', (error) => {
      requests.push({ method: incoming.method ?? '', url: incoming.url ?? '', status: 502 });
      outgoing.destroy(error);
    });
    incoming.pipe(forward);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    mutating: () => requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD'),
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
