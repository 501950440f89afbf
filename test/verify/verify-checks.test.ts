/**
 * `verify` on this machine's side (SPEC 6): what it reports about the files setup wrote when the
 * server cannot be reached, so each report stands on the local files alone. (The checks against
 * a live server are proven on the real MinIO and Ceph RGW in test/integration/.)
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Answers } from '../../source/answers/answers';
import type { Effects } from '../../source/effects';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { runVerifyChecks, type VerifyReport } from '../../source/verify/verify-checks';
import { exampleAnswers } from '../files/example-answers';

/** An endpoint where nothing listens: a port that was free a moment ago, on the loopback. */
async function closedEndpoint(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

interface Machine {
  readonly effects: Effects;
  readonly home: string;
  readonly cwd: string;
  write(path: string, content: string): void;
}

function machine(): Machine {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-verify-'));
  const home = join(dir, 'home');
  const cwd = join(dir, 'work');
  mkdirSync(home);
  mkdirSync(cwd);
  return {
    home,
    cwd,
    // no nix on PATH: the local-nix checks say so and the rest stands alone
    effects: { env: { PATH: join(dir, 'no-bin') }, cwd, home, now: () => new Date('2026-11-25T10:15:00Z'), randomBytes: (n) => new Uint8Array(randomBytes(n)) },
    write(path, content) {
      const full = path.startsWith('~/') ? join(home, path.slice(2)) : join(cwd, path);
      mkdirSync(join(full, '..'), { recursive: true });
      writeFileSync(full, content);
    },
  };
}

const byId = (reports: readonly VerifyReport[], id: string) => {
  const report = reports.find((r) => r.id === id);
  expect(report, `a report "${id}" among ${reports.map((r) => r.id).join(', ')}`).toBeDefined();
  return report!;
};

async function verify(m: Machine, overrides: Partial<Answers> = {}): Promise<VerifyReport[]> {
  const answers = exampleAnswers({ endpoint: await closedEndpoint(), admin: { accessKey: undefined, secretKey: undefined, mcAlias: undefined }, ...overrides } as Partial<Answers>);
  return runVerifyChecks(answers, m.effects);
}

/** The signing key pair setup writes, and the NixOS module and nix.conf naming it and the substituter. */
function writeSetupFiles(m: Machine, substituter: string) {
  const key = generateNixSecretKey('s3.example.org-1', (n) => new Uint8Array(randomBytes(n)));
  m.write('~/.config/nix/secret.key', key.secretKeyText());
  m.write('~/.config/nix/public.key', `${key.publicKeyText()}\n`);
  const module = `{ nix.settings.substituters = [ "${substituter}" ]; nix.settings.trusted-public-keys = [ "${key.publicKeyText()}" ]; }\n`;
  m.write('nix-cache.nix', module);
  m.write('nix-cache.conf', `extra-substituters = ${substituter}\nextra-trusted-public-keys = ${key.publicKeyText()}\n`);
  return key;
}

describe('verify on this machine', () => {
  it('a server that cannot be reached fails the anonymous read, naming the URL, and says what to check', async () => {
    const reports = await verify(machine());
    const read = byId(reports, 'anonymous-read');
    expect(read.status).toBe('failed');
    expect(read.detail).toMatch(/GET http:\/\/127\.0\.0\.1:\d+\/nix-cache\/nix-cache-info failed/);
    expect(read.detail).toContain('check the endpoint');
  });

  it('a private cache checks that nobody reads it anonymously, and a public one that anyone can', async () => {
    const m = machine();
    expect(byId(await verify(m, { anonymous: 'none' }), 'anonymous-read').title).toBe('Nobody can read the cache anonymously');
    expect(byId(await verify(m, { anonymous: 'get' }), 'anonymous-read').title).toBe('Anyone can read nix-cache-info');
  });

  it('anonymous listing is not probed when listing is allowed on purpose (download)', async () => {
    const list = byId(await verify(machine(), { anonymous: 'download' }), 'anonymous-list');
    expect(list).toMatchObject({ status: 'skipped', detail: expect.stringContaining('listing is allowed on purpose') as unknown });
  });

  it('with no builder profile, says which profile and file to look in and skips what needs it', async () => {
    const reports = await verify(machine());
    expect(byId(reports, 'builder-write')).toMatchObject({ status: 'failed', detail: expect.stringContaining('no profile [nixbuilder] with keys in ~/.aws/credentials') as unknown });
    expect(byId(reports, 'builder-delete').status).toBe('skipped');
    expect(byId(reports, 'narinfo-signatures').status).toBe('skipped');
  });

  it("a private cache with no reader credentials file says every machine's file is missing its profile", async () => {
    const reader = byId(await verify(machine(), { anonymous: 'none' }), 'reader-read');
    expect(reader.status).toBe('failed');
    expect(reader.detail).toContain('no profile [nixreader] with keys in ./nix-cache-reader.credentials');
    expect(reader.title).toContain('./nix-cache-reader.credentials');
  });

  it('a public cache has no reader to check', async () => {
    expect((await verify(machine(), { anonymous: 'get' })).some((r) => r.id === 'reader-read')).toBe(false);
  });

  it('without the admin keys, the lifecycle rules and (Ceph, private) the public-ACL block are skipped, saying what they need', async () => {
    const reports = await verify(machine(), { backend: 'ceph', anonymous: 'none', expireDays: 30 });
    expect(byId(reports, 'expiry')).toMatchObject({ status: 'skipped', detail: expect.stringContaining('needs the admin keys') as unknown });
    expect(byId(reports, 'public-acls')).toMatchObject({ status: 'skipped', detail: expect.stringContaining('needs the admin keys') as unknown });
  });

  it('the public-ACL block is only a Ceph private-cache check', async () => {
    expect((await verify(machine(), { backend: 'minio', anonymous: 'none' })).some((r) => r.id === 'public-acls')).toBe(false);
    expect((await verify(machine(), { backend: 'ceph', anonymous: 'get' })).some((r) => r.id === 'public-acls')).toBe(false);
  });

  it('a missing signing key file fails naming it, and that setup makes the pair', async () => {
    const key = byId(await verify(machine()), 'signing-key');
    expect(key).toMatchObject({ status: 'failed', detail: 'missing ~/.config/nix/secret.key. Fix: run setup (it makes the pair).' });
  });

  it('a key pair that belongs together verifies, and one whose public key is of another key fails', async () => {
    const m = machine();
    const endpoint = await closedEndpoint();
    writeSetupFiles(m, `${endpoint}/nix-cache`);
    const good = byId(await runVerifyChecks(exampleAnswers({ endpoint }), m.effects), 'signing-key');
    expect(good).toMatchObject({ status: 'ok', detail: expect.stringContaining('s3.example.org-1: a test message signed') as unknown });
    const other = generateNixSecretKey('s3.example.org-1', (n) => new Uint8Array(randomBytes(n)));
    m.write('~/.config/nix/public.key', `${other.publicKeyText()}\n`);
    const bad = byId(await runVerifyChecks(exampleAnswers({ endpoint }), m.effects), 'signing-key');
    expect(bad.status).toBe('failed');
    expect(bad.detail).toContain('~/.config/nix/public.key is not the public key of ~/.config/nix/secret.key');
  });

  it('the NixOS module and nix.conf pass when they name the substituter and the public key', async () => {
    const m = machine();
    const endpoint = await closedEndpoint();
    writeSetupFiles(m, `${endpoint}/nix-cache`);
    const reports = await runVerifyChecks(exampleAnswers({ endpoint }), m.effects);
    expect(byId(reports, 'nixos-module').status).toBe('ok');
    expect(byId(reports, 'nix-conf')).toMatchObject({ status: 'ok', detail: `./nix-cache.conf names ${endpoint}/nix-cache and the public key` });
  });

  it('a module that names another substituter or an old key fails, saying which and to run setup again', async () => {
    const m = machine();
    const endpoint = await closedEndpoint();
    writeSetupFiles(m, 'https://elsewhere.example.org/other-cache');
    const reports = await runVerifyChecks(exampleAnswers({ endpoint }), m.effects);
    expect(byId(reports, 'nixos-module')).toMatchObject({ status: 'failed', detail: `./nix-cache.nix does not name the substituter ${endpoint}/nix-cache. Fix: run setup again to rewrite it.` });
    // a new key in the key file, the module still trusting the old one
    const newer = generateNixSecretKey('s3.example.org-2', (n) => new Uint8Array(randomBytes(n)));
    m.write('~/.config/nix/public.key', `${newer.publicKeyText()}\n`);
    const again = await runVerifyChecks(exampleAnswers({ endpoint }), m.effects);
    expect(byId(again, 'nix-conf').detail).toContain('or the current public key');
  });

  it('a private cache is looked for in the files by its s3:// URL with the reader profile', async () => {
    const m = machine();
    const endpoint = await closedEndpoint();
    writeSetupFiles(m, `s3://nix-cache?profile=nixreader&endpoint=${endpoint}`);
    const reports = await runVerifyChecks(exampleAnswers({ endpoint, anonymous: 'none' }), m.effects);
    expect(byId(reports, 'nixos-module').status).toBe('ok');
  });

  it('missing files fail naming the answer they came from and how to write them', async () => {
    const reports = await verify(machine());
    expect(byId(reports, 'nixos-module')).toMatchObject({ status: 'failed', detail: './nix-cache.nix is missing. Fix: run setup or preview --out.' });
    expect(byId(reports, 'nix-conf').detail).toBe('./nix-cache.conf is missing. Fix: run setup or preview --out.');
  });

  it('no report ever holds a secret from the answers', async () => {
    const answers = exampleAnswers({ endpoint: await closedEndpoint(), anonymous: 'none' });
    const text = JSON.stringify(await runVerifyChecks(answers, machine().effects));
    for (const secret of [answers.admin.secretKey, answers.builder.secretKey, answers.reader.secretKey]) expect(text).not.toContain(secret);
  });
});
