/**
 * Draws characters uniformly from an alphabet of at most 256 characters, one random byte each.
 *
 * `byte % alphabet.length` alone would be biased: 256 is not a multiple of most alphabet sizes,
 * so with 53 characters the first 44 would come up 5 times in 256 and the other 9 only 4 times.
 * Rejection sampling keeps only bytes below the largest multiple of the alphabet size (212 for
 * 53) and throws the rest away, so every character is backed by exactly the same number of byte
 * values.
 */

/** After this many requests in a row that yield no usable byte, the random source is broken. */
const MAX_FRUITLESS_REQUESTS = 100;

/**
 * `count` characters, each drawn independently and uniformly from `alphabet`. Asks `randomBytes`
 * for exactly as many bytes as characters are still missing, so a source that never yields a
 * rejected byte is consumed one byte per character, in order.
 */
export function drawUniformCharacters(randomBytes: (n: number) => Uint8Array, alphabet: string, count: number): string {
  const size = alphabet.length;
  if (size < 1 || size > 256) throw new RangeError(`alphabet must hold 1 to 256 characters, not ${size}`);
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`character count must be a whole number, not ${count}`);
  // The largest multiple of `size` that fits in a byte's 256 values; bytes at or above it are rejected.
  const limit = 256 - (256 % size);
  let drawn = '';
  let fruitless = 0;
  while (drawn.length < count) {
    const bytes = randomBytes(count - drawn.length);
    let used = 0;
    for (const byte of bytes) {
      if (drawn.length === count) break;
      if (byte >= limit) continue;
      drawn += alphabet[byte % size];
      used++;
    }
    fruitless = used === 0 ? fruitless + 1 : 0;
    // With a working source a byte is rejected with probability at most 127/256, so 100 fruitless
    // requests in a row happen with probability below 1e-30: the source is stuck (e.g. all 0xff).
    if (fruitless >= MAX_FRUITLESS_REQUESTS) throw new Error('the random source keeps returning unusable bytes; it looks broken');
  }
  return drawn;
}
