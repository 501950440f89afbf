/**
 * `rotate key` with the real Nix and the real Ceph RGW (SPEC 8). Paths built and signed with key 1
 * are uploaded as `nix copy --to file://DIR` lays them out (Debian's Nix 2.8 has no S3 store), with
 * the builder's keys. After `rotate key`, a client that trusts ONLY key 2 substitutes those old
 * paths over http from the bucket (anonymous GetObject) and `nix store verify --sigs-needed 1`
 * accepts them with key 2; a tampered narinfo is not re-signed; a second run changes nothing;
 * `--drop-old` is refused while a narinfo signed only by key 1 remains, and then leaves only
 * key 2 in the module.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Client } from 'minio';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { completeFromDisk } from '../../source/facts/read-facts';
import { rotateKey, type KeyRotationPoint } from '../../source/rotate/rotate-key';
import { parseNixPublicKey } from '../../source/keys/nix-public-key';
import { generateNixSecretKey, parseNixSecretKey } from '../../source/keys/nix-secret-key';
import { readAwsProfile } from '../../source/files/read-aws-profile';
import type { CephRgwInfo } from '../helpers/ceph-rgw';
import { rgwClient } from '../helpers/ceph-rgw';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';
import { binaryCacheFiles } from '../helpers/binary-cache-files';

const rgw = inject('rgw');
const minio = inject('minio');
const unavailable = inject('rgwUnavailable') ?? nixUnavailableReason();
const nixMissing = nixUnavailableReason();

interface Target {
  readonly label: string;
  readonly server: { readonly endpoint: string; readonly accessKey: string; readonly secretKey: string } | null;
  readonly skipped: string | undefined;
  readonly backend: 'ceph' | 'minio';
}

const targets: Target[] = [
  { label: 'a real Ceph RGW', server: rgw, skipped: inject('rgwUnavailable') ?? nixMissing, backend: 'ceph' },
  { label: 'a real MinIO', server: minio, skipped: inject('minioUnavailable') ?? nixMissing, backend: 'minio' },
];

const PATHS_NIX = `
let
  leaf = name: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${name} \${toString builtins.currentTime} > $out" ]; };
  dep = leaf "dep";
  other = leaf "other";
in {
  top = derivation {
    name = "top";
    system = builtins.currentSystem;
    builder = "/bin/sh";
    args = [ "-c" "echo \${dep} \${other} $out > $out" ];
  };
  loner = leaf "loner";
  late = leaf "late";
}
`;

interface JsonRun {
  ok: boolean;
  steps: { id: string; status: string; detail: string }[];
  resign?: { counts: Record<string, number> };
  next: string[];
  error?: { message: string };
}

for (const target of targets) describe.skipIf(target.server === null || nixMissing !== undefined)(`rotate key with the real Nix and ${target.label}${target.skipped ? ` (skipped: ${target.skipped})` : ''}`, () => {
  const info = target.server as NonNullable<Target['server']>;
  let sandbox: CliSandbox;
  let nix: NixSandbox;
  let bucket: string;
  let builderClient: Client;
  let top: string;
  let closure: string[];
  let loner: string;
  let late: string;
  let key1: string;
  let key2: string;
  /** a client that looked the paths up before the rotation: its Nix remembers those narinfos */
  let remembering: NixSandbox;
  const secretPath = () => join(sandbox.home, '.config', 'nix', 'secret.key');
  const publicKeyText = () => readFileSync(join(sandbox.home, '.config', 'nix', 'public.key'), 'utf8').trim();

  /** The trusted keys of the written module, as real Nix evaluates it. */
  const moduleKeys = (): string[] => {
    const json = nix.run('nix', ['eval', '--json', '--impure', '--store', nix.store, '--expr', `(import ${join(sandbox.cwd, 'nix-cache.nix')} { config = {}; lib = {}; pkgs = {}; }).nix.settings.extra-trusted-public-keys`]);
    return JSON.parse(json) as string[];
  };

  /** Copies `paths` (signed in the build store) into a file:// cache and uploads its files as the builder. */
  const upload = async (paths: readonly string[], edit?: (name: string, text: string) => string) => {
    const dir = join(nix.dir, `cache-${randomBytes(3).toString('hex')}`);
    nix.run('nix', ['copy', '--store', nix.store, '--to', `file://${dir}`, ...paths]);
    for (const name of binaryCacheFiles(dir)) {
      if (name === 'nix-cache-info') continue;
      let body = readFileSync(join(dir, name));
      if (edit && name.endsWith('.narinfo')) body = Buffer.from(edit(name, body.toString('utf8')));
      const type = name.endsWith('.narinfo') ? 'text/x-nix-narinfo' : 'application/x-nix-nar';
      await builderClient.putObject(bucket, name, body, body.length, { 'Content-Type': type });
    }
  };

  /** A client with a fresh store and narinfo cache that trusts only `key`, substituting over http. */
  const substitute = (key: string, paths: readonly string[]): NixSandbox => {
    const client = makeNixSandbox();
    client.run('nix', ['copy', '--store', client.store, '--from', `${info.endpoint}/${bucket}`, '--trusted-public-keys', key, ...paths]);
    return client;
  };

  const rotate = async (...args: string[]): Promise<{ code: number; json: JsonRun; stderr: string }> => {
    const run = await sandbox.run(['rotate', 'key', '--json', '--answers', 'answers.json', ...args]);
    return { code: run.code, json: JSON.parse(run.stdout) as JsonRun, stderr: run.stderr };
  };

  beforeAll(async () => {
    // Given a cache set up by the wizard, with its key 1
    sandbox = makeCliSandbox();
    bucket = `rotkey-${randomBytes(4).toString('hex')}`;
    sandbox.writeAnswers({ backend: target.backend, endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `${bucket}-builder` } });
    const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(setup.code, setup.stderr).toBe(0);
    const profile = readAwsProfile(readFileSync(join(sandbox.home, '.aws', 'credentials'), 'utf8'), 'nixbuilder');
    builderClient = rgwClient(info, { accessKey: profile?.accessKeyId ?? '', secretKey: profile?.secretAccessKey ?? '' });
    key1 = publicKeyText();

    // and paths built and signed with key 1, uploaded by the builder
    nix = makeNixSandbox();
    writeFileSync(join(nix.dir, 'paths.nix'), PATHS_NIX);
    const build = (attr: string) =>
      (JSON.parse(nix.run('nix', ['build', '--store', nix.store, '--no-link', '--json', '--impure', '-f', 'paths.nix', attr])) as { outputs: { out: string } }[])[0]!.outputs.out;
    top = build('top');
    loner = build('loner');
    late = build('late');
    closure = nix.run('nix', ['path-info', '--store', nix.store, '--recursive', top]).trim().split('\n');
    nix.run('nix', ['store', 'sign', '--store', nix.store, '--key-file', secretPath(), ...closure, loner, late]);
    await upload(closure);
    // a narinfo tampered with after signing: its key-1 signature no longer verifies
    await upload([loner], (_name, text) => text.replace(/^NarSize: (\d+)$/m, (_m, n: string) => `NarSize: ${Number(n) + 1}`));
  }, 300_000);

  afterAll(() => {
    nix?.remove();
  });

  it('starts from paths that a client trusting key 1 substitutes, and one trusting another key refuses', () => {
    expect(closure).toHaveLength(3);
    remembering = makeNixSandbox();
    remembering.run('nix', ['path-info', '--store', `${info.endpoint}/${bucket}`, top]);
    expect(() => substitute(key1, [top])).not.toThrow();
    const stranger = generateNixSecretKey('127.0.0.1-2', (n) => new Uint8Array(randomBytes(n))).publicKeyText();
    expect(() => substitute(stranger, [top])).toThrow(/signature/i);
  });

  it('makes key 2, keeps key 1 beside it, trusts both, and re-signs every path key 1 signed', async () => {
    const { code, json, stderr } = await rotate();
    expect(code, stderr).toBe(0);
    key2 = publicKeyText();
    expect(parseNixPublicKey(key2, 'public.key').name).toBe(`127.0.0.1-${bucket}-2`);
    expect(parseNixSecretKey(readFileSync(secretPath(), 'utf8'), 'secret.key').publicKeyText()).toBe(key2);
    const kept = `${secretPath()}.127.0.0.1-${bucket}-1`;
    expect(parseNixSecretKey(readFileSync(kept, 'utf8'), kept).publicKeyText()).toBe(key1);
    expect(statSync(kept).mode & 0o777).toBe(0o600);
    expect(moduleKeys()).toEqual([key2, key1]);
    expect(readFileSync(join(sandbox.cwd, 'nix-cache.conf'), 'utf8')).toContain(`extra-trusted-public-keys = ${key2} ${key1}`);
    expect(json.resign?.counts).toMatchObject({ seen: 4, signed: 3, already: 0, tampered: 1, failed: 0 });
    // the secret key never reaches the output
    expect(JSON.stringify(json)).not.toContain(readFileSync(secretPath(), 'utf8').slice(20));
  });

  it('lets a client that trusts ONLY key 2 substitute the old paths, and nix store verify accept them with key 2', () => {
    const client = substitute(key2, [top]);
    expect(() =>
      client.run('nix', ['store', 'verify', '--store', client.store, '--no-contents', '--sigs-needed', '1', '--trusted-public-keys', key2, ...closure]),
    ).not.toThrow();
    // and the tampered path is not trusted under key 2 (it was not re-signed)
    expect(() => substitute(key2, [loner])).toThrow(/signature/i);
  });

  it("is refused by a client whose Nix remembered the narinfo from before the re-signing, until it asks again", () => {
    const copy = (extra: string[]) =>
      remembering.run('nix', ['copy', '--store', remembering.store, '--from', `${info.endpoint}/${bucket}`, '--trusted-public-keys', key2, ...extra, top]);
    // Nix keeps narinfos it has seen for narinfo-cache-positive-ttl (30 days), signatures included
    expect(() => copy([])).toThrow(/signature/i);
    expect(() => copy(['--narinfo-cache-positive-ttl', '0'])).not.toThrow();
  });

  it('changes nothing on a second run: every narinfo already carries key 2', async () => {
    const before = await Promise.all(closure.map((p) => builderClient.statObject(bucket, `${p.slice(11, 43)}.narinfo`)));
    const { code, json } = await rotate();
    expect(code).toBe(0);
    expect(json.resign?.counts).toMatchObject({ seen: 4, signed: 0, already: 3, tampered: 1 });
    expect(json.steps.find((s) => s.id === 'new-key')?.detail).toMatch(/rotation is under way/);
    expect(publicKeyText()).toBe(key2);
    const after = await Promise.all(closure.map((p) => builderClient.statObject(bucket, `${p.slice(11, 43)}.narinfo`)));
    expect(after.map((s) => s.etag)).toEqual(before.map((s) => s.etag));
  });

  it('is kept by every later run until --drop-old: setup and preview render both keys', async () => {
    const setup = await sandbox.run(['setup', '--yes', '--answers', 'answers.json']);
    expect(setup.code, setup.stderr).toBe(0);
    expect(moduleKeys()).toEqual([key2, key1]);
    expect(publicKeyText()).toBe(key2);
    const preview = await sandbox.run(['preview', '--answers', 'answers.json']);
    expect(preview.stdout).toContain(`extra-trusted-public-keys = ${key2} ${key1}`);
  });

  it('refuses --drop-old with the count while a narinfo signed only by key 1 remains, unless re-signed', async () => {
    // a builder not yet restarted uploads a path signed with key 1 only
    await upload([late]);
    const refused = await rotate('--drop-old', '--yes');
    expect(refused.code).toBe(2);
    expect(refused.json.error?.message).toMatch(/1 narinfo\(s\) .* signed only by an old key/);
    expect(moduleKeys()).toEqual([key2, key1]);
    // re-signing takes it in
    const again = await rotate();
    expect(again.json.resign?.counts).toMatchObject({ signed: 1, already: 3 });
  });

  it('trusts only key 2 after --drop-old, and the old paths still substitute', async () => {
    const { code, stderr, json } = await rotate('--drop-old', '--yes');
    expect(code, stderr).toBe(0);
    expect(moduleKeys()).toEqual([key2]);
    // the re-signing finished moments ago: machines may remember old narinfos for 30 days
    expect(json.next.join('\n')).toMatch(/narinfo-cache-positive-ttl, 30 days[\s\S]*until 2026-12-25/);
    expect(readFileSync(join(sandbox.cwd, 'nix-cache.conf'), 'utf8')).toContain(`extra-trusted-public-keys = ${key2}\n`);
    // a later setup renders the same set
    const preview = await sandbox.run(['preview', '--answers', 'answers.json']);
    expect(preview.stdout).not.toContain(key1);
    expect(() => substitute(key2, [top, late])).not.toThrow();
  });
});

describe.skipIf(rgw === null)(`rotate key stopped part-way${unavailable ? ` (skipped: ${unavailable})` : ''}`, () => {
  const info = rgw as CephRgwInfo;
  const points: KeyRotationPoint[] = ['old-key-kept', 'trust-remembered', 'new-key-written', 'files-written'];
  for (const point of points) {
    it(`is finished by the next run when it stopped at ${point}: one new key, both trusted`, async () => {
      // Given a set-up cache and a rotation that stops at `point`
      const sandbox = makeCliSandbox();
      const bucket = `rotstop-${randomBytes(4).toString('hex')}`;
      sandbox.writeAnswers({ backend: 'ceph', endpoint: info.endpoint, admin: { accessKey: info.accessKey, secretKey: info.secretKey }, bucket, builder: { accessKey: `${bucket}-b` } });
      expect((await sandbox.run(['setup', '--yes', '--answers', 'answers.json'])).code).toBe(0);
      const keyDir = join(sandbox.home, '.config', 'nix');
      const key1 = readFileSync(join(keyDir, 'public.key'), 'utf8');
      const effects = sandbox.effects();
      const read = async () => (await completeFromDisk(JSON.parse(readFileSync(join(sandbox.cwd, 'answers.json'), 'utf8')) as Record<string, unknown>, effects, { offline: true })).answers;
      await expect(
        rotateKey({
          answers: await read(),
          effects,
          at: (at) => {
            if (at === point) throw new Error(`crash at ${at}`);
          },
        }),
      ).rejects.toThrow(`crash at ${point}`);
      // When the same command runs again
      const again = await sandbox.run(['rotate', 'key', '--answers', 'answers.json']);
      expect(again.code, again.stderr).toBe(0);
      // Then there is exactly one new key, the old one kept, and both trusted
      const key2 = readFileSync(join(keyDir, 'public.key'), 'utf8');
      expect(key2.startsWith(`127.0.0.1-${bucket}-2:`)).toBe(true);
      expect(parseNixSecretKey(readFileSync(join(keyDir, 'secret.key'), 'utf8'), 'k').publicKeyText()).toBe(key2);
      expect(parseNixSecretKey(readFileSync(join(keyDir, `secret.key.127.0.0.1-${bucket}-1`), 'utf8'), 'k').publicKeyText()).toBe(key1);
      expect(readFileSync(join(sandbox.cwd, 'nix-cache.conf'), 'utf8')).toContain(`extra-trusted-public-keys = ${key2} ${key1}\n`);
      expect((await read()).key.trusted).toEqual([key1]);
    });
  }
});
