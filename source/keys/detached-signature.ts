/**
 * Nix's detached signatures, `NAME:BASE64(64-byte Ed25519 signature)` (signDetached and
 * verifyDetached in Nix's crypto.cc): what narinfo `Sig:` lines hold.
 */
import { ed } from './ed25519';
import type { NixPublicKey } from './nix-public-key';
import type { NixSecretKey } from './nix-secret-key';

const SIGNATURE_BYTES = 64;

/** Signs `message` with `key`: `NAME:BASE64(signature)`. */
export function signDetached(key: NixSecretKey, message: string): string {
  return `${key.name}:${Buffer.from(key.sign(message)).toString('base64')}`;
}

/**
 * Whether `signature` (`NAME:BASE64(sig)`) is a valid signature of `message` by `publicKey`.
 * A signature by a key of another name is not checked, as in Nix, and malformed text is simply
 * not valid.
 */
export function verifyDetached(signature: string, message: string, publicKey: NixPublicKey): boolean {
  const colon = signature.indexOf(':');
  if (colon <= 0 || signature.slice(0, colon) !== publicKey.name) return false;
  const encoded = signature.slice(colon + 1);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(encoded)) return false;
  const sig = new Uint8Array(Buffer.from(encoded, 'base64'));
  if (sig.length !== SIGNATURE_BYTES || publicKey.bytes.length !== 32) return false;
  try {
    // zip215: false follows RFC 8032's stricter rules, closer to libsodium (what Nix uses), so we
    // never call valid a signature that Nix would refuse.
    return ed.verify(sig, new TextEncoder().encode(message), publicKey.bytes, { zip215: false });
  } catch {
    // a public key that is not a curve point
    return false;
  }
}
