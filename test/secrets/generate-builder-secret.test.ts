import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { drawUniformCharacters } from '../../source/secrets/draw-uniform-characters';
import {
  BUILDER_SECRET_ALPHABET,
  BUILDER_SECRET_CLASSES,
  REQUIRED_BUILDER_SECRET_CLASSES,
  generateBuilderSecret,
} from '../../source/secrets/generate-builder-secret';
import { AMBIGUOUS_CHARACTERS, SECRET_SYMBOLS, findUnsafeSecretCharacter } from '../../source/secrets/secret-alphabet';
import { repeatingRandomBytes, scriptedRandomBytes } from './scripted-random-bytes';

const realRandomBytes = (n: number): Uint8Array => new Uint8Array(cryptoRandomBytes(n));

type ClassName = keyof typeof BUILDER_SECRET_CLASSES;
const CLASS_NAMES = Object.keys(BUILDER_SECRET_CLASSES) as ClassName[];

function classOf(ch: string): ClassName {
  const found = CLASS_NAMES.find((name) => BUILDER_SECRET_CLASSES[name].includes(ch));
  if (!found) throw new Error(`${ch} is in no class`);
  return found;
}

/** The byte that makes drawUniformCharacters pick `ch` from the builder alphabet. */
function byteFor(ch: string): number {
  const index = BUILDER_SECRET_ALPHABET.indexOf(ch);
  if (index < 0) throw new Error(`${ch} is not in the alphabet`);
  return index;
}

/**
 * The exact probability of each character at any one position of a secret of `length`, when every
 * secret holding all required classes is equally likely (what "draw uniformly, redraw the whole
 * secret until every class is there" gives). Inclusion-exclusion over the missing classes.
 * It is not 1/53: a secret must hold a digit and there are only 4, so digits come up more often.
 */
function expectedCharacterProbabilities(length: number): Map<string, number> {
  const n = BUILDER_SECRET_ALPHABET.length;
  const required = REQUIRED_BUILDER_SECRET_CLASSES;
  const subsets: ClassName[][] = [];
  for (let mask = 0; mask < 1 << required.length; mask++) subsets.push(required.filter((_, i) => mask & (1 << i)));
  const size = (subset: readonly ClassName[]): number => subset.reduce((sum, name) => sum + BUILDER_SECRET_CLASSES[name].length, 0);
  // P(a uniform draw of `length` holds every required class)
  const pValid = subsets.reduce((sum, t) => sum + (-1) ** t.length * ((n - size(t)) / n) ** length, 0);
  const probabilities = new Map<string, number>();
  for (const ch of BUILDER_SECRET_ALPHABET) {
    const cls = classOf(ch);
    // P(first character is ch and the rest completes every required class)
    const pThisFirst = subsets
      .filter((t) => !t.includes(cls))
      .reduce((sum, t) => sum + (-1) ** t.length * ((n - size(t)) / n) ** (length - 1), 0) / n;
    probabilities.set(ch, pThisFirst / pValid);
  }
  return probabilities;
}

/** Pearson's chi-square of character counts in `secrets` against `probabilities`. */
function chiSquare(secrets: readonly string[], probabilities: ReadonlyMap<string, number>): number {
  const counts = new Map<string, number>();
  let total = 0;
  for (const secret of secrets) {
    for (const ch of secret) {
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
      total++;
    }
  }
  let statistic = 0;
  for (const [ch, p] of probabilities) {
    const expected = total * p;
    statistic += ((counts.get(ch) ?? 0) - expected) ** 2 / expected;
  }
  return statistic;
}

/**
 * The chi-square value with 52 degrees of freedom (53 characters) that a fair generator exceeds
 * with probability 1e-9 is 138.0 (scipy.stats.chi2.isf(1e-9, 52)). The characters of one secret
 * are slightly negatively correlated (a secret cannot lack a digit), which only makes the
 * statistic smaller. So this bound does not depend on the seed and will not flake, while a
 * modulo bias (5/256 against 4/256) scores in the thousands.
 */
const CHI_SQUARE_BOUND = 140;
const SECRETS_DRAWN = 20_000;

describe('generating the builder secret', () => {
  it('makes 32-character secrets with at least one capital, one digit and one symbol', () => {
    for (let i = 0; i < 2_000; i++) {
      const secret = generateBuilderSecret(realRandomBytes);
      expect(secret).toHaveLength(32);
      expect(secret).toMatch(/[A-Z]/);
      expect(secret).toMatch(/[0-9]/);
      expect([...secret].some((ch) => SECRET_SYMBOLS.includes(ch))).toBe(true);
    }
  });

  it('only uses characters that survive every file and command, and never an ambiguous one', () => {
    // The alphabet: letters and digits without the ambiguous ones, and exactly the safe symbols
    expect(new Set(BUILDER_SECRET_ALPHABET).size).toBe(BUILDER_SECRET_ALPHABET.length);
    expect(BUILDER_SECRET_CLASSES.capitals).toBe('ACEFHJKLMNPRTUVWXY');
    expect(BUILDER_SECRET_CLASSES.lowercase).toBe('abcdefghijkmnopqrstuvwxyz');
    expect(BUILDER_SECRET_CLASSES.digits).toBe('3479');
    expect(BUILDER_SECRET_CLASSES.symbols).toBe(SECRET_SYMBOLS);
    expect(findUnsafeSecretCharacter(BUILDER_SECRET_ALPHABET)).toBeUndefined();
    for (const ch of AMBIGUOUS_CHARACTERS) expect(BUILDER_SECRET_ALPHABET).not.toContain(ch);
    // and what comes out stays inside it
    for (let i = 0; i < 2_000; i++) {
      for (const ch of generateBuilderSecret(realRandomBytes)) expect(BUILDER_SECRET_ALPHABET).toContain(ch);
    }
  });

  it('gives every allowed character its expected frequency over many secrets', () => {
    const probabilities = expectedCharacterProbabilities(32);
    // the model is a distribution, and digits are indeed more frequent than 1/53
    expect([...probabilities.values()].reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
    expect(probabilities.get('3')).toBeGreaterThan(1.05 / 53);
    const secrets = Array.from({ length: SECRETS_DRAWN }, () => generateBuilderSecret(realRandomBytes));
    expect(chiSquare(secrets, probabilities)).toBeLessThan(CHI_SQUARE_BOUND);
  });

  it('has a frequency check sharp enough to catch a modulo-biased generator', () => {
    // Given the same generator with `byte % 53` in place of rejection sampling
    const moduloBiased = (): string => {
      for (;;) {
        const secret = [...realRandomBytes(32)].map((b) => BUILDER_SECRET_ALPHABET[b % 53]).join('');
        if (REQUIRED_BUILDER_SECRET_CLASSES.every((cls) => [...secret].some((ch) => BUILDER_SECRET_CLASSES[cls].includes(ch)))) return secret;
      }
    };
    const secrets = Array.from({ length: SECRETS_DRAWN }, moduloBiased);
    // Then the same check fails it by far
    expect(chiSquare(secrets, expectedCharacterProbabilities(32))).toBeGreaterThan(10 * CHI_SQUARE_BOUND);
  });

  it('throws a draw that lacks a digit away whole and draws again, as pwgen does, rather than patching it', () => {
    // Given a first draw with capitals and symbols but no digit, then a complete one
    const first = 'ACEF+,-.=_abcdefghijkmnopqrstuvw';
    const second = 'Tk3+xyzabcdefghijkmnopqrstuvwxyz';
    expect(first).toHaveLength(32);
    expect(second).toHaveLength(32);
    const source = scriptedRandomBytes([...first, ...second].map(byteFor));
    // Then the secret is the second draw, unchanged, and no byte was left over or reused
    expect(generateBuilderSecret(source)).toBe(second);
    expect(source.consumed).toBe(64);
  });

  it('draws the secret from the random source without modulo bias: unusable bytes are skipped', () => {
    const wanted = 'Tk3+xyzabcdefghijkmnopqrstuvwxyz';
    // 212..255 would map onto the first 44 characters with a plain modulo; they must be skipped
    const source = scriptedRandomBytes([212, 255, ...[...wanted].map(byteFor)]);
    expect(generateBuilderSecret(source)).toBe(wanted);
    expect(source.consumed).toBe(34);
    // and the same bytes through the shared sampler give the same characters
    expect(drawUniformCharacters(scriptedRandomBytes([230, byteFor('T')]), BUILDER_SECRET_ALPHABET, 1)).toBe('T');
  });

  it('can make secrets of another length, still with every required class', () => {
    for (const length of [3, 8, 40]) {
      const secret = generateBuilderSecret(realRandomBytes, length);
      expect(secret).toHaveLength(length);
      for (const cls of REQUIRED_BUILDER_SECRET_CLASSES) expect([...secret].some((ch) => BUILDER_SECRET_CLASSES[cls].includes(ch))).toBe(true);
    }
    expect(() => generateBuilderSecret(realRandomBytes, 2)).toThrow(RangeError);
    expect(() => generateBuilderSecret(realRandomBytes, 8.5)).toThrow(RangeError);
  });

  it('reports a random source that can never give every class instead of looping forever', () => {
    // all zero bytes: always the first capital, never a digit or a symbol
    expect(() => generateBuilderSecret(repeatingRandomBytes([0]))).toThrow(/random source looks broken/);
  });
});
