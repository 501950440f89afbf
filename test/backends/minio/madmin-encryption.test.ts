import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  MadminDecryptError,
  type MadminAeadId,
  decryptData,
  encryptData,
  isMadminEncrypted,
} from '../../../source/backends/minio/madmin-encryption';

interface MadminVector {
  password: string;
  ciphertextHex: string;
  aeadId: number;
  plaintextZeroBytes: number;
}

// Vectors from public projects, copied into the repository (test/fixtures/vectors/README.md says from where).
const repoRoot = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const file = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/vectors/madmin-decrypt-vectors.json'), 'utf8')) as { vectors: MadminVector[] };
const secureRandom = (n: number) => new Uint8Array(randomBytes(n));

describe('madmin body encryption', () => {
  it('the vector file is not empty', () => {
    expect(file.vectors.length).toBeGreaterThan(0);
  });

  it.each(file.vectors.map((v, i) => [i, v.plaintextZeroBytes, v] as const))(
    'Go madmin.EncryptData vector %i decrypts with its password to %i zero bytes',
    async (_i, size, v) => {
      const plain = await decryptData(v.password, new Uint8Array(Buffer.from(v.ciphertextHex, 'hex')));
      expect(plain).toEqual(new Uint8Array(size));
    },
  );

  it('a madmin vector with a wrong password is refused', async () => {
    const v = file.vectors[2]!;
    await expect(decryptData(v.password + 'x', new Uint8Array(Buffer.from(v.ciphertextHex, 'hex')))).rejects.toThrow(MadminDecryptError);
  });

  it('encryption sends id 0x00 (Argon2id, AES-256-GCM) with the injected salt and nonce', async () => {
    let counter = 0;
    const fixed = (n: number) => new Uint8Array(n).fill(++counter);
    const sealed = await encryptData('admin-secret', new TextEncoder().encode('{"status":"enabled"}'), { randomBytes: fixed });
    expect(sealed.subarray(0, 32)).toEqual(new Uint8Array(32).fill(1));
    expect(sealed[32]).toBe(0x00);
    expect(sealed.subarray(33, 41)).toEqual(new Uint8Array(8).fill(2));
    expect(sealed.length).toBe(41 + 20 + 16);
    expect(isMadminEncrypted(sealed)).toBe(true);
  });

  const ids: [string, MadminAeadId][] = [
    ['Argon2id + AES-256-GCM (0x00)', 0x00],
    ['Argon2id + ChaCha20-Poly1305 (0x01)', 0x01],
    ['PBKDF2 + AES-256-GCM (0x02)', 0x02],
  ];
  const sizes = [0, 1, 16383, 16384, 16385, 40000];

  it.each(ids)('%s round-trips bodies across fragment boundaries (0, 1, 16383, 16384, 16385, 40000 bytes)', async (_name, aeadId) => {
    for (const size of sizes) {
      const plain = new Uint8Array(randomBytes(size));
      const sealed = await encryptData('s3cr3t-Key', plain, { randomBytes: secureRandom, aeadId });
      expect(sealed[32]).toBe(aeadId);
      expect(await decryptData('s3cr3t-Key', sealed)).toEqual(plain);
    }
  });

  describe('damaged bodies are refused', () => {
    const body = new Uint8Array(40000).fill(5);
    const sealedPromise = encryptData('password1', body, { randomBytes: secureRandom });

    it('a flipped bit in the salt, the nonce or the stream is refused', async () => {
      const sealed = await sealedPromise;
      for (const at of [3, 35, 41 + 100, sealed.length - 1]) {
        const tampered = sealed.slice();
        tampered[at] = (tampered[at] ?? 0) ^ 0x10;
        await expect(decryptData('password1', tampered)).rejects.toThrow(MadminDecryptError);
      }
    });

    it('a body truncated after a full fragment (no final fragment) is refused', async () => {
      const sealed = await sealedPromise;
      await expect(decryptData('password1', sealed.subarray(0, 41 + 2 * (16384 + 16)))).rejects.toThrow(/final fragment/);
    });

    it('a body with trailing bytes is refused', async () => {
      const sealed = await sealedPromise;
      await expect(decryptData('password1', Buffer.concat([sealed, Buffer.from('x')]))).rejects.toThrow(MadminDecryptError);
    });

    it('an unknown algorithm id or a short header is refused', async () => {
      const sealed = (await sealedPromise).slice();
      sealed[32] = 0x07;
      await expect(decryptData('password1', sealed)).rejects.toThrow(/unknown encryption algorithm id 7/);
      await expect(decryptData('password1', new Uint8Array(40))).rejects.toThrow(/shorter than its header/);
    });
  });
});
