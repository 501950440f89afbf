/**
 * Our keys and signatures against the real Nix (Debian's nix-bin 2.8, notes/nix.md): paths are
 * built in a private store (input-addressed, since content-addressed paths are never
 * signature-checked), signed by `nix store sign` with key files, and checked by
 * `nix store verify` and by our own code.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { narinfoHasValidSignature, signNarinfo } from '../../source/keys/narinfo-signature';
import { parseNixPublicKey } from '../../source/keys/nix-public-key';
import { convertSecretKeyToPublic, generateNixSecretKey, NixSecretKey, parseNixSecretKey } from '../../source/keys/nix-secret-key';
import { parseNarinfo } from '../../source/keys/parse-narinfo';
import { KeyFileError } from '../../source/keys/key-file-error';
import { makeNixSandbox, nixUnavailableReason, type NixSandbox } from '../helpers/nix';

const reason = nixUnavailableReason();
const realRandomBytes = (n: number): Uint8Array => new Uint8Array(cryptoRandomBytes(n));

/** `top` refers to itself and to two other built paths, so its fingerprint lists sorted references. */
const PATHS_NIX = `
let
  leaf = name: derivation { inherit name; system = builtins.currentSystem; builder = "/bin/sh"; args = [ "-c" "echo \${name} > $out" ]; };
  dep = leaf "dep";
  other = leaf "other";
in derivation {
  name = "top";
  system = builtins.currentSystem;
  builder = "/bin/sh";
  args = [ "-c" "echo \${dep} \${other} $out > $out" ];
}
`;

describe.skipIf(reason !== undefined)(`signing keys with the real Nix${reason ? ` (skipped: ${reason})` : ''}`, () => {
  let nix: NixSandbox;
  let top: string;
  let closure: string[];
  let fileCounter = 0;

  /** Writes key text to a new file in the sandbox (0600, as setup writes secret keys). */
  const keyFile = (text: string): string => {
    const path = join(nix.dir, `key-${++fileCounter}`);
    writeFileSync(path, text, { mode: 0o600 });
    return path;
  };
  /** Runs a `nix key` command that reads the key from stdin (it is never put on the command line). */
  const nixKeyWithStdin = (args: readonly string[], input: string): string =>
    execFileSync('nix', [...args], { env: nix.env, input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
  const sign = (secretKeyPath: string, paths: readonly string[]): void => {
    nix.run('nix', ['store', 'sign', '--store', nix.store, '--key-file', secretKeyPath, ...paths]);
  };
  const verify = (publicKeyText: string, path: string): void => {
    nix.run('nix', ['store', 'verify', '--store', nix.store, '--no-contents', '--sigs-needed', '1', '--trusted-public-keys', publicKeyText, path]);
  };
  /** Copies `paths` to a new file:// binary cache and returns its folder: what the wizard uploads. */
  const copyToFileCache = (paths: readonly string[]): string => {
    const cache = join(nix.dir, `cache-${++fileCounter}`);
    nix.run('nix', ['copy', '--store', nix.store, '--to', `file://${cache}`, ...paths]);
    return cache;
  };
  const narinfosIn = (cache: string) =>
    readdirSync(cache)
      .filter((f) => f.endsWith('.narinfo'))
      .map((f) => parseNarinfo(readFileSync(join(cache, f), 'utf8'), join(cache, f)));

  beforeAll(() => {
    nix = makeNixSandbox();
    writeFileSync(join(nix.dir, 'paths.nix'), PATHS_NIX);
    const built = JSON.parse(nix.run('nix', ['build', '--store', nix.store, '--no-link', '--json', '--impure', '-f', 'paths.nix'])) as {
      outputs: { out: string };
    }[];
    top = built[0]?.outputs.out ?? '';
    closure = nix.run('nix', ['path-info', '--store', nix.store, '--recursive', top]).trim().split('\n');
  });

  afterAll(() => {
    nix.remove();
  });

  it('builds the paths the tests sign: a path with references and its closure of three', () => {
    expect(top).toMatch(/^\/nix\/store\/[0-9a-z]{32}-top$/);
    expect(closure).toHaveLength(3);
  });

  it('lets Nix sign with a key we generated and verify with our public key, and refuses it under another key', () => {
    // Given a key from our generator, written as setup writes it
    const key = generateNixSecretKey('cache.example.org-1', realRandomBytes);
    // When Nix signs a built path with it
    sign(keyFile(key.secretKeyText()), [top]);
    // Then Nix trusts the path with our public key
    expect(() => verify(key.publicKeyText(), top)).not.toThrow();
    // and not with a different key, of the same name or of another name
    const stranger = generateNixSecretKey('cache.example.org-1', realRandomBytes);
    expect(() => verify(stranger.publicKeyText(), top)).toThrow(/untrusted/);
    expect(() => verify(generateNixSecretKey('elsewhere-1', realRandomBytes).publicKeyText(), top)).toThrow(/untrusted/);
  });

  it('writes key files that Nix reads with or without a trailing newline', () => {
    const key = generateNixSecretKey('newline-1', realRandomBytes);
    const paths = closure.filter((p) => p !== top);
    sign(keyFile(`${key.secretKeyText()}\n`), paths);
    for (const path of paths) expect(() => verify(key.publicKeyText(), path)).not.toThrow();
  });

  it('derives the same public key text as nix key convert-secret-to-public, byte for byte', () => {
    const ours = generateNixSecretKey('cache.example.org-2', realRandomBytes);
    expect(nixKeyWithStdin(['key', 'convert-secret-to-public'], ours.secretKeyText())).toBe(ours.publicKeyText());
  });

  it('accepts a key made by nix key generate-secret and derives the public key Nix derives', () => {
    const secretText = nix.run('nix', ['key', 'generate-secret', '--key-name', 'made-by-nix-1']);
    // Nix writes no trailing newline, like us
    expect(secretText).toMatch(/^made-by-nix-1:[A-Za-z0-9+/]{86}==$/);
    const parsed = parseNixSecretKey(secretText, 'nix-made.key');
    expect(parsed.secretKeyText()).toBe(secretText);
    expect(convertSecretKeyToPublic(secretText, 'nix-made.key')).toBe(nixKeyWithStdin(['key', 'convert-secret-to-public'], secretText));
  });

  it("verifies the Sig lines Nix writes into a binary cache's narinfos, and signs them byte-identically", () => {
    // Given a key Nix made, and the closure signed with it by Nix and copied to a file:// cache
    const secretText = nix.run('nix', ['key', 'generate-secret', '--key-name', 'nix-signer-1']);
    const publicKey = parseNixPublicKey(nixKeyWithStdin(['key', 'convert-secret-to-public'], secretText), 'public.key');
    sign(keyFile(secretText), closure);
    const narinfos = narinfosIn(copyToFileCache([top]));
    expect(narinfos).toHaveLength(3);
    // the path with references makes the fingerprint's sorted, full-path reference list count
    expect(narinfos.find((n) => n.storePath === top)?.references).toHaveLength(3);
    const ours = parseNixSecretKey(secretText, 'secret.key');
    for (const narinfo of narinfos) {
      const nixSig = narinfo.sigs.find((sig) => sig.startsWith('nix-signer-1:'));
      expect(nixSig).toBeDefined();
      // Then our fingerprint and verification accept Nix's signature
      expect(narinfoHasValidSignature(narinfo, [publicKey])).toBe(true);
      // and Ed25519 being deterministic, our signature of our fingerprint is exactly Nix's
      expect(signNarinfo(ours, narinfo)).toBe(nixSig);
    }
  });

  it('refuses a secret key whose tail is not its public key, which Nix would use to sign signatures that never verify', () => {
    // Given a seed followed by another key's public key
    const seed = realRandomBytes(32);
    const a = new NixSecretKey('broken-1', seed);
    const b = new NixSecretKey('broken-1', realRandomBytes(32));
    const broken = `broken-1:${Buffer.from([...seed, ...b.publicKeyBytes]).toString('base64')}`;
    // Nix converts it without complaint (it copies the tail) and signs with it
    const nixPublic = nixKeyWithStdin(['key', 'convert-secret-to-public'], broken);
    expect(nixPublic).toBe(b.publicKeyText());
    const path = closure.find((p) => p.endsWith('-other')) ?? '';
    sign(keyFile(broken), [path]);
    // but neither the public key it printed nor the seed's true public key verifies the signature
    expect(() => verify(nixPublic, path)).toThrow(/untrusted/);
    expect(() => verify(a.publicKeyText(), path)).toThrow(/untrusted/);
    // so our parser refuses the file up front
    expect(() => parseNixSecretKey(broken, 'broken.key')).toThrow(KeyFileError);
    expect(() => parseNixSecretKey(broken, 'broken.key')).toThrow(/last 32 bytes are not the public key/);
  });
});
