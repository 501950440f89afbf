/**
 * Signing and checking narinfo signatures: a detached signature of the narinfo fingerprint.
 */
import { signDetached, verifyDetached } from './detached-signature';
import { narinfoFingerprint, type FingerprintFields } from './narinfo-fingerprint';
import type { NixPublicKey } from './nix-public-key';
import type { NixSecretKey } from './nix-secret-key';
import type { Narinfo } from './parse-narinfo';

/** The `Sig:` value `key` gives this path: `NAME:BASE64(signature)`, the same bytes Nix would. */
export function signNarinfo(key: NixSecretKey, info: FingerprintFields): string {
  return signDetached(key, narinfoFingerprint(info));
}

/** Whether one `Sig:` value is a valid signature of this path by `publicKey`. */
export function verifyNarinfoSignature(signature: string, info: FingerprintFields, publicKey: NixPublicKey): boolean {
  return verifyDetached(signature, narinfoFingerprint(info), publicKey);
}

/** Whether any of the narinfo's `Sig:` lines verifies with one of `publicKeys` (what Nix requires). */
export function narinfoHasValidSignature(narinfo: Narinfo, publicKeys: readonly NixPublicKey[]): boolean {
  const fingerprint = narinfoFingerprint(narinfo);
  return narinfo.sigs.some((sig) => publicKeys.some((key) => verifyDetached(sig, fingerprint, key)));
}
