import { describe, expect, it } from 'vitest';
import { drawUniformCharacters } from '../../source/secrets/draw-uniform-characters';
import { BUILDER_SECRET_ALPHABET } from '../../source/secrets/generate-builder-secret';
import { repeatingRandomBytes, scriptedRandomBytes } from './scripted-random-bytes';

const EVERY_BYTE_VALUE = Array.from({ length: 256 }, (_, i) => i);

function countCharacters(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const ch of text) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  return counts;
}

describe('drawing characters uniformly from random bytes', () => {
  it('backs every character of the 53-character alphabet by exactly the same number of byte values', () => {
    // Given a source that yields each of the 256 byte values once per round, ten rounds
    const alphabet = BUILDER_SECRET_ALPHABET;
    expect(alphabet).toHaveLength(53);
    const source = repeatingRandomBytes(EVERY_BYTE_VALUE);
    // When as many characters are drawn as ten rounds can give (212 usable bytes per round)
    const drawn = drawUniformCharacters(source, alphabet, 212 * 10);
    // Then every character came out exactly 4 times per round: no character is favoured
    const counts = countCharacters(drawn);
    expect(counts.size).toBe(53);
    for (const ch of alphabet) expect(counts.get(ch)).toBe(40);
    // and the 44 bytes per round at or above 212 were read but thrown away
    expect(source.consumed).toBe(256 * 10 - 44);
  });

  it('would be biased by a plain modulo, which is why bytes are rejected (the same bytes, counted with % 53)', () => {
    const counts = countCharacters(EVERY_BYTE_VALUE.map((b) => BUILDER_SECRET_ALPHABET[b % 53]).join(''));
    expect(counts.get(BUILDER_SECRET_ALPHABET[0] ?? '')).toBe(5);
    expect(counts.get(BUILDER_SECRET_ALPHABET[52] ?? '')).toBe(4);
  });

  it('skips bytes at or above the largest multiple of the alphabet size and uses the next one', () => {
    const source = scriptedRandomBytes([212, 255, 7]);
    expect(drawUniformCharacters(source, BUILDER_SECRET_ALPHABET, 1)).toBe(BUILDER_SECRET_ALPHABET[7]);
    expect(source.consumed).toBe(3);
    // 211 is the last usable byte: 211 % 53 = 52, the last character
    expect(drawUniformCharacters(scriptedRandomBytes([211]), BUILDER_SECRET_ALPHABET, 1)).toBe(BUILDER_SECRET_ALPHABET[52]);
  });

  it('uses one byte per character, in order, when none is rejected', () => {
    const source = scriptedRandomBytes([0, 1, 2, 53, 54]);
    expect(drawUniformCharacters(source, BUILDER_SECRET_ALPHABET, 5)).toBe(
      [0, 1, 2, 0, 1].map((i) => BUILDER_SECRET_ALPHABET[i]).join(''),
    );
    expect(source.consumed).toBe(5);
  });

  it('rejects nothing for an alphabet whose size divides 256', () => {
    const source = repeatingRandomBytes(EVERY_BYTE_VALUE);
    const drawn = drawUniformCharacters(source, '0123456789abcdef', 256);
    expect(source.consumed).toBe(256);
    for (const count of countCharacters(drawn).values()) expect(count).toBe(16);
  });

  it('reports a random source stuck on unusable bytes instead of waiting forever', () => {
    expect(() => drawUniformCharacters(repeatingRandomBytes([255]), BUILDER_SECRET_ALPHABET, 32)).toThrow(/random source .* looks broken/);
  });

  it('refuses an alphabet a byte cannot index', () => {
    expect(() => drawUniformCharacters(repeatingRandomBytes([0]), '', 1)).toThrow(RangeError);
    expect(() => drawUniformCharacters(repeatingRandomBytes([0]), 'x'.repeat(257), 1)).toThrow(RangeError);
  });
});
