/**
 * The unsigned request `verify` makes to see the cache as the world (and Nix) sees it. The server
 * here is a plain HTTP server written for the test: what is checked is what the request sends and
 * how it reads any HTTP answer, which needs no S3.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { networkInterfaces, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { anonymousRequest } from '../../source/verify/anonymous-request';

interface Seen {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});

/** Starts `server` on `host`, answering with `answer`; returns its base URL and what it received. */
async function listen(server: Server, host: string, answer: (request: IncomingMessage, response: ServerResponse) => void, scheme = 'http') {
  const seen: Seen[] = [];
  server.on('request', (request: IncomingMessage, response: ServerResponse) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, body });
      answer(request, response);
    });
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as { port: number };
  return { base: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`, seen };
}

const hasIpv6Loopback = Object.values(networkInterfaces()).some((addresses) => addresses?.some((address) => address.address === '::1'));

const NIX_CACHE_INFO = 'StoreDir: /nix/store\nWantMassQuery: 1\nPriority: 30\n';

describe('an anonymous request', () => {
  it('GETs the path and query as given, with no credentials, and gives the status and body', async () => {
    const { base, seen } = await listen(createHttpServer(), '127.0.0.1', (_, response) => response.end(NIX_CACHE_INFO));
    expect(await anonymousRequest(`${base}/nix-cache/nix-cache-info?x=1`)).toEqual({ status: 200, body: NIX_CACHE_INFO });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ method: 'GET', url: '/nix-cache/nix-cache-info?x=1' });
    expect(seen[0]!.headers).not.toHaveProperty('authorization');
  });

  it('a refusal is an answer, not an error: 403 with its body', async () => {
    const { base } = await listen(createHttpServer(), '127.0.0.1', (_, response) => {
      response.statusCode = 403;
      response.end('<Error><Code>AccessDenied</Code></Error>');
    });
    expect(await anonymousRequest(`${base}/nix-cache/`)).toEqual({ status: 403, body: '<Error><Code>AccessDenied</Code></Error>' });
  });

  it('a PUT (the upload the world must be refused) sends an empty body with content-length 0', async () => {
    const { base, seen } = await listen(createHttpServer(), '127.0.0.1', (_, response) => {
      response.statusCode = 403;
      response.end();
    });
    expect((await anonymousRequest(`${base}/nix-cache/probe`, { method: 'PUT' })).status).toBe(403);
    expect(seen[0]).toMatchObject({ method: 'PUT', body: '' });
    expect(seen[0]!.headers['content-length']).toBe('0');
  });

  it.skipIf(!hasIpv6Loopback)(`reaches an endpoint given as an IPv6 address in brackets${hasIpv6Loopback ? '' : ' (skipped: no ::1 here)'}`, async () => {
    const { base } = await listen(createHttpServer(), '::1', (_, response) => response.end('v6'));
    expect(await anonymousRequest(`${base}/nix-cache/nix-cache-info`)).toEqual({ status: 200, body: 'v6' });
  });

  it('an answer larger than any nix-cache-info, narinfo or listing page fails instead of filling the memory', async () => {
    const { base } = await listen(createHttpServer(), '127.0.0.1', (_, response) => response.end(Buffer.alloc(5 * 1024 * 1024, 'x')));
    await expect(anonymousRequest(`${base}/nix-cache/nix-cache-info`)).rejects.toMatchObject({ code: 'ERESPONSETOOLARGE', message: expect.stringContaining('larger than 4 MiB') });
  });

  it('nothing listening fails with the connection error', async () => {
    const { base } = await listen(createHttpServer(), '127.0.0.1', (_, response) => response.end());
    await new Promise((resolve) => servers.pop()!.close(resolve));
    await expect(anonymousRequest(`${base}/nix-cache/nix-cache-info`)).rejects.toMatchObject({ code: 'ECONNREFUSED' });
  });
});

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!hasOpenssl())('an anonymous request over https to a server with a private CA', () => {
  /** A throwaway CA and a certificate for 127.0.0.1 signed by it. */
  function privateCa() {
    const dir = mkdtempSync(join(tmpdir(), 'ncw-anon-ca-'));
    const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=nix-cache-wizard test CA']);
    run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
    run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
    const read = (name: string) => readFileSync(join(dir, name), 'utf8');
    return { caPem: read('ca.pem'), key: read('server.key'), cert: read('server.pem') };
  }
  const ca = privateCa();
  const start = () => listen(createHttpsServer({ key: ca.key, cert: ca.cert }), '127.0.0.1', (_, response) => response.end(NIX_CACHE_INFO), 'https');

  it('is refused when the CA is not trusted', async () => {
    const { base, seen } = await start();
    await expect(anonymousRequest(`${base}/nix-cache/nix-cache-info`)).rejects.toThrow();
    expect(seen).toEqual([]);
  });

  it('trusts the CA of caFile, as every other request does', async () => {
    const { base } = await start();
    expect(await anonymousRequest(`${base}/nix-cache/nix-cache-info`, { caPem: ca.caPem })).toEqual({ status: 200, body: NIX_CACHE_INFO });
  });

  it('skips verification when insecure is answered', async () => {
    const { base } = await start();
    expect((await anonymousRequest(`${base}/nix-cache/nix-cache-info`, { insecure: true })).status).toBe(200);
  });
});
