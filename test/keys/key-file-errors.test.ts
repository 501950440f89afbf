import { describe, expect, it } from 'vitest';
import { FileParseError } from '../../source/errors';
import { KeyFileError, type KeyFileRule } from '../../source/keys/key-file-error';
import { parseNixPublicKey } from '../../source/keys/nix-public-key';
import { NixSecretKey, parseNixSecretKey } from '../../source/keys/nix-secret-key';

const PATH = '/home/me/.config/nix/secret.key';
const seedA = new Uint8Array(32).fill(7);
const seedB = new Uint8Array(32).fill(9);
const keyA = new NixSecretKey('cache-1', seedA);
const keyB = new NixSecretKey('cache-1', seedB);
const base64 = (bytes: Uint8Array | readonly number[]): string => Buffer.from(Uint8Array.from(bytes)).toString('base64');
const goodBase64 = keyA.secretKeyText().split(':')[1] ?? '';

function errorOf(parse: () => unknown): KeyFileError {
  try {
    parse();
  } catch (error) {
    if (error instanceof KeyFileError) return error;
    throw error;
  }
  throw new Error('expected a KeyFileError, but the text was accepted');
}

/** Every 12-character run of `secret`: none may appear in an error message. */
function fragments(secret: string): string[] {
  return Array.from({ length: Math.max(0, secret.length - 11) }, (_, i) => secret.slice(i, i + 12));
}

const SECRET_CASES: { what: string; text: string; rule: KeyFileRule; says: RegExp }[] = [
  { what: 'an empty file', text: '', rule: 'missing-colon', says: /empty/ },
  { what: 'a file of newlines', text: '\n\n', rule: 'missing-colon', says: /empty/ },
  { what: 'a key without a name and ":"', text: goodBase64, rule: 'missing-colon', says: /no ":"/ },
  { what: 'an empty name', text: `:${goodBase64}`, rule: 'empty-name', says: /name before ":" is empty/ },
  { what: 'a name with a space', text: `my cache-1:${goodBase64}`, rule: 'name-has-white-space', says: /white space/ },
  { what: 'characters outside base64', text: `cache-1:${goodBase64.slice(0, -4)}!!==`, rule: 'bad-base64', says: /not base64/ },
  { what: 'base64 without its padding', text: `cache-1:${goodBase64.replace(/=+$/, '')}`, rule: 'bad-base64', says: /not base64/ },
  { what: 'Windows line endings', text: `cache-1:${goodBase64}\r\n`, rule: 'bad-base64', says: /not base64/ },
  { what: 'the key broken over two lines', text: `cache-1:${goodBase64.slice(0, 44)}\n${goodBase64.slice(44)}`, rule: 'bad-base64', says: /not base64/ },
  { what: 'a space after the colon', text: `cache-1: ${goodBase64}`, rule: 'bad-base64', says: /not base64/ },
  { what: 'nothing after the colon', text: 'cache-1:', rule: 'wrong-length', says: /nothing after ":"/ },
  { what: 'only the 32-byte seed', text: `cache-1:${base64(seedA)}`, rule: 'wrong-length', says: /holds 32 bytes.*holds 64.*public key file/ },
  { what: '65 bytes', text: `cache-1:${base64([...seedA, ...keyA.publicKeyBytes, 0])}`, rule: 'wrong-length', says: /holds 65 bytes/ },
  {
    what: "a seed followed by another key's public key",
    text: `cache-1:${base64([...seedA, ...keyB.publicKeyBytes])}`,
    rule: 'public-key-mismatch',
    says: /last 32 bytes are not the public key of its first 32.*no signature would ever verify/,
  },
];

describe('a malformed secret key file is refused with a typed error that names the file and the rule', () => {
  for (const { what, text, rule, says } of SECRET_CASES) {
    it(`refuses ${what}`, () => {
      const error = errorOf(() => parseNixSecretKey(text, PATH));
      expect(error).toBeInstanceOf(FileParseError);
      expect(error.rule).toBe(rule);
      expect(error.path).toBe(PATH);
      expect(error.message).toContain(PATH);
      expect(error.message).toMatch(says);
      // the key material itself never reaches the message
      for (const fragment of [...fragments(goodBase64), ...fragments(base64(seedA)), ...fragments(base64(keyB.publicKeyBytes))]) {
        expect(error.message).not.toContain(fragment);
      }
    });
  }

  it('says what a valid file looks like', () => {
    expect(errorOf(() => parseNixSecretKey('nonsense', PATH)).message).toMatch(/Expected NAME:BASE64\(64 bytes\).*nix key generate-secret/);
  });

  it('accepts the same key once the tail matches', () => {
    expect(parseNixSecretKey(`cache-1:${base64([...seedA, ...keyA.publicKeyBytes])}`, PATH).publicKeyText()).toBe(keyA.publicKeyText());
  });
});

describe('a malformed public key is refused with a typed error', () => {
  it('refuses a secret key given as the public key, pointing at the mix-up', () => {
    const error = errorOf(() => parseNixPublicKey(keyA.secretKeyText(), 'public.key'));
    expect(error.rule).toBe('wrong-length');
    expect(error.message).toMatch(/public\.key is not a valid Nix public key: the key holds 64 bytes.*secret key file/);
    for (const fragment of fragments(goodBase64)) expect(error.message).not.toContain(fragment);
  });

  it('refuses a public key without a name, or with bad base64', () => {
    expect(errorOf(() => parseNixPublicKey(base64(keyA.publicKeyBytes), 'public.key')).rule).toBe('missing-colon');
    expect(errorOf(() => parseNixPublicKey(`:${base64(keyA.publicKeyBytes)}`, 'public.key')).rule).toBe('empty-name');
    expect(errorOf(() => parseNixPublicKey('cache-1:abc$', 'public.key')).rule).toBe('bad-base64');
  });
});
