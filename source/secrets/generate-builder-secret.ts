/**
 * The builder user's S3 secret key (SPEC 3), made the way `pwgen -c -n -y -s -B 32 1` makes a
 * password, with a smaller symbol set:
 * - `-s`: every character drawn independently and uniformly (here without modulo bias, see
 *   draw-uniform-characters.ts) rather than pwgen's pronounceable mode;
 * - `-B`: no characters that are easily confused (AMBIGUOUS_CHARACTERS);
 * - `-c -n -y`: at least one capital, one digit and one symbol. Like pwgen (pw_rand.c, `goto
 *   try_again`), a draw that misses a class is thrown away whole and drawn again. Patching a
 *   character into a missing class instead would favour that class at some position, and would
 *   make digits (only 4 of them) predictable; regenerating keeps every valid secret equally likely;
 * - symbols only from SECRET_SYMBOLS, the ones that survive every file and command the secret is
 *   written into (see secret-alphabet.ts). Lowercase letters are allowed but, as in pwgen, not
 *   required.
 */
import { AMBIGUOUS_CHARACTERS, SECRET_SYMBOLS } from './secret-alphabet';
import { drawUniformCharacters } from './draw-uniform-characters';

function withoutAmbiguous(characters: string): string {
  return [...characters].filter((ch) => !AMBIGUOUS_CHARACTERS.includes(ch)).join('');
}

/** The character classes of a builder secret, ambiguous characters removed. */
export const BUILDER_SECRET_CLASSES = {
  capitals: withoutAmbiguous('ABCDEFGHIJKLMNOPQRSTUVWXYZ'),
  lowercase: withoutAmbiguous('abcdefghijklmnopqrstuvwxyz'),
  digits: withoutAmbiguous('0123456789'),
  symbols: withoutAmbiguous(SECRET_SYMBOLS),
} as const;

/** The classes a builder secret must contain at least one character of. */
export const REQUIRED_BUILDER_SECRET_CLASSES = ['capitals', 'digits', 'symbols'] as const;

/** Every character a generated builder secret is drawn from (53 of them), each equally likely. */
export const BUILDER_SECRET_ALPHABET =
  BUILDER_SECRET_CLASSES.capitals + BUILDER_SECRET_CLASSES.lowercase + BUILDER_SECRET_CLASSES.digits + BUILDER_SECRET_CLASSES.symbols;

export const DEFAULT_BUILDER_SECRET_LENGTH = 32;

/**
 * A draw of 32 has all classes 9 times in 10; even a draw of 3 does about once in 60. Ten
 * thousand misses in a row means the random source is stuck, not unlucky.
 */
const MAX_ATTEMPTS = 10_000;

function hasEveryRequiredClass(secret: string): boolean {
  return REQUIRED_BUILDER_SECRET_CLASSES.every((cls) => [...secret].some((ch) => BUILDER_SECRET_CLASSES[cls].includes(ch)));
}

/**
 * A new builder secret of `length` characters (8..40 are what S3 stores accept; SPEC 2).
 * `randomBytes` must be a cryptographic source (Effects.randomBytes).
 */
export function generateBuilderSecret(randomBytes: (n: number) => Uint8Array, length = DEFAULT_BUILDER_SECRET_LENGTH): string {
  if (!Number.isInteger(length) || length < REQUIRED_BUILDER_SECRET_CLASSES.length) {
    throw new RangeError(`a builder secret needs at least ${REQUIRED_BUILDER_SECRET_CLASSES.length} characters (one per required class), not ${length}`);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const secret = drawUniformCharacters(randomBytes, BUILDER_SECRET_ALPHABET, length);
    if (hasEveryRequiredClass(secret)) return secret;
  }
  throw new Error('could not draw a builder secret with a capital, a digit and a symbol; the random source looks broken');
}
