/**
 * The text a narinfo signature signs (Nix's ValidPathInfo::fingerprint, notes/nix.md):
 * `1;<store path>;<narHash>;<narSize>;<references>`, the references being full store paths,
 * sorted and comma-joined; no references leaves a trailing `;`.
 */

export interface FingerprintFields {
  readonly storePath: string;
  /** `sha256:<nix base32>` */
  readonly narHash: string;
  readonly narSize: number;
  /** base names as a narinfo lists them, or full store paths as `nix path-info --json` does */
  readonly references: readonly string[];
}

export function narinfoFingerprint(info: FingerprintFields): string {
  // narinfo References holds base names; the fingerprint holds full paths in the path's own store.
  const storeDir = info.storePath.slice(0, info.storePath.lastIndexOf('/'));
  const references = info.references.map((ref) => (ref.startsWith('/') ? ref : `${storeDir}/${ref}`));
  // Nix keeps references in a std::set ordered by base name; in one store directory that is the
  // order of the full paths. Store paths are ASCII, so code-unit order is Nix's byte order.
  references.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return `1;${info.storePath};${info.narHash};${info.narSize};${references.join(',')}`;
}
