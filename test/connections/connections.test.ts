/**
 * Issue 17, item 4: every client is made from the answers and the CA text in one place
 * (source/connections/), and caFile is read one way: whatever is wrong with it is bad input naming
 * caFile (exit 2), before any request.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { connectionsFor, connectionsFrom } from '../../source/connections/connections';
import { readCaPem } from '../../source/files/read-ca-pem';
import { exampleAnswers } from '../files/example-answers';

const ROOT = resolve(__dirname, '../..');
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
const effects = { randomBytes: (n: number) => new Uint8Array(n), env: {} };

describe('the CA file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-ca-read-'));

  it('is read as text when it holds a certificate', async () => {
    writeFileSync(join(dir, 'ca.pem'), PEM);
    expect(await readCaPem(join(dir, 'ca.pem'))).toBe(PEM);
    expect(await readCaPem(undefined)).toBeUndefined();
  });

  it.each([
    ['missing', () => join(dir, 'no-such.pem'), /caFile: cannot read .*no-such\.pem \(ENOENT/],
    ['a folder', () => dir, /caFile: .* is a folder/],
    ['without a certificate', () => (writeFileSync(join(dir, 'not.pem'), 'hello\n'), join(dir, 'not.pem')), /holds no PEM certificate/],
  ])('%s is bad input naming caFile (exit 2)', async (_what, path, message) => {
    await expect(readCaPem(path())).rejects.toMatchObject({ name: 'UsageError', exitCode: 2, field: 'caFile', message: expect.stringMatching(message) });
  });

  it('is read before any connection is made from answers that name it', async () => {
    const answers = exampleAnswers({ caFile: join(dir, 'no-such.pem') });
    await expect(connectionsFor(answers, effects)).rejects.toMatchObject({ exitCode: 2, field: 'caFile' });
    writeFileSync(join(dir, 'ca.pem'), PEM);
    expect((await connectionsFor(exampleAnswers({ caFile: join(dir, 'ca.pem') }), effects)).caPem).toBe(PEM);
  });

  it('given as a fact is not read again', async () => {
    const answers = exampleAnswers({ caFile: join(dir, 'no-such.pem') });
    const connections = await connectionsFor(answers, effects, { caPem: PEM });
    expect(connections.endpointOptions().caPem).toBe(PEM);
  });
});

describe('the connections of a setup', () => {
  it('sign the steps with the admin keys, on plain S3 with the builder keys', () => {
    expect(connectionsFrom(exampleAnswers({ backend: 'minio' }), { caPem: undefined }, effects).stepKeys).toMatchObject({ accessKey: 'minioadmin', who: 'admin' });
    const s3 = exampleAnswers({ backend: 's3' });
    expect(connectionsFrom(s3, { caPem: undefined }, effects).stepKeys).toMatchObject({ accessKey: s3.builder.accessKey, secretKey: s3.builder.secretKey, who: 'builder' });
  });

  it('carry the endpoint, region, CA and insecure to a signed request', () => {
    const answers = exampleAnswers({ endpoint: 'https://s3.lan:9000', region: 'eu-1', insecure: true });
    expect(connectionsFrom(answers, { caPem: PEM }, effects).endpointOptions({ timeoutMs: 10 })).toEqual({ endpoint: 'https://s3.lan:9000', region: 'eu-1', insecure: true, caPem: PEM, timeoutMs: 10 });
  });

  it('never print or serialize the admin keys they hold', () => {
    const answers = exampleAnswers({ backend: 'ceph' });
    const connections = connectionsFrom(answers, { caPem: PEM }, effects);
    for (const text of [JSON.stringify(connections), JSON.stringify({ connections }), inspect(connections, { depth: Infinity }), inspect({ connections }, { depth: Infinity })]) {
      expect(text).not.toContain(answers.admin.secretKey);
      expect(text).toContain(answers.endpoint);
    }
  });

  it('are the only place in source/ that makes a client (createS3Client, the admin clients)', () => {
    const makers = /\b(createS3Client|createMinioAdminClient|createMcClient|createRgwAdminClient|builderKeysChecker)\(/;
    const files = readdirSync(join(ROOT, 'source'), { recursive: true, encoding: 'utf8' }).filter((name) => name.endsWith('.ts'));
    const callers = files.filter((name) => {
      const text = readFileSync(join(ROOT, 'source', name), 'utf8').replace(/export function \w+\(/g, '');
      return makers.test(text);
    });
    expect(callers).toEqual(['connections/connections.ts']);
  });
});
