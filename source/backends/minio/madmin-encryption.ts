/**
 * madmin's EncryptData / DecryptData (notes/minio-admin.md; minio/madmin-go encrypt.go): how
 * `mc admin` encrypts the bodies that carry secrets (add-user, policy attach). The key is derived
 * from the admin's secret key, so only someone holding it can read or forge the body.
 *
 * Layout: `salt(32) | AEAD id(1) | nonce(8) | sio stream with 16 KiB fragments`.
 * - 0x00: Argon2id(t=1, m=64 MiB, p=4) key, AES-256-GCM: what mc sends and every server accepts;
 * - 0x01: the same key, ChaCha20-Poly1305 (Go's choice on machines without AES hardware);
 * - 0x02: PBKDF2-HMAC-SHA256 (8192 rounds) key, AES-256-GCM (FIPS builds).
 */
import { pbkdf2 } from 'node:crypto';
import { promisify } from 'node:util';
import { SIO_FRAGMENT_SIZE, SIO_NONCE_SIZE, type SioAlgorithm, sioDecrypt, sioEncrypt } from './sio-stream';

export type MadminAeadId = 0x00 | 0x01 | 0x02;

export const MADMIN_ARGON2ID_AES_GCM = 0x00;
export const MADMIN_ARGON2ID_CHACHA20_POLY1305 = 0x01;
export const MADMIN_PBKDF2_AES_GCM = 0x02;

const SALT_SIZE = 32;
const HEADER_SIZE = SALT_SIZE + 1 + SIO_NONCE_SIZE;

/** Thrown when a body cannot be decrypted: not madmin's format, unknown id, or not authentic. */
export class MadminDecryptError extends Error {
  override readonly name = 'MadminDecryptError';
}

export interface MadminEncryptOptions {
  /** cryptographically secure random bytes, for the salt and the nonce (Effects.randomBytes) */
  readonly randomBytes: (length: number) => Uint8Array;
  /** [0x00] the other ids exist so tests and the test server can speak every server's dialect */
  readonly aeadId?: MadminAeadId;
}

async function deriveKey(password: string, salt: Uint8Array, id: MadminAeadId): Promise<Uint8Array> {
  const passwordBytes = new TextEncoder().encode(password);
  if (id === MADMIN_PBKDF2_AES_GCM) {
    // on libuv's thread pool: the other requests of the run go on meanwhile
    return new Uint8Array(await promisify(pbkdf2)(passwordBytes, salt, 8192, 32, 'sha256'));
  }
  // The Argon2id libraries (260 KB, WebAssembly included) load only for the servers that need
  // them: a PBKDF2 body is what every server since 2022 decrypts.
  if (passwordBytes.length === 0) {
    // hash-wasm refuses an empty password ("Password must be specified"); Argon2id itself
    // allows one, and madmin's own test vectors use it. The pure-JS implementation is ~5x
    // slower, which only matters for this case.
    const { argon2id: nobleArgon2id } = await import('@noble/hashes/argon2');
    return nobleArgon2id(passwordBytes, salt, { t: 1, m: 65536, p: 4, dkLen: 32 });
  }
  const { argon2id } = await import('hash-wasm');
  return argon2id({
    password: passwordBytes,
    salt,
    iterations: 1,
    memorySize: 65536,
    parallelism: 4,
    hashLength: 32,
    outputType: 'binary',
  });
}

function algorithmOf(id: MadminAeadId): SioAlgorithm {
  return id === MADMIN_ARGON2ID_CHACHA20_POLY1305 ? 'ChaCha20-Poly1305' : 'AES-256-GCM';
}

/** madmin.EncryptData: encrypts `data` under a key derived from `password` (the admin's secret key). */
export async function encryptData(password: string, data: Uint8Array, options: MadminEncryptOptions): Promise<Uint8Array> {
  const id = options.aeadId ?? MADMIN_ARGON2ID_AES_GCM;
  const salt = options.randomBytes(SALT_SIZE);
  const nonce = options.randomBytes(SIO_NONCE_SIZE);
  if (salt.length !== SALT_SIZE || nonce.length !== SIO_NONCE_SIZE) throw new Error('randomBytes returned the wrong number of bytes');
  const key = await deriveKey(password, salt, id);
  const stream = sioEncrypt({ algorithm: algorithmOf(id), key, nonce, fragmentSize: SIO_FRAGMENT_SIZE }, data);
  const out = new Uint8Array(HEADER_SIZE + stream.length);
  out.set(salt, 0);
  out[SALT_SIZE] = id;
  out.set(nonce, SALT_SIZE + 1);
  out.set(stream, HEADER_SIZE);
  return out;
}

/** madmin.DecryptData: accepts ids 0x00, 0x01 and 0x02; throws `MadminDecryptError` otherwise. */
export async function decryptData(password: string, data: Uint8Array): Promise<Uint8Array> {
  if (data.length < HEADER_SIZE) throw new MadminDecryptError('madmin: the encrypted body is shorter than its header');
  const salt = data.subarray(0, SALT_SIZE);
  const id = data[SALT_SIZE];
  if (id !== MADMIN_ARGON2ID_AES_GCM && id !== MADMIN_ARGON2ID_CHACHA20_POLY1305 && id !== MADMIN_PBKDF2_AES_GCM) {
    throw new MadminDecryptError(`madmin: unknown encryption algorithm id ${String(id)}`);
  }
  const nonce = data.subarray(SALT_SIZE + 1, HEADER_SIZE);
  const key = await deriveKey(password, salt, id);
  try {
    return sioDecrypt({ algorithm: algorithmOf(id), key, nonce, fragmentSize: SIO_FRAGMENT_SIZE }, data.subarray(HEADER_SIZE));
  } catch (error) {
    throw new MadminDecryptError(`madmin: the encrypted body is not authentic (wrong secret key or damaged data): ${(error as Error).message}`);
  }
}

/** madmin.IsEncrypted */
export function isMadminEncrypted(data: Uint8Array): boolean {
  if (data.length <= SALT_SIZE) return false;
  const id = data[SALT_SIZE];
  return id === MADMIN_ARGON2ID_AES_GCM || id === MADMIN_ARGON2ID_CHACHA20_POLY1305 || id === MADMIN_PBKDF2_AES_GCM;
}
