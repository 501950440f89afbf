/**
 * `preview` (SPEC 1, 4, 7): every file from answers and defaults, no network, secrets masked
 * unless --show-secrets, written under --out DIR with the real files untouched.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCliSandbox } from '../helpers/run-cli';

const answers = {
  endpoint: 'https://s3.example.org:9000',
  admin: { accessKey: 'minioadmin', secretKey: 'Admin-Secret-123' },
  builder: { secretKey: 'Builder-Secret-456' },
  bucket: 'nix-cache',
};

function sandboxWithAnswers(extra: Record<string, unknown> = {}) {
  const sandbox = makeCliSandbox();
  const file = join(sandbox.cwd, 'answers.json');
  writeFileSync(file, JSON.stringify({ ...answers, ...extra }));
  return { sandbox, file };
}

describe('preview', () => {
  it('prints every file with the secrets masked and writes nothing', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    const before = sandbox.listFiles();
    const result = await sandbox.run(['preview', '--answers', file]);
    expect(result.code).toBe(0);
    for (const title of ['mc config', 'AWS credentials', 'NixOS module', 'nix.conf snippet', 'nix-cache-info', 'Signing secret key', 'Signing public key']) {
      expect(result.stdout).toContain(title);
    }
    expect(result.stdout).toContain('extra-substituters = https://s3.example.org:9000/nix-cache');
    expect(result.stdout).not.toContain('Admin-Secret-123');
    expect(result.stdout).not.toContain('Builder-Secret-456');
    expect(result.stdout).toMatch(/s3\.example\.org-nix-cache-1:\*+/);
    expect(sandbox.listFiles()).toEqual(before);
  });

  it('reveals the secrets with --show-secrets', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    const result = await sandbox.run(['preview', '--show-secrets', '--answers', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Admin-Secret-123');
    expect(result.stdout).toContain('aws_secret_access_key = Builder-Secret-456');
  });

  it('needs no admin keys: it never talks to a server', async () => {
    const sandbox = makeCliSandbox();
    const file = join(sandbox.cwd, 'answers.json');
    writeFileSync(file, JSON.stringify({ endpoint: 'http://10.255.255.1:9000' }));
    const result = await sandbox.run(['preview', '--answers', file]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('http://10.255.255.1:9000/nix-cache');
    expect(result.stderr).toContain('plain http');
  });

  it('writes every file under --out, mapping ~ to DIR/home, and leaves the real files alone', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    mkdirSync(join(sandbox.home, '.aws'), { recursive: true });
    const realCredentials = '[default]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = other-secret\n';
    writeFileSync(join(sandbox.home, '.aws', 'credentials'), realCredentials);
    const out = join(sandbox.dir, 'out');
    const result = await sandbox.run(['preview', '--out', out, '--answers', file]);
    expect(result.code).toBe(0);
    // ~/x → DIR/home/x, ./x → DIR/x
    const credentials = readFileSync(join(out, 'home/.aws/credentials'), 'utf8');
    expect(credentials).toBe(`${realCredentials}\n[nixbuilder]\naws_access_key_id = nixbuilder\naws_secret_access_key = Builder-Secret-456\n`);
    expect(statSync(join(out, 'home/.aws/credentials')).mode & 0o777).toBe(0o600);
    expect(statSync(join(out, 'home/.config/nix/secret.key')).mode & 0o777).toBe(0o600);
    expect(existsSync(join(out, 'nix-cache.nix'))).toBe(true);
    expect(existsSync(join(out, 'home/.mc/config.json'))).toBe(true);
    expect(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8')).toBe(realCredentials);
    expect(existsSync(join(sandbox.cwd, 'nix-cache.nix'))).toBe(false);
  });

  it('gives one JSON result with --json, holding no secret', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    const result = await sandbox.run(['preview', '--json', '--answers', file]);
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout) as { ok: boolean; command: string; files: { path: string; action: string }[]; next: string[] };
    expect(json.ok).toBe(true);
    expect(json.command).toBe('preview');
    expect(json.files.map((f) => f.action)).toEqual(Array(json.files.length).fill('would-create'));
    expect(json.files.some((f) => f.path.endsWith('nix-cache.nix'))).toBe(true);
    expect(json.next.some((line) => line.startsWith('nix --extra-experimental-features nix-command copy --to'))).toBe(true);
    expect(result.stdout).not.toContain('Admin-Secret-123');
    expect(result.stdout).not.toContain('Builder-Secret-456');
  });

  it('reuses an existing signing key and shows its public key', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    const first = await sandbox.run(['preview', '--out', sandbox.home, '--answers', file]);
    expect(first.code).toBe(0);
    const secretPath = join(sandbox.home, 'home/.config/nix/secret.key');
    const secretKey = readFileSync(secretPath, 'utf8');
    const answersWithKey = join(sandbox.cwd, 'with-key.json');
    writeFileSync(answersWithKey, JSON.stringify({ ...answers, key: { secretFile: secretPath } }));
    const result = await sandbox.run(['preview', '--json', '--answers', answersWithKey]);
    expect(result.code).toBe(0);
    const second = await sandbox.run(['preview', '--answers', answersWithKey]);
    const publicKey = readFileSync(join(sandbox.home, 'home/.config/nix/public.key'), 'utf8').trim();
    expect(second.stdout).toContain(publicKey);
    expect(readFileSync(secretPath, 'utf8')).toBe(secretKey);
  });

  it('refuses a broken existing mc config as bad input naming the field (exit 2), leaving it as it was', async () => {
    const { sandbox, file } = sandboxWithAnswers();
    mkdirSync(join(sandbox.home, '.mc'));
    writeFileSync(join(sandbox.home, '.mc', 'config.json'), '{ "version": "10", "aliases": ');
    const out = join(sandbox.dir, 'out');
    const result = await sandbox.run(['preview', '--out', out, '--answers', file]);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('files.mcConfig');
    expect(result.stderr).toContain('config.json');
    expect(readFileSync(join(sandbox.home, '.mc', 'config.json'), 'utf8')).toBe('{ "version": "10", "aliases": ');
    expect(existsSync(out)).toBe(false);
  });
});

describe('the command line', () => {
  it('prints the version', async () => {
    const result = await makeCliSandbox().run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('prints help naming every command and the exit codes', async () => {
    const result = await makeCliSandbox().run(['--help']);
    expect(result.code).toBe(0);
    for (const word of ['setup', 'preview', 'verify', 'Exit codes']) expect(result.stdout).toContain(word);
  });

  it('refuses an unknown flag with exit 2', async () => {
    const result = await makeCliSandbox().run(['setup', '--frobnicate']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--frobnicate');
  });

  it('refuses an unknown command with exit 2', async () => {
    const result = await makeCliSandbox().run(['destroy']);
    expect(result.code).toBe(2);
  });
});
