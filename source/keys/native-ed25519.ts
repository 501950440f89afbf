/**
 * Ed25519 through Node's own crypto (OpenSSL) for the re-signing loop, which checks and makes one
 * signature per narinfo over a whole cache: about 20-50× faster than the pure-JS @noble/ed25519
 * used everywhere else, whose speed does not matter for one key pair. Signatures are
 * deterministic (RFC 8032), so these are byte for byte the ones `signDetached` makes (tested).
 * OpenSSL's verify refuses non-canonical S like libsodium (what Nix uses); the few inputs where the
 * two libraries differ (small-order points) can only come from a chosen public key, and the keys
 * here are our own.
 */
import { createPrivateKey, createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { parseNamedKeyText } from './named-key-text';
import type { NixPublicKey } from './nix-public-key';

const base64url = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64url');

export interface NativeVerifier {
  readonly name: string;
  /** whether `signature` (`NAME:BASE64`) is this key's valid signature of `message` */
  verify(signature: string, message: string): boolean;
}

export interface NativeSigner {
  readonly name: string;
  /** `NAME:BASE64(signature)` of `message` */
  sign(message: string): string;
}

/** PKCS#8 for an Ed25519 private key (RFC 8410), up to the 32-byte seed that follows. */
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

/**
 * The public key of an Ed25519 seed. @noble/ed25519 builds a table of 4,224 points on its first
 * use (about 25 ms, on every setup's start); OpenSSL needs none.
 */
export function nativePublicKey(seed: Uint8Array): Uint8Array {
  const secret = createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, seed]), format: 'der', type: 'pkcs8' });
  const jwk = createPublicKey(secret).export({ format: 'jwk' });
  return new Uint8Array(Buffer.from(jwk.x ?? '', 'base64url'));
}

export function nativeVerifier(key: NixPublicKey): NativeVerifier {
  const object: KeyObject = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: base64url(key.bytes) }, format: 'jwk' });
  const prefix = `${key.name}:`;
  return {
    name: key.name,
    verify(signature, message) {
      if (!signature.startsWith(prefix)) return false;
      const encoded = signature.slice(prefix.length);
      if (!/^[A-Za-z0-9+/]{86}==$/.test(encoded)) return false;
      try {
        return verify(null, Buffer.from(message, 'utf8'), object, Buffer.from(encoded, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/** The part of a secret key (nix-secret-key.ts) a signer needs. */
export interface SigningKeyText {
  readonly name: string;
  secretKeyText(): string;
}

export function nativeSigner(key: SigningKeyText): NativeSigner {
  const { bytes } = parseNamedKeyText(key.secretKeyText(), 'secret key', 'the signing key');
  const object = createPrivateKey({
    key: { kty: 'OKP', crv: 'Ed25519', d: base64url(bytes.subarray(0, 32)), x: base64url(bytes.subarray(32)) },
    format: 'jwk',
  });
  return {
    name: key.name,
    sign: (message) => `${key.name}:${sign(null, Buffer.from(message, 'utf8'), object).toString('base64')}`,
  };
}
