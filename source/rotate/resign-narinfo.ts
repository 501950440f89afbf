/**
 * What re-signing does to one narinfo (SPEC 8): a narinfo that carries a valid signature by an old
 * key gets a `Sig:` line by the new key, right after its last `Sig:` line, every other byte kept
 * (Nix reads several Sig lines and trusts a path when any one verifies). Never a path the old key
 * did not sign: a narinfo whose old-key signature does not verify (tampered with, or a NarHash
 * that no longer matches what was signed) is left alone, and so is one signed by other keys only.
 */
import { narinfoFingerprint } from '../keys/narinfo-fingerprint';
import type { NativeSigner, NativeVerifier } from '../keys/native-ed25519';
import { parseNarinfo } from '../keys/parse-narinfo';

export type NarinfoVerdict =
  /** signed by an old key and not yet by the new one: `text` has the new Sig line added */
  | { readonly kind: 'sign'; readonly text: string }
  /** already carries a valid signature by the new key */
  | { readonly kind: 'already' }
  /** carries a signature in an old key's name that does not verify */
  | { readonly kind: 'tampered' }
  /** signed by none of the old keys (unsigned, or by other keys only) */
  | { readonly kind: 'not-old' }
  /** not a narinfo the wizard can read */
  | { readonly kind: 'unparsable' };

export function resignNarinfo(text: string, oldKeys: readonly NativeVerifier[], newKey: NativeSigner & NativeVerifier): NarinfoVerdict {
  let fingerprint: string;
  let sigs: readonly string[];
  try {
    const narinfo = parseNarinfo(text, 'narinfo');
    fingerprint = narinfoFingerprint(narinfo);
    sigs = narinfo.sigs;
  } catch {
    return { kind: 'unparsable' };
  }
  if (sigs.some((sig) => newKey.verify(sig, fingerprint))) return { kind: 'already' };
  if (!sigs.some((sig) => oldKeys.some((key) => key.verify(sig, fingerprint)))) {
    return sigs.some((sig) => oldKeys.some((key) => sig.startsWith(`${key.name}:`))) ? { kind: 'tampered' } : { kind: 'not-old' };
  }
  let end = -1;
  for (const match of text.matchAll(/^Sig:[^\n]*/gm)) end = match.index + match[0].length;
  return { kind: 'sign', text: `${text.slice(0, end)}\nSig: ${newKey.sign(fingerprint)}${text.slice(end)}` };
}
