import { inspect } from 'node:util';
import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../source/errors';
import { parseNixPublicKey, formatNixPublicKey } from '../../source/keys/nix-public-key';
import { convertSecretKeyToPublic, generateNixSecretKey, NixSecretKey, parseNixSecretKey } from '../../source/keys/nix-secret-key';
import { scriptedRandomBytes } from '../secrets/scripted-random-bytes';

const realRandomBytes = (n: number): Uint8Array => new Uint8Array(cryptoRandomBytes(n));
const hex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, 'hex'));
const base64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');

// RFC 8032 section 7.1, test 1: an Ed25519 known answer independent of the library we use.
const RFC_SEED = hex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const RFC_PUBLIC = hex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const RFC_SIGNATURE_OF_EMPTY = hex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

describe('generating a Nix signing key', () => {
  it('writes the secret key as NAME:BASE64(seed then public key), with no trailing newline, from 32 random bytes', () => {
    const source = scriptedRandomBytes(RFC_SEED);
    const key = generateNixSecretKey('cache.example.org-1', source);
    expect(source.consumed).toBe(32);
    const both = new Uint8Array([...RFC_SEED, ...RFC_PUBLIC]);
    expect(key.secretKeyText()).toBe(`cache.example.org-1:${base64(both)}`);
    expect(key.secretKeyText()).not.toMatch(/\n$/);
  });

  it('writes the public key as NAME:BASE64(public key), with no trailing newline', () => {
    const key = generateNixSecretKey('cache.example.org-1', scriptedRandomBytes(RFC_SEED));
    expect(key.publicKeyText()).toBe(`cache.example.org-1:${base64(RFC_PUBLIC)}`);
    expect(formatNixPublicKey(key.publicKey())).toBe(key.publicKeyText());
  });

  it('signs deterministically, as Ed25519 does (RFC 8032 known answer)', () => {
    const key = new NixSecretKey('any-1', RFC_SEED);
    expect(Buffer.from(key.sign(new Uint8Array())).toString('hex')).toBe(Buffer.from(RFC_SIGNATURE_OF_EMPTY).toString('hex'));
  });

  it('makes a different key each time from a real random source', () => {
    const a = generateNixSecretKey('h-1', realRandomBytes);
    const b = generateNixSecretKey('h-1', realRandomBytes);
    expect(a.publicKeyText()).not.toBe(b.publicKeyText());
  });

  it('refuses a key name Nix or nix.conf could not use, naming the key.name answer', () => {
    for (const name of ['', 'host:1', 'my host-1', 'tab\there']) {
      let error: unknown;
      try {
        generateNixSecretKey(name, realRandomBytes);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as UsageError).field).toBe('key.name');
    }
  });

  it('never shows the secret in JSON, console output or string form', () => {
    const key = generateNixSecretKey('h-1', scriptedRandomBytes(RFC_SEED));
    const secretBase64 = key.secretKeyText().split(':')[1] ?? '';
    const seedBase64 = base64(RFC_SEED);
    const seedHex = Buffer.from(RFC_SEED).toString('hex');
    for (const shown of [JSON.stringify({ key }), inspect(key), inspect({ nested: { key } }, { depth: 5 }), String(key), `${key}`]) {
      expect(shown).toContain('h-1');
      expect(shown).not.toContain(secretBase64);
      expect(shown).not.toContain(seedBase64.slice(0, 40));
      expect(shown).not.toContain(seedHex.slice(0, 16));
    }
    // what JSON does show is the public key, which is meant to be shared
    expect(JSON.parse(JSON.stringify(key))).toEqual({ name: 'h-1', publicKey: key.publicKeyText() });
  });
});

describe('reading an existing secret key file', () => {
  it('reads back what it wrote, with or without a trailing newline', () => {
    const key = generateNixSecretKey('h-2', realRandomBytes);
    for (const text of [key.secretKeyText(), `${key.secretKeyText()}\n`]) {
      const parsed = parseNixSecretKey(text, '/home/me/.config/nix/secret.key');
      expect(parsed.name).toBe('h-2');
      expect(parsed.secretKeyText()).toBe(key.secretKeyText());
      expect(parsed.publicKeyText()).toBe(key.publicKeyText());
    }
  });

  it('derives the public key text from the secret key text', () => {
    const key = new NixSecretKey('cache.example.org-3', RFC_SEED);
    expect(convertSecretKeyToPublic(`${key.secretKeyText()}\n`, 'secret.key')).toBe(`cache.example.org-3:${base64(RFC_PUBLIC)}`);
  });
});

describe('reading a public key', () => {
  it('reads the name and the 32 key bytes, with or without a trailing newline', () => {
    for (const text of [`h-1:${base64(RFC_PUBLIC)}`, `h-1:${base64(RFC_PUBLIC)}\n`]) {
      const key = parseNixPublicKey(text, 'public.key');
      expect(key.name).toBe('h-1');
      expect([...key.bytes]).toEqual([...RFC_PUBLIC]);
      expect(formatNixPublicKey(key)).toBe(`h-1:${base64(RFC_PUBLIC)}`);
    }
  });
});
