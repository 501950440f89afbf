/**
 * Reads the fields of a `<hash>.narinfo` that signatures cover (notes/nix.md): StorePath,
 * NarHash, NarSize, References (base names, space separated, possibly empty) and every Sig line.
 * Other fields (URL, Compression, FileHash, Deriver, …) are kept in `fields` but not checked.
 */
import { FileParseError } from '../errors';

export interface Narinfo {
  /** full store path, e.g. `/nix/store/<hash>-name` */
  readonly storePath: string;
  /** `sha256:<nix base32>`, as Nix writes it */
  readonly narHash: string;
  readonly narSize: number;
  /** base names (`<hash>-name`), as listed; may include the path itself */
  readonly references: readonly string[];
  /** every `Sig:` value, `NAME:BASE64(signature)` */
  readonly sigs: readonly string[];
  /** every line's value by its key; the last one wins for repeated keys other than Sig */
  readonly fields: ReadonlyMap<string, string>;
}

/** Nix's base32 alphabet: digits and lowercase letters without e, o, t, u. */
const NIX_BASE32 = '[0-9a-df-np-sv-z]';
const STORE_PATH_BASE_NAME = new RegExp(`^${NIX_BASE32}{32}-[A-Za-z0-9+\\-._?=]+$`);
const STORE_PATH = new RegExp(`^/(?:[^/]+/)*${NIX_BASE32}{32}-[A-Za-z0-9+\\-._?=]+$`);
const SHA256_NIX_BASE32 = new RegExp(`^sha256:${NIX_BASE32}{52}$`);

/** Parses narinfo text; throws FileParseError naming `source` (a URL or file) and the line. */
export function parseNarinfo(text: string, source: string): Narinfo {
  const fail = (reason: string): never => {
    throw new FileParseError(`${source} is not a valid narinfo: ${reason}.`, source);
  };
  const fields = new Map<string, string>();
  const sigs: string[] = [];
  for (const [index, line] of text.split('\n').entries()) {
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon <= 0) fail(`line ${index + 1} is not "Key: value"`);
    const key = line.slice(0, colon);
    // Nix skips the colon and the one space after it; `References: ` with nothing after is usual.
    const value = line.slice(colon + 1).replace(/^ /, '');
    if (key === 'Sig') sigs.push(value);
    else fields.set(key, value);
  }
  const required = (key: string): string => fields.get(key) ?? fail(`it has no ${key} line`);

  const storePath = required('StorePath');
  if (!STORE_PATH.test(storePath)) fail('StorePath is not a store path (/nix/store/<32 base32 characters>-<name>)');
  const narHash = required('NarHash');
  if (!SHA256_NIX_BASE32.test(narHash)) fail('NarHash is not sha256:<52 Nix base32 characters>');
  const narSizeText = required('NarSize');
  const narSize = Number(narSizeText);
  // Nix refuses to compute the fingerprint of a path whose size is unknown (0).
  if (!/^[1-9][0-9]*$/.test(narSizeText) || !Number.isSafeInteger(narSize)) fail('NarSize is not a positive whole number');
  const references = (fields.get('References') ?? '').split(' ').filter((ref) => ref !== '');
  for (const ref of references) {
    if (!STORE_PATH_BASE_NAME.test(ref)) fail('References holds something that is not a store path base name');
  }
  return { storePath, narHash, narSize, references, sigs, fields };
}
