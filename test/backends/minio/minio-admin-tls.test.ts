import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionsFor } from '../../../source/connections/connections';
import { exampleAnswers } from '../../files/example-answers';
import { type FakeMinioAdminServer, startFakeMinioAdminServer } from '../../helpers/fake-minio-admin-server';

const ADMIN = { accessKey: 'minioadmin', secretKey: 'root-Secret-123' };

function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A throwaway private CA and a certificate for 127.0.0.1 signed by it. */
function makePrivateCa(dir: string) {
  const run = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
  run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=nix-cache-wizard test CA']);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1']);
  writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1\n');
  run(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'san.ext']);
  return { caFile: join(dir, 'ca.pem'), key: readFileSync(join(dir, 'server.key'), 'utf8'), cert: readFileSync(join(dir, 'server.pem'), 'utf8') };
}

describe.skipIf(!hasOpenssl())('the admin client over https with a private CA', () => {
  let server: FakeMinioAdminServer;
  let caFile: string;

  beforeAll(async () => {
    const ca = makePrivateCa(mkdtempSync(join(tmpdir(), 'ncw-ca-')));
    caFile = ca.caFile;
    server = await startFakeMinioAdminServer({ admin: ADMIN, tls: { key: ca.key, cert: ca.cert } });
  });
  afterAll(() => server.close());

  /** MinIO's admin API client as the wizard makes it from the answers (connections/, which reads caFile) */
  const client = async (options: { caFile: string | undefined; insecure: boolean }) => {
    const answers = exampleAnswers({ endpoint: server.endpoint, admin: { ...ADMIN, mcAlias: undefined }, adminVia: 'api', ...options });
    return (await connectionsFor(answers, { randomBytes: (n) => new Uint8Array(randomBytes(n)), env: {} })).minioAdmin();
  };

  it('an unknown CA is refused with a suggestion to set caFile', async () => {
    await expect((await client({ caFile: undefined, insecure: false })).userInfo('nixbuilder')).rejects.toMatchObject({
      message: expect.stringContaining('does not trust'),
      hint: expect.stringContaining('caFile'),
    });
  });

  it('the CA given as caFile is trusted', async () => {
    expect(await (await client({ caFile, insecure: false })).userInfo('nixbuilder')).toEqual({ exists: false });
  });

  it('insecure skips verification', async () => {
    expect(await (await client({ caFile: undefined, insecure: true })).userInfo('nixbuilder')).toEqual({ exists: false });
  });

  it('a caFile that cannot be read is bad input naming caFile (exit 2), before any request', async () => {
    const before = server.requests.length;
    await expect(client({ caFile: '/nonexistent/ca.pem', insecure: false })).rejects.toMatchObject({
      name: 'UsageError',
      exitCode: 2,
      field: 'caFile',
      message: expect.stringMatching(/caFile: cannot read \/nonexistent\/ca\.pem/),
    });
    expect(server.requests.length).toBe(before);
  });

});
