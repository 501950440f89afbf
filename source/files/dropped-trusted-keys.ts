/**
 * Which signing keys a machine stops trusting when a NixOS module or nix.conf snippet is
 * replaced: the public keys (`NAME:BASE64` of 32 bytes, as `trusted-public-keys` lists them) in
 * the file on disk that the new content no longer names. A machine rebuilt with it refuses every
 * path signed only by those keys, so the review says so as a removal (SPEC 8), not as an update.
 */
const PUBLIC_KEY = /[A-Za-z0-9][A-Za-z0-9._-]*:[A-Za-z0-9+/]{43}=/g;

export function droppedTrustedKeys(before: string | null, after: string): string[] {
  if (before === null) return [];
  const kept = new Set(after.match(PUBLIC_KEY) ?? []);
  return [...new Set(before.match(PUBLIC_KEY) ?? [])].filter((key) => !kept.has(key));
}

/** The review's words for such a removal, or undefined when nothing is dropped. */
export function trustRemoval(before: string | null, after: string): string | undefined {
  const dropped = droppedTrustedKeys(before, after);
  if (dropped.length === 0) return undefined;
  const names = dropped.map((key) => key.slice(0, key.indexOf(':'))).join(', ');
  return `trust in the signing key${dropped.length === 1 ? '' : 's'} ${names}: a machine rebuilt with it refuses every path signed only by ${dropped.length === 1 ? 'that key' : 'them'}`;
}
