/**
 * A Nix public signing key: `NAME:BASE64(32 bytes)`, what `trusted-public-keys` lists and what
 * `nix key convert-secret-to-public` prints (notes/nix.md).
 */
import { formatNamedKeyText, parseNamedKeyText } from './named-key-text';

export interface NixPublicKey {
  readonly name: string;
  /** the 32-byte Ed25519 public key */
  readonly bytes: Uint8Array;
}

/** Parses public key text (a trailing newline is allowed); throws KeyFileError naming `path`. */
export function parseNixPublicKey(text: string, path: string): NixPublicKey {
  return parseNamedKeyText(text, 'public key', path);
}

/** `NAME:BASE64(public32)`, no trailing newline, byte for byte what Nix writes. */
export function formatNixPublicKey(key: NixPublicKey): string {
  return formatNamedKeyText(key.name, key.bytes);
}
