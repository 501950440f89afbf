/**
 * Which keys vouch for a narinfo: a client accepts a path when any one `Sig:` line verifies with a
 * key it trusts (notes/cache-contents.md). Checked with Node's native Ed25519 (keys/native-ed25519.ts),
 * one fingerprint per narinfo, however many keys and signatures.
 */
import { narinfoFingerprint } from '../keys/narinfo-fingerprint';
import type { NativeVerifier } from '../keys/native-ed25519';
import type { Narinfo } from '../keys/parse-narinfo';

export interface TrustVerdict {
  /** names of the trusted keys one of its signatures verifies with */
  readonly verifiedBy: readonly string[];
  /** names on its signatures that are no trusted key's name (an old key, another cache's key) */
  readonly untrustedSigners: readonly string[];
  /** names of trusted keys whose signature it carries but which does not verify (changed after signing) */
  readonly badSignatures: readonly string[];
}

export function narinfoTrust(narinfo: Narinfo, trusted: readonly NativeVerifier[]): TrustVerdict {
  const fingerprint = narinfoFingerprint(narinfo);
  const verifiedBy = new Set<string>();
  const untrustedSigners = new Set<string>();
  const badSignatures = new Set<string>();
  for (const sig of narinfo.sigs) {
    const colon = sig.indexOf(':');
    const name = colon === -1 ? sig : sig.slice(0, colon);
    const keys = trusted.filter((key) => key.name === name);
    if (keys.length === 0) untrustedSigners.add(name);
    else if (keys.some((key) => key.verify(sig, fingerprint))) verifiedBy.add(name);
    else badSignatures.add(name);
  }
  return { verifiedBy: [...verifiedBy], untrustedSigners: [...untrustedSigners], badSignatures: [...badSignatures].filter((name) => !verifiedBy.has(name)) };
}
