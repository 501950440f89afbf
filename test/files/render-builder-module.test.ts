/**
 * The builder's NixOS module (SPEC 4.8): what it evaluates to, and its two scripts run with the
 * real Nix (Debian's nix-bin 2.8, single-user, no daemon: the hook runs as the caller, as
 * notes/builder-automation.md describes) against a file:// binary cache.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QUEUE_SCRIPT, renderBuilderModule, UPLOAD_SCRIPT } from '../../source/files/render-builder-module';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeSpool, queued, writeBuilderScripts } from '../helpers/builder-scripts';
import { STUB_LIB, STUB_PKGS } from '../helpers/nix-module-stubs';

const unavailable = nixUnavailableReason();
const STORE = 's3://nix-cache?profile=nixbuilder&endpoint=https://s3.example.org:9000';
const input = {
  cacheStore: STORE,
  secretKeyFile: '/home/u/.config/nix/secret.key',
  awsCredentialsFile: '/home/u/.aws/credentials',
  profile: 'nixbuilder',
};

function evaluate(sandbox: NixSandbox, text: string): Record<string, unknown> {
  writeFileSync(join(sandbox.dir, 'builder.nix'), text);
  sandbox.run('nix-instantiate', ['--parse', 'builder.nix']);
  const expr = `(import ./builder.nix { config = { nix.package = "/nix-package"; }; lib = ${STUB_LIB}; pkgs = ${STUB_PKGS}; })`;
  return JSON.parse(sandbox.run('nix', ['eval', '--json', '--impure', '--store', sandbox.store, '--expr', expr])) as Record<string, unknown>;
}

describe('the builder module', () => {
  it('names the key and the credentials as strings, never ./path literals that would copy them into the store', () => {
    const text = renderBuilderModule(input);
    expect(text).toContain('secretKeyFile = "/home/u/.config/nix/secret.key";');
    expect(text).toContain('awsCredentialsFile = "/home/u/.aws/credentials";');
    expect(text).not.toMatch(/=\s*\.\//);
    expect(text).toContain('imports = [ ./nix-cache.nix ./nix-cache-builder.nix ];');
  });

  describe.skipIf(unavailable !== undefined)(`with the real Nix${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
    let nix: NixSandbox;
    beforeAll(() => {
      nix = makeNixSandbox();
    });
    afterAll(() => {
      nix.remove();
    });

    it('evaluates to signing, a queueing hook and an uploader service that reads the files through systemd credentials', () => {
      const module = evaluate(nix, renderBuilderModule(input)) as {
        nix: { settings: Record<string, unknown> };
        systemd: { services: Record<string, { serviceConfig: Record<string, unknown>; environment: Record<string, string>; path: unknown }>; paths: unknown; timers: unknown; tmpfiles: unknown };
        users: unknown;
      };
      expect(module.nix.settings['secret-key-files']).toEqual([input.secretKeyFile]);
      expect(module.nix.settings['post-build-hook']).toEqual({ name: 'nix-cache-queue-built-paths', text: `export PATH=/stub/bin:$PATH\n${QUEUE_SCRIPT}` });
      const service = module.systemd.services['nix-cache-upload']!;
      expect(service.serviceConfig).toEqual({
        Type: 'oneshot',
        User: 'nix-cache-upload',
        Group: 'nix-cache-upload',
        CacheDirectory: 'nix-cache-upload',
        LoadCredential: [`aws:${input.awsCredentialsFile}`, `secret-key:${input.secretKeyFile}`],
        ExecStart: { name: 'nix-cache-upload-queued-paths', text: UPLOAD_SCRIPT },
      });
      expect(service.environment).toEqual({
        NIX_CACHE_SPOOL: '/var/lib/nix-cache-upload',
        NIX_CACHE_STORE: STORE,
        HOME: '/var/cache/nix-cache-upload',
        XDG_CACHE_HOME: '/var/cache/nix-cache-upload',
      });
      expect(service.path).toEqual(['/nix-package', '/coreutils']);
      expect(module.systemd.paths).toEqual({ 'nix-cache-upload': { wantedBy: ['multi-user.target'], pathConfig: { DirectoryNotEmpty: '/var/lib/nix-cache-upload/new' } } });
      expect(module.systemd.tmpfiles).toEqual({
        rules: [
          'd /var/lib/nix-cache-upload 0750 nix-cache-upload nix-cache-upload -',
          'd /var/lib/nix-cache-upload/tmp 0770 nix-cache-upload nix-cache-upload -',
          'd /var/lib/nix-cache-upload/new 0770 nix-cache-upload nix-cache-upload -',
        ],
      });
      expect(module.users).toEqual({ users: { 'nix-cache-upload': { isSystemUser: true, group: 'nix-cache-upload' } }, groups: { 'nix-cache-upload': {} } });
    });
  });
});

describe.skipIf(unavailable !== undefined)(`the post-build hook and the uploader with the real Nix${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  let nix: NixSandbox;
  let scripts: { hook: string; uploader: string };
  let secretKey: string;
  let publicKey: string;
  let counter = 0;

  beforeAll(() => {
    nix = makeNixSandbox();
    scripts = writeBuilderScripts(nix.dir);
    secretKey = join(nix.dir, 'secret.key');
    const publicFile = join(nix.dir, 'public.key');
    nix.run('nix-store', ['--generate-binary-cache-key', 'builder-test-1', secretKey, publicFile]);
    publicKey = readFileSync(publicFile, 'utf8').trim();
  });
  afterAll(() => {
    nix.remove();
  });

  /** Builds a new path with the hook and the key set as the module sets them; returns the path and the time it took. */
  function buildWithHook(spool: string): { path: string; ms: number } {
    const name = `built-${process.pid}-${++counter}-${Date.now()}`;
    const started = Date.now();
    const path = execFileSync(
      'nix-build',
      [
        '--store',
        nix.store,
        '--no-out-link',
        '--option',
        'post-build-hook',
        scripts.hook,
        '--option',
        'secret-key-files',
        secretKey,
        '-E',
        `derivation { name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${name} > $out" ]; }`,
      ],
      { env: { ...nix.env, NIX_CACHE_SPOOL: spool }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
    ).trim();
    return { path, ms: Date.now() - started };
  }

  /** What the hook queues for a build: its output, or on Nix 2.8.0 (no OUT_PATHS) its derivation. */
  function queuedFor(path: string): string {
    const version = nix.run('nix', ['--version']);
    return version.includes('2.8.0') ? nix.run('nix-store', ['--store', nix.store, '--query', '--deriver', path]).trim() : path;
  }

  function runUploader(spool: string, store: string, extra: NodeJS.ProcessEnv = {}) {
    return spawnSync(scripts.uploader, [], {
      env: { ...nix.env, NIX_REMOTE: nix.store, NIX_CACHE_SPOOL: spool, NIX_CACHE_STORE: store, NIX_CACHE_SECRET_KEY: secretKey, NIX_CACHE_RETRY_SECONDS: '0', ...extra },
      encoding: 'utf8',
    });
  }

  it('queues exactly the built path and signs it, without touching the network', () => {
    const spool = makeSpool(join(nix.dir, `spool-${++counter}`));
    const { path } = buildWithHook(spool);
    expect(queued(spool)).toEqual([`${queuedFor(path)}\n`]);
    expect(readdirSync(join(spool, 'tmp'))).toEqual([]);
    const sigs = nix.run('nix', ['path-info', '--store', nix.store, '--sigs', path]);
    expect(sigs).toContain('builder-test-1:');
  });

  it('lets the build succeed when the spool cannot be written, and says so', () => {
    const missing = join(nix.dir, 'no-such-spool');
    const { path } = buildWithHook(missing);
    expect(path).toMatch(/^\/nix\/store\//);
    const direct = spawnSync(scripts.hook, [], { env: { ...nix.env, NIX_CACHE_SPOOL: missing, OUT_PATHS: path }, encoding: 'utf8' });
    expect(direct.status).toBe(0);
    expect(direct.stderr).toContain('could not queue');
  });

  it('uploads a queued path signed, empties the queue, and a cache that is down keeps the item without failing', () => {
    const spool = makeSpool(join(nix.dir, `spool-${++counter}`));
    const { path } = buildWithHook(spool);

    const down = runUploader(spool, 'http://127.0.0.1:9/cache');
    expect(down.status).toBe(0);
    expect(down.stderr).toContain('stays queued');
    expect(queued(spool)).toEqual([`${queuedFor(path)}\n`]);

    const cache = join(nix.dir, `cache-${counter}`);
    const up = runUploader(spool, `file://${cache}`);
    expect(up.status).toBe(0);
    expect(up.stderr).toContain(`uploaded ${path}`);
    expect(queued(spool)).toEqual([]);
    nix.run('nix', ['store', 'verify', '--store', `file://${cache}`, '--sigs-needed', '1', '--trusted-public-keys', publicKey, path]);

    // The narinfo expired in the cache: queued again, it is uploaded again.
    const narinfo = readdirSync(cache).find((f) => f.endsWith('.narinfo'))!;
    rmSync(join(cache, narinfo));
    writeFileSync(join(spool, 'new', 'again'), `${path}\n`);
    expect(runUploader(spool, `file://${cache}`).status).toBe(0);
    expect(existsSync(join(cache, narinfo))).toBe(true);
  });

  it('drops a queued path that was garbage-collected instead of retrying it forever', () => {
    const spool = makeSpool(join(nix.dir, `spool-${++counter}`));
    writeFileSync(join(spool, 'new', '1'), '/nix/store/00000000000000000000000000000000-gone\n');
    const result = runUploader(spool, `file://${join(nix.dir, 'unused-cache')}`);
    expect(result.status).toBe(0);
    expect(result.stderr).toContain('no longer in the store');
    expect(queued(spool)).toEqual([]);
  });

  it('never stalls a build: the hook runs no program that could wait on the network or the store', () => {
    const code = QUEUE_SCRIPT.split('\n').filter((line) => !line.trimStart().startsWith('#')).join('\n');
    expect(code).not.toMatch(/(^|\s|\$\()(nix|nix-store|curl|aws|sleep|timeout|wget)\s/m);
    const started = Date.now();
    const spool = makeSpool(join(nix.dir, `spool-${++counter}`));
    const result = spawnSync(scripts.hook, [], { env: { ...nix.env, NIX_CACHE_SPOOL: spool, OUT_PATHS: '/nix/store/a-x /nix/store/b-*' }, encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(Date.now() - started).toBeLessThan(2000);
    // Glob characters are kept, not expanded.
    expect(queued(spool)).toEqual(['/nix/store/a-x\n/nix/store/b-*\n']);
  });
});
