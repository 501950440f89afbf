/**
 * A hostile-server stand-in on 127.0.0.1: an HTTP server written for the tests that answers the
 * way a broken or hostile S3 endpoint might and a real MinIO or RGW never does (issue 16). Every
 * request, whatever its path or signature, gets the behaviour chosen (a HEAD, which carries no
 * body, gets a bare 200):
 *  - `endless-chunked`: 200 and a chunked body that never ends, as fast as the client reads;
 *  - `slow-drip`: 200 and one byte of a body every `dripMs`, never ending (never idle for long);
 *  - `huge-body`: 200 and a body of `hugeBytes` (100 MB by default), sent as fast as read;
 *  - `repeating-listing`: every ListObjectsV2 page says "more to come" with the same token;
 *  - `status`: answers `status` (e.g. 503) to everything, with an S3 error body.
 * It counts requests and closes every connection on `close()`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

/** `silent`: takes the request and never answers (a distributed MinIO's node just started again was seen holding reads so). */
/**
 * `busy-objects`: lists one narinfo (0123456789abcdfghijklmnpqrsvwxyz.narinfo) and an old NAR
 * (nar/old.nar.xz), and answers every other request with `status` (503; 404 is NoSuchKey).
 */
/**
 * `lagging-node`: what a node of a distributed MinIO that has not loaded a user yet answers behind
 * a balancer: the requests numbered in `unknownAt` (0-based) get 403 InvalidAccessKeyId, those in
 * `policyUnknownAt` the admin API's 404 XMinioAdminNoSuchPolicy (a canned policy not loaded yet),
 * every other one 200 and an empty bucket policy.
 */
/**
 * `stale-policy-node`: four nodes answered in turn (by request number) for a bucket policy: PUT
 * ?policy is taken (204) and held by nodes 0, 1 and 2 at once; node 3 serves the policy from before
 * (`{"Statement":[]}`) until `staleUntil` PUTs have come (never by default).
 */
export type HostileBehaviour = 'endless-chunked' | 'slow-drip' | 'huge-body' | 'repeating-listing' | 'status' | 'silent' | 'busy-objects' | 'lagging-node' | 'stale-policy-node';

export interface HostileServerOptions {
  /** slow-drip: milliseconds between bytes [2000] */
  readonly dripMs?: number;
  /** slow-drip: this many first requests get a whole answer (an empty bucket policy) before the dripping starts [0] */
  readonly wholeFirst?: number;
  /** huge-body: its length [100 MB] */
  readonly hugeBytes?: number;
  /** status: the status answered [503] */
  readonly status?: number;
  /** lagging-node: the requests answered InvalidAccessKeyId, by their number from 0 */
  readonly unknownAt?: readonly number[];
  /** lagging-node: the requests answered XMinioAdminNoSuchPolicy, by their number from 0 */
  readonly policyUnknownAt?: readonly number[];
  /** stale-policy-node: the PUTs of the policy after which node 3 serves it too [never] */
  readonly staleUntil?: number;
  /** stale-policy-node: every other read lists each statement's actions the other way round, as MinIO does at random */
  readonly reorderActions?: boolean;
}

export interface HostileServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** the requests received so far, `METHOD /path?query` */
  readonly requests: string[];
  close(): Promise<void>;
}

const CHUNK = Buffer.alloc(64 * 1024, 'x');

/**
 * Writes `chunk` again and again while the client reads, until the connection closes. A turn of
 * the event loop after every few chunks, so the stand-in never holds the test's process.
 */
function flood(response: ServerResponse, chunk: Buffer, until: (sent: number) => boolean = () => false): void {
  let sent = 0;
  const more = () => {
    for (let burst = 0; burst < 16; burst++) {
      if (response.destroyed) return;
      if (until(sent)) {
        response.end();
        return;
      }
      sent += chunk.length;
      if (!response.write(chunk)) {
        response.once('drain', more);
        return;
      }
    }
    setImmediate(more);
  };
  more();
}

function listingPage(): string {
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Name>cache</Name><Prefix></Prefix><KeyCount>1</KeyCount><MaxKeys>1000</MaxKeys><Delimiter>/</Delimiter>' +
    '<IsTruncated>true</IsTruncated><NextContinuationToken>the-same-token</NextContinuationToken>' +
    '<Contents><Key>nix-cache-info</Key><Size>30</Size><ETag>"0"</ETag></Contents></ListBucketResult>'
  );
}

/** The listing of `busy-objects`: a narinfo and a NAR, both from 2020. */
function busyListing(): string {
  const entry = (key: string) => `<Contents><Key>${key}</Key><LastModified>2020-01-01T00:00:00.000Z</LastModified><Size>30</Size><ETag>"0"</ETag></Contents>`;
  return (
    '<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">' +
    '<Name>cache</Name><Prefix></Prefix><KeyCount>2</KeyCount><MaxKeys>1000</MaxKeys><IsTruncated>false</IsTruncated>' +
    `${entry('0123456789abcdfghijklmnpqrsvwxyz.narinfo')}${entry('nar/old.nar.xz')}</ListBucketResult>`
  );
}

export async function startHostileServer(behaviour: HostileBehaviour, options: HostileServerOptions = {}): Promise<HostileServer> {
  const requests: string[] = [];
  /** stale-policy-node: the policy written last, and how many times one was */
  let policy: string | undefined;
  let policyPuts = 0;
  const timers = new Set<NodeJS.Timeout>();
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests.push(`${request.method ?? ''} ${request.url ?? ''}`);
    if (behaviour === 'stale-policy-node') {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        if (request.method === 'PUT') {
          policy = Buffer.concat(chunks).toString('utf8');
          policyPuts += 1;
          response.writeHead(204);
          response.end();
          return;
        }
        const node = (requests.length - 1) % 4;
        const stale = node === 3 && policyPuts < (options.staleUntil ?? Infinity);
        response.writeHead(200, { 'Content-Type': 'application/json' });
        let text = stale || policy === undefined ? '{"Version":"2012-10-17","Statement":[]}' : policy;
        if (options.reorderActions && requests.length % 2 === 0) {
          const parsed = JSON.parse(text) as { Statement: { Action?: string[] }[] };
          for (const statement of parsed.Statement) statement.Action?.reverse();
          text = JSON.stringify(parsed);
        }
        response.end(text);
      });
      return;
    }
    request.resume();
    // A HEAD answer carries no body (Node's server drops what is written): the bucket "exists".
    if (request.method === 'HEAD' && behaviour !== 'status') {
      response.writeHead(200);
      response.end();
      return;
    }
    switch (behaviour) {
      case 'endless-chunked':
        response.writeHead(200, { 'Content-Type': 'application/xml' });
        flood(response, CHUNK);
        return;
      case 'slow-drip': {
        if (requests.length <= (options.wholeFirst ?? 0)) {
          response.writeHead(200, { 'Content-Type': 'application/json' });
          response.end('{"Version":"2012-10-17","Statement":[]}');
          return;
        }
        response.writeHead(200, { 'Content-Type': 'application/xml' });
        response.write('<');
        const timer = setInterval(() => {
          if (response.destroyed) clearInterval(timer);
          else response.write('x');
        }, options.dripMs ?? 2000);
        timers.add(timer);
        return;
      }
      case 'huge-body': {
        const total = options.hugeBytes ?? 100 * 1024 * 1024;
        response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': String(total) });
        flood(response, CHUNK, (sent) => sent >= total);
        return;
      }
      case 'repeating-listing':
        response.writeHead(200, { 'Content-Type': 'application/xml' });
        response.end(listingPage());
        return;
      case 'silent':
        return;
      case 'busy-objects':
        if (request.url?.startsWith('/cache?')) {
          response.writeHead(200, { 'Content-Type': 'application/xml' });
          response.end(busyListing());
          return;
        }
        response.writeHead(options.status ?? 503, { 'Content-Type': 'application/xml' });
        response.end(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${options.status === 404 ? 'NoSuchKey' : 'ServiceUnavailable'}</Code><Message>answered by the stand-in</Message></Error>`);
        return;
      case 'lagging-node':
        if (options.unknownAt?.includes(requests.length - 1)) {
          response.writeHead(403, { 'Content-Type': 'application/xml' });
          response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>InvalidAccessKeyId</Code><Message>The Access Key Id you provided does not exist in our records.</Message></Error>');
        } else if (options.policyUnknownAt?.includes(requests.length - 1)) {
          response.writeHead(404, { 'Content-Type': 'application/json' });
          response.end('{"Code":"XMinioAdminNoSuchPolicy","Message":"The canned policy does not exist.","Resource":"/minio/admin/v3/set-user-or-group-policy"}');
        } else {
          response.writeHead(200, { 'Content-Type': 'application/json' });
          response.end('{"Version":"2012-10-17","Statement":[]}');
        }
        return;
      case 'status':
        response.writeHead(options.status ?? 503, { 'Content-Type': 'application/xml' });
        response.end('<?xml version="1.0" encoding="UTF-8"?><Error><Code>ServiceUnavailable</Code><Message>Please reduce your request rate.</Message></Error>');
        return;
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const timer of timers) clearInterval(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
