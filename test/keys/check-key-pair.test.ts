import { describe, expect, it } from 'vitest';
import { checkKeyPair } from '../../source/keys/check-key-pair';
import { NixSecretKey } from '../../source/keys/nix-secret-key';

const key = new NixSecretKey('cache-1', new Uint8Array(32).fill(3));
const other = new NixSecretKey('cache-1', new Uint8Array(32).fill(4));

describe('checking that the key files are a pair', () => {
  it('accepts a secret key with its own public key', () => {
    expect(checkKeyPair(key, key.publicKey())).toEqual({ ok: true });
  });

  it('says when the public key belongs to another secret key', () => {
    const result = checkKeyPair(key, other.publicKey());
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/not the one of the secret key.*would not verify/);
  });

  it('says when the names differ, since Nix matches signatures to keys by name', () => {
    const result = checkKeyPair(key, { ...key.publicKey(), name: 'cache-2' });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.problem).toMatch(/named "cache-2" but the secret key "cache-1"/);
  });
});
