import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type SioAlgorithm, SioNotAuthenticError, sioDecrypt, sioEncrypt } from '../../../source/backends/minio/sio-stream';

interface SioVector {
  Algorithm: SioAlgorithm;
  BufSize: number;
  Key: string;
  Nonce: string;
  AssociatedData: string;
  Plaintext: string;
  Ciphertext: string;
}

// Vectors from public projects, copied into the repository (test/fixtures/vectors/README.md says from where).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const vectors = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/vectors/sio-go-test-vectors.json'), 'utf8')) as SioVector[];
const hex = (s: string) => new Uint8Array(Buffer.from(s, 'hex'));
const toHex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('the sio stream format', () => {
  it('the vector file holds sio-go vectors for AES-128-GCM and XChaCha20-Poly1305', () => {
    // (its README says AES-256-GCM and ChaCha20-Poly1305; the file itself holds these two)
    expect(new Set(vectors.map((v) => v.Algorithm))).toEqual(new Set(['AES-128-GCM', 'XChaCha20-Poly1305']));
  });

  it.each(vectors.map((v, i) => [i, v] as const))('encrypting sio-go vector %i gives its ciphertext byte for byte', (_i, v) => {
    const params = { algorithm: v.Algorithm, key: hex(v.Key), nonce: hex(v.Nonce), associatedData: hex(v.AssociatedData), fragmentSize: v.BufSize };
    expect(toHex(sioEncrypt(params, hex(v.Plaintext)))).toBe(v.Ciphertext);
  });

  it.each(vectors.map((v, i) => [i, v] as const))('decrypting sio-go vector %i gives its plaintext', (_i, v) => {
    const params = { algorithm: v.Algorithm, key: hex(v.Key), nonce: hex(v.Nonce), associatedData: hex(v.AssociatedData), fragmentSize: v.BufSize };
    expect(toHex(sioDecrypt(params, hex(v.Ciphertext)))).toBe(v.Plaintext);
  });

  const algorithms: SioAlgorithm[] = ['AES-128-GCM', 'AES-256-GCM', 'ChaCha20-Poly1305', 'XChaCha20-Poly1305'];
  const sizes = [0, 1, 16383, 16384, 16385, 40000];
  const cases = algorithms.flatMap((algorithm) => sizes.map((size) => [algorithm, size] as const));

  it.each(cases)('%s round-trips %i bytes across 16 KiB fragment boundaries', (algorithm, size) => {
    const key = new Uint8Array(algorithm === 'AES-128-GCM' ? 16 : 32).fill(7);
    const params = { algorithm, key, nonce: new Uint8Array(algorithm === 'XChaCha20-Poly1305' ? 20 : 8).fill(3) };
    const plaintext = new Uint8Array(size).map((_, i) => (i * 31) & 0xff);
    const sealed = sioEncrypt(params, plaintext);
    expect(sealed.length).toBe(size + 16 * Math.max(1, Math.ceil(size / 16384)));
    expect(sioDecrypt(params, sealed)).toEqual(plaintext);
  });

  describe('a damaged stream is refused', () => {
    const params = { algorithm: 'AES-256-GCM' as const, key: new Uint8Array(32).fill(9), nonce: new Uint8Array(8) };
    const plaintext = new Uint8Array(40000).fill(1);
    const sealed = sioEncrypt(params, plaintext);

    it('a flipped bit in any fragment is not authentic', () => {
      for (const at of [0, 16384 + 16 + 5, sealed.length - 1]) {
        const tampered = sealed.slice();
        tampered[at] = (tampered[at] ?? 0) ^ 1;
        expect(() => sioDecrypt(params, tampered)).toThrow(SioNotAuthenticError);
      }
    });

    it('a stream cut after a full fragment has no final fragment and is refused', () => {
      expect(() => sioDecrypt(params, sealed.subarray(0, 2 * (16384 + 16)))).toThrow(/ends without its final fragment/);
      expect(() => sioDecrypt(params, sealed.subarray(0, 16384 + 16))).toThrow(/ends without its final fragment/);
    });

    it('a stream cut inside a fragment is refused', () => {
      expect(() => sioDecrypt(params, sealed.subarray(0, sealed.length - 3))).toThrow(SioNotAuthenticError);
      expect(() => sioDecrypt(params, sealed.subarray(0, 10))).toThrow(SioNotAuthenticError);
    });

    it('trailing bytes after the final fragment are refused', () => {
      expect(() => sioDecrypt(params, Buffer.concat([sealed, Buffer.of(0)]))).toThrow(SioNotAuthenticError);
      const empty = sioEncrypt(params, new Uint8Array(0));
      expect(() => sioDecrypt(params, Buffer.concat([empty, empty]))).toThrow(SioNotAuthenticError);
    });

    it('a different associated data or nonce is not authentic', () => {
      expect(() => sioDecrypt({ ...params, associatedData: Buffer.of(1) }, sealed)).toThrow(SioNotAuthenticError);
      expect(() => sioDecrypt({ ...params, nonce: new Uint8Array(8).fill(1) }, sealed)).toThrow(SioNotAuthenticError);
    });
  });
});
