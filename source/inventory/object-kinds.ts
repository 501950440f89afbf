/**
 * What each object of a binary cache bucket is, from its key alone (notes/cache-contents.md,
 * Objects): `<hash>.narinfo` and `<hash>.ls` live at the top, `<hash>` being the 32-character
 * Nix base-32 hash part of a store path; NARs under `nar/`, build logs under `log/`, CA
 * realisations under `realisations/`, debug-info links under `debuginfo/`.
 */
export type ObjectKind = 'narinfo' | 'nar' | 'ls' | 'log' | 'realisation' | 'debuginfo' | 'cache-info' | 'other';

/** Every kind, in the order a report lists them. */
export const OBJECT_KINDS: readonly ObjectKind[] = ['narinfo', 'nar', 'ls', 'log', 'realisation', 'debuginfo', 'cache-info', 'other'];

/** Nix's base-32 alphabet: digits and lowercase letters without e, o, t, u. */
const HASH = '[0-9a-df-np-sv-z]{32}';
const NARINFO_KEY = new RegExp(`^(${HASH})\\.narinfo$`);
const LS_KEY = new RegExp(`^(${HASH})\\.ls$`);

export function objectKind(key: string): ObjectKind {
  if (NARINFO_KEY.test(key)) return 'narinfo';
  if (LS_KEY.test(key)) return 'ls';
  if (key === 'nix-cache-info') return 'cache-info';
  if (key.startsWith('nar/')) return 'nar';
  if (key.startsWith('log/')) return 'log';
  if (key.startsWith('realisations/')) return 'realisation';
  if (key.startsWith('debuginfo/')) return 'debuginfo';
  return 'other';
}

/** The hash part of a `<hash>.narinfo` or `<hash>.ls` key; undefined for any other key. */
export function keyHash(key: string): string | undefined {
  return (NARINFO_KEY.exec(key) ?? LS_KEY.exec(key))?.[1];
}

/** The hash part of a store path or base name (`/nix/store/<hash>-name`, `<hash>-name`). */
export function storePathHash(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1).slice(0, 32);
}

/**
 * The extension Nix gives a NAR for each `Compression:` value (libstore binary-cache-store.cc:
 * xz .xz, bzip2 .bz2, zstd .zst, lzip .lzip, lz4 .lz4, br .br; none and gzip add nothing after `.nar`).
 */
const EXTENSIONS: readonly (readonly [string, string])[] = [
  ['.nar.xz', 'xz'],
  ['.nar.zst', 'zstd'],
  ['.nar.bz2', 'bzip2'],
  ['.nar.br', 'br'],
  ['.nar.lzip', 'lzip'],
  ['.nar.lz4', 'lz4'],
  ['.nar', 'none'],
];

/** The compression a NAR key's extension says ('xz', 'zstd', 'bzip2', 'br', 'lzip', 'lz4', 'none'); undefined when it is no NAR name. */
export function narCompression(key: string): string | undefined {
  for (const [extension, compression] of EXTENSIONS) if (key.endsWith(extension)) return compression;
  return undefined;
}

/** Whether a narinfo's `Compression:` value fits its URL's extension (gzip NARs carry a bare `.nar`). */
export function compressionMatches(compression: string, url: string): boolean {
  const fromKey = narCompression(url);
  if (fromKey === undefined) return false;
  return fromKey === compression || (fromKey === 'none' && compression === 'gzip');
}
