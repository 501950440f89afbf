/**
 * Nix's base-32 text of a hash (printHash32 in libutil/hash.cc): its own alphabet (no e, o, t, u)
 * and the bytes read from the end, 5 bits at a time, so a sha256 is 52 characters. FileHash and
 * NarHash in a narinfo are written this way (`sha256:<52 characters>`).
 */
export const NIX_BASE32_ALPHABET = '0123456789abcdfghijklmnpqrsvwxyz';

export function nixBase32(hash: Uint8Array): string {
  const length = Math.floor((hash.length * 8 - 1) / 5) + 1;
  let out = '';
  for (let n = length - 1; n >= 0; n--) {
    const bit = n * 5;
    const i = Math.floor(bit / 8);
    const j = bit % 8;
    const c = (hash[i]! >> j) | (i >= hash.length - 1 ? 0 : hash[i + 1]! << (8 - j));
    out += NIX_BASE32_ALPHABET[c & 0x1f];
  }
  return out;
}
