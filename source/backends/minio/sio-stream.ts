/**
 * The secure-io/sio-go stream format (notes/minio-admin.md), which madmin uses to encrypt the
 * bodies of admin requests. The plaintext is cut into fragments of `fragmentSize` bytes; each is
 * sealed with an AEAD whose 12-byte nonce is `nonce(8) | uint32 little-endian sequence number`.
 * A tag T over an empty plaintext with sequence number 0 binds the caller's associated data; every
 * fragment is then sealed with associated data `flag | T`, flag 0x80 on the last fragment and 0x00
 * on all others, so a stream cut at a fragment boundary or extended with bytes does not
 * authenticate. Whole-buffer only: admin bodies are small.
 */
import { createCipheriv, createDecipheriv } from 'node:crypto';

export type SioAlgorithm = 'AES-128-GCM' | 'AES-256-GCM' | 'ChaCha20-Poly1305' | 'XChaCha20-Poly1305';

/** sio.BufSize, the fragment size madmin uses */
export const SIO_FRAGMENT_SIZE = 16 * 1024;
/** the bytes of the caller's nonce for the 12-byte-nonce AEADs (12 minus the 4-byte sequence number) */
export const SIO_NONCE_SIZE = 8;
const TAG_SIZE = 16;
const FLAG_MORE = 0x00;
const FLAG_FINAL = 0x80;

interface CipherSpec {
  readonly name: 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305';
  readonly keySize: number;
  /** the caller's nonce: the AEAD nonce minus the 4-byte sequence number */
  readonly nonceSize: number;
}

const CIPHERS: Record<SioAlgorithm, CipherSpec> = {
  'AES-128-GCM': { name: 'aes-128-gcm', keySize: 16, nonceSize: 8 },
  'AES-256-GCM': { name: 'aes-256-gcm', keySize: 32, nonceSize: 8 },
  'ChaCha20-Poly1305': { name: 'chacha20-poly1305', keySize: 32, nonceSize: 8 },
  // Node has no XChaCha20-Poly1305; it is HChaCha20 then ChaCha20-Poly1305 (below). madmin never
  // uses it, but sio-go's own test vectors do, and they are how this module is checked.
  'XChaCha20-Poly1305': { name: 'chacha20-poly1305', keySize: 32, nonceSize: 20 },
};

/** Thrown when a stream does not authenticate (wrong key, tampered, truncated or extended). */
export class SioNotAuthenticError extends Error {
  override readonly name = 'SioNotAuthenticError';
}

export interface SioParameters {
  readonly algorithm: SioAlgorithm;
  readonly key: Uint8Array;
  /** 8 bytes (20 for XChaCha20-Poly1305) */
  readonly nonce: Uint8Array;
  /** authenticated, not encrypted; madmin passes none */
  readonly associatedData?: Uint8Array;
  /** plaintext bytes per fragment [16 KiB]; the sio-go vectors use small ones */
  readonly fragmentSize?: number;
}

function checkParameters(p: SioParameters): { fragmentSize: number } {
  const spec = CIPHERS[p.algorithm];
  if (spec === undefined) throw new Error(`sio: unknown algorithm ${String(p.algorithm)}`);
  if (p.key.length !== spec.keySize) throw new Error(`sio: ${p.algorithm} needs a ${spec.keySize}-byte key, got ${p.key.length} bytes`);
  if (p.nonce.length !== spec.nonceSize) throw new Error(`sio: ${p.algorithm} needs a ${spec.nonceSize}-byte nonce, got ${p.nonce.length}`);
  const fragmentSize = p.fragmentSize ?? SIO_FRAGMENT_SIZE;
  if (!Number.isInteger(fragmentSize) || fragmentSize < 1 || fragmentSize > (1 << 24) - 1) {
    throw new Error(`sio: fragment size must be 1..16777215 bytes, got ${fragmentSize}`);
  }
  return { fragmentSize };
}

function rotl(x: number, n: number): number {
  return ((x << n) | (x >>> (32 - n))) >>> 0;
}

/** HChaCha20 (draft-irtf-cfrg-xchacha): a subkey from the key and the first 16 nonce bytes. */
function hchacha20(key: Uint8Array, nonce16: Uint8Array): Buffer {
  const k = Buffer.from(key);
  const n = Buffer.from(nonce16);
  const s = [0x61707865, 0x3320646e, 0x79622d32, 0x6b206574];
  for (let i = 0; i < 8; i++) s.push(k.readUInt32LE(4 * i));
  for (let i = 0; i < 4; i++) s.push(n.readUInt32LE(4 * i));
  const quarter = (a: number, b: number, c: number, d: number) => {
    s[a] = (s[a]! + s[b]!) >>> 0; s[d] = rotl(s[d]! ^ s[a]!, 16);
    s[c] = (s[c]! + s[d]!) >>> 0; s[b] = rotl(s[b]! ^ s[c]!, 12);
    s[a] = (s[a]! + s[b]!) >>> 0; s[d] = rotl(s[d]! ^ s[a]!, 8);
    s[c] = (s[c]! + s[d]!) >>> 0; s[b] = rotl(s[b]! ^ s[c]!, 7);
  };
  for (let round = 0; round < 10; round++) {
    quarter(0, 4, 8, 12); quarter(1, 5, 9, 13); quarter(2, 6, 10, 14); quarter(3, 7, 11, 15);
    quarter(0, 5, 10, 15); quarter(1, 6, 11, 12); quarter(2, 7, 8, 13); quarter(3, 4, 9, 14);
  }
  const out = Buffer.alloc(32);
  [0, 1, 2, 3, 12, 13, 14, 15].forEach((word, i) => out.writeUInt32LE(s[word]!, 4 * i));
  return out;
}

/** The key and 12-byte nonce handed to Node's AEAD for fragment `sequence`. */
function aeadKeyAndNonce(p: SioParameters, sequence: number): { key: Uint8Array; nonce: Buffer } {
  const full = Buffer.alloc(p.nonce.length + 4);
  full.set(p.nonce, 0);
  full.writeUInt32LE(sequence, p.nonce.length);
  if (p.algorithm !== 'XChaCha20-Poly1305') return { key: p.key, nonce: full };
  // XChaCha20-Poly1305 = ChaCha20-Poly1305 under HChaCha20(key, nonce[0:16]) with nonce 0^4 | nonce[16:24]
  return { key: hchacha20(p.key, full.subarray(0, 16)), nonce: Buffer.concat([Buffer.alloc(4), full.subarray(16)]) };
}

function seal(p: SioParameters, sequence: number, plaintext: Uint8Array, associatedData: Uint8Array): Buffer {
  const spec = CIPHERS[p.algorithm];
  const { key, nonce } = aeadKeyAndNonce(p, sequence);
  // Two identical-looking calls so TypeScript picks the GCM or the ChaCha20 overload.
  const cipher =
    spec.name === 'chacha20-poly1305'
      ? createCipheriv(spec.name, key, nonce, { authTagLength: TAG_SIZE })
      : createCipheriv(spec.name, key, nonce, { authTagLength: TAG_SIZE });
  cipher.setAAD(associatedData, { plaintextLength: plaintext.length });
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([body, cipher.getAuthTag()]);
}

/** undefined when the sealed fragment does not authenticate */
function open(p: SioParameters, sequence: number, sealed: Uint8Array, associatedData: Uint8Array): Buffer | undefined {
  const spec = CIPHERS[p.algorithm];
  const body = sealed.subarray(0, sealed.length - TAG_SIZE);
  const tag = sealed.subarray(sealed.length - TAG_SIZE);
  const { key, nonce } = aeadKeyAndNonce(p, sequence);
  const decipher =
    spec.name === 'chacha20-poly1305'
      ? createDecipheriv(spec.name, key, nonce, { authTagLength: TAG_SIZE })
      : createDecipheriv(spec.name, key, nonce, { authTagLength: TAG_SIZE });
  decipher.setAAD(associatedData, { plaintextLength: body.length });
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(body), decipher.final()]);
  } catch {
    return undefined;
  }
}

/** `flag | T`, T sealing an empty plaintext with sequence number 0 and the caller's data */
function fragmentAssociatedData(p: SioParameters, flag: number): Buffer {
  const tag = seal(p, 0, new Uint8Array(0), p.associatedData ?? new Uint8Array(0));
  return Buffer.concat([Buffer.of(flag), tag]);
}

/** Encrypts `plaintext` as one sio stream: every full fragment but the last, then a final one. */
export function sioEncrypt(p: SioParameters, plaintext: Uint8Array): Uint8Array {
  const { fragmentSize } = checkParameters(p);
  const more = fragmentAssociatedData(p, FLAG_MORE);
  const final = fragmentAssociatedData(p, FLAG_FINAL);
  const parts: Buffer[] = [];
  let offset = 0;
  let sequence = 1;
  // sio-go's writer seals a full buffer as non-final only once more data follows, so a
  // plaintext of exactly N fragments ends with a full final fragment, and an empty one is a
  // final fragment of just a tag.
  while (plaintext.length - offset > fragmentSize) {
    parts.push(seal(p, sequence, plaintext.subarray(offset, offset + fragmentSize), more));
    offset += fragmentSize;
    sequence += 1;
  }
  parts.push(seal(p, sequence, plaintext.subarray(offset), final));
  return new Uint8Array(Buffer.concat(parts));
}

/**
 * Decrypts a whole sio stream. Like sio-go's reader, a chunk of `fragmentSize + 16` bytes that is
 * followed by more bytes is a non-final fragment, and whatever is left at the end must open as
 * the final fragment: a stream that stops after a non-final fragment, or carries trailing bytes,
 * fails. Throws `SioNotAuthenticError`.
 */
export function sioDecrypt(p: SioParameters, ciphertext: Uint8Array): Uint8Array {
  const { fragmentSize } = checkParameters(p);
  const sealedSize = fragmentSize + TAG_SIZE;
  const more = fragmentAssociatedData(p, FLAG_MORE);
  const final = fragmentAssociatedData(p, FLAG_FINAL);
  const parts: Buffer[] = [];
  let offset = 0;
  let sequence = 1;
  while (ciphertext.length - offset > sealedSize) {
    const plain = open(p, sequence, ciphertext.subarray(offset, offset + sealedSize), more);
    if (plain === undefined) throw new SioNotAuthenticError('sio: data is not authentic');
    parts.push(plain);
    offset += sealedSize;
    sequence += 1;
  }
  const rest = ciphertext.subarray(offset);
  if (rest.length < TAG_SIZE) throw new SioNotAuthenticError('sio: data is not authentic (stream too short)');
  const last = open(p, sequence, rest, final);
  if (last === undefined) {
    const endsWithoutFinal = open(p, sequence, rest, more) !== undefined;
    throw new SioNotAuthenticError(
      endsWithoutFinal ? 'sio: data is not authentic (the stream ends without its final fragment)' : 'sio: data is not authentic',
    );
  }
  parts.push(last);
  return new Uint8Array(Buffer.concat(parts));
}
