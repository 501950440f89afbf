/**
 * A small round-robin TCP balancer on 127.0.0.1, written for the tests: what users put in front of
 * a distributed MinIO (HAProxy in TCP mode, nginx `stream`), cut down to what the tests need. Each
 * client connection goes to the next backend in turn and is piped both ways, bytes unchanged (the
 * Host header the client signed stays as it is). A backend that refuses the connection is skipped
 * for the next one, as nginx's `proxy_next_upstream error` does; when every backend refuses, the
 * client's connection is closed. It knows nothing of HTTP: a node that dies mid-request drops the
 * client's connection, as it would behind a real TCP balancer.
 */
import { connect, createServer, type Socket } from 'node:net';

export interface Backend {
  readonly host: string;
  readonly port: number;
}

export interface RoundRobinBalancer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** connections passed to each backend, by index */
  readonly connections: number[];
  /** connection attempts each backend refused (or failed), by index */
  readonly refused: number[];
  /** points backend `index` somewhere else (a restarted stand-in on a new port) */
  setBackend(index: number, backend: Backend): void;
  /** closes the listener and every open connection */
  close(): Promise<void>;
}

export async function startRoundRobinBalancer(initial: readonly Backend[]): Promise<RoundRobinBalancer> {
  if (initial.length === 0) throw new RangeError('a balancer needs at least one backend');
  const backends = [...initial];
  const connections = backends.map(() => 0);
  const refused = backends.map(() => 0);
  const open = new Set<Socket>();
  let next = 0;

  const track = (socket: Socket): void => {
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  };

  /** Connects `client` to the next backend that accepts, trying each at most once. */
  const route = (client: Socket, attemptsLeft: number): void => {
    if (attemptsLeft === 0 || client.destroyed) {
      client.destroy();
      return;
    }
    const index = next;
    next = (next + 1) % backends.length;
    const backend = backends[index]!;
    const upstream = connect({ host: backend.host, port: backend.port });
    track(upstream);
    let connected = false;
    upstream.once('connect', () => {
      connected = true;
      connections[index]! += 1;
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    });
    upstream.on('error', () => {
      if (!connected) {
        refused[index]! += 1;
        route(client, attemptsLeft - 1);
      } else client.destroy();
    });
    // an ended backend ends the client through the pipe (what is still buffered is delivered);
    // one that failed drops it
    upstream.on('close', (hadError) => {
      if (connected && hadError) client.destroy();
    });
    client.on('error', () => upstream.destroy());
    client.on('close', () => upstream.destroy());
  };

  const server = createServer({ pauseOnConnect: true }, (client) => {
    track(client);
    route(client, backends.length);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    connections,
    refused,
    setBackend(index, backend) {
      if (index < 0 || index >= backends.length) throw new RangeError(`no backend ${index}`);
      backends[index] = backend;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
