/**
 * Substitution through MinIO by the real Nix (issue 7, item 5): after `setup --yes` on the real
 * MinIO, a path built and signed with the wizard's key is uploaded with the builder profile's
 * keys (the files of `nix copy --to file://DIR`, PUT with an S3 client, since Debian's Nix 2.8 has
 * no S3 store; notes/nix.md), and a client configured ONLY by the rendered nix.conf snippet
 * (NIX_CONF_DIR holding just that file, a fresh store root, no credentials) substitutes it
 * anonymously over http, checking its signature: a path signed by another key is refused.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateNixSecretKey } from '../../source/keys/nix-secret-key';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import { minioClient, type MinioInfo } from '../helpers/minio-server';
import { makeNixSandbox, nixUnavailableReason, removeNixDir, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { binaryCacheFiles } from '../helpers/binary-cache-files';

const minio = inject('minio');
const unavailable = inject('minioUnavailable') ?? nixUnavailableReason();

/** Two input-addressed paths (content-addressed ones are never signature-checked), unique per run. */
function pathsNix(tag: string): string {
  const leaf = (name: string) =>
    `derivation { name = "${name}"; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo ${tag}-${name} > $out" ]; }`;
  return `{ signed = ${leaf('signed')}; stranger = ${leaf('stranger')}; }`;
}

describe.skipIf(Boolean(unavailable))(`substitution through the real MinIO by the real Nix${unavailable ? ` (${unavailable})` : ''}`, () => {
  const info = minio as MinioInfo;
  const bucket = `subst-${randomBytes(4).toString('hex')}`;
  const builderUser = `builder${randomBytes(4).toString('hex')}`;
  let sandbox: CliSandbox;
  let builder: NixSandbox;
  let signed: string;
  let stranger: string;
  let clientDir: string;
  let clientEnv: NodeJS.ProcessEnv;
  let uploaded: string[];

  /** `nix-store -r PATH` in the client's fresh store, configured only by the snippet. */
  const substitute = (path: string): string =>
    execFileSync('nix-store', ['--store', join(clientDir, 'store'), '--realise', path], { env: clientEnv, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  beforeAll(async () => {
    sandbox = makeCliSandbox();
    sandbox.writeAnswers({
      backend: 'minio',
      endpoint: info.endpoint,
      admin: { accessKey: info.accessKey, secretKey: info.secretKey },
      bucket,
      builder: { accessKey: builderUser, profile: 'nixbuilder' },
      anonymous: 'get',
      key: { name: 'substitution-test-1' },
    });
    const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(setup.code, setup.stderr).toBe(0);

    // Build two paths; sign one with the wizard's key, the other with a stranger's.
    builder = makeNixSandbox();
    writeFileSync(join(builder.dir, 'paths.nix'), pathsNix(randomBytes(6).toString('hex')));
    const built = JSON.parse(builder.run('nix', ['build', '--store', builder.store, '--no-link', '--json', '--impure', '-f', 'paths.nix', 'signed', 'stranger'])) as {
      outputs: { out: string };
    }[];
    [signed, stranger] = built.map((b) => b.outputs.out) as [string, string];
    builder.run('nix', ['store', 'sign', '--store', builder.store, '--key-file', join(sandbox.home, '.config', 'nix', 'secret.key'), signed]);
    const strangerKey = join(builder.dir, 'stranger.key');
    writeFileSync(strangerKey, generateNixSecretKey('substitution-test-1', (n) => new Uint8Array(randomBytes(n))).secretKeyText(), { mode: 0o600 });
    builder.run('nix', ['store', 'sign', '--store', builder.store, '--key-file', strangerKey, stranger]);
    const fileCache = join(builder.dir, 'file-cache');
    builder.run('nix', ['copy', '--store', builder.store, '--to', `file://${fileCache}`, signed, stranger]);

    // Upload as the builder, with the keys the wizard wrote to its AWS profile.
    const profile = readAwsProfile(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'), 'nixbuilder');
    const client = minioClient(info, { accessKey: profile?.accessKeyId ?? '', secretKey: profile?.secretAccessKey ?? '' });
    uploaded = binaryCacheFiles(fileCache);
    for (const key of uploaded) await client.fPutObject(bucket, key, join(fileCache, key));

    // The client: a fresh store root, NIX_CONF_DIR holding only the rendered snippet.
    clientDir = mkdtempSync(join(tmpdir(), 'ncw-nix-client-'));
    mkdirSync(join(clientDir, 'conf'));
    mkdirSync(join(clientDir, 'cache'));
    copyFileSync(join(sandbox.cwd, 'nix-cache.conf'), join(clientDir, 'conf', 'nix.conf'));
    clientEnv = {
      PATH: process.env['PATH'],
      HOME: clientDir,
      NIX_CONF_DIR: join(clientDir, 'conf'),
      NIX_USER_CONF_FILES: join(clientDir, 'conf', 'no-user.conf'),
      XDG_CACHE_HOME: join(clientDir, 'cache'),
    };
  }, 180_000);

  afterAll(() => {
    for (const dir of [builder?.dir, clientDir]) {
      if (!dir) continue;
      removeNixDir(dir);
    }
  });

  it('uploads what `nix copy --to file://` wrote: narinfos and NARs, with the builder keys', () => {
    expect(uploaded.filter((key) => key.endsWith('.narinfo'))).toHaveLength(2);
    expect(uploaded.filter((key) => key.startsWith('nar/'))).toHaveLength(2);
  });

  it('the client is configured only by the snippet: our substituter, public key and connect timeout, nothing else', () => {
    const conf = readFileSync(join(clientDir, 'conf', 'nix.conf'), 'utf8');
    const settings = conf.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('#'));
    expect(settings).toEqual([`extra-substituters = ${info.endpoint}/${bucket}`, expect.stringMatching(/^extra-trusted-public-keys = substitution-test-1:/), 'connect-timeout = 5']);
  });

  it('substitutes the path signed with the wizard’s key, anonymously, into a fresh store', () => {
    expect(substitute(signed).trim()).toBe(signed);
    const copied = join(clientDir, 'store', signed.replace(/^\//, ''));
    expect(readFileSync(copied, 'utf8')).toMatch(/-signed\n$/);
  });

  it('refuses the path signed by another key of the same name: the signature is checked', () => {
    let message = '';
    try {
      substitute(stranger);
    } catch (error) {
      message = String((error as { stderr?: string }).stderr ?? error);
    }
    expect(message).toContain(`the substitute for '${stranger}' from '${info.endpoint}/${bucket}' is not signed by any of the keys in 'trusted-public-keys'`);
  });
});
