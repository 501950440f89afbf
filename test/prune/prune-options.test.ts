import { describe, expect, it } from 'vitest';
import { keepDaysOf, parseKeepDays, pruneMinAge as parseMinAge } from '../../source/prune/prune-options';

describe("prune's flags", () => {
  it('takes --min-age as 0 or a whole number with a unit, 1h when not given', () => {
    expect(parseMinAge(undefined)).toBe(3_600_000);
    expect(parseMinAge('0')).toBe(0);
    expect(parseMinAge('90m')).toBe(90 * 60_000);
    expect(parseMinAge('2d')).toBe(2 * 86_400_000);
    expect(parseMinAge('45s')).toBe(45_000);
  });

  it('refuses a --min-age without a unit, negative or fractional, naming the flag and the rule', () => {
    for (const bad of ['5', '-1h', '1.5h', '1w', 'soon', '']) {
      expect(() => parseMinAge(bad)).toThrow(/--min-age .*: give 0 or a whole number with a unit, s, m, h or d/);
    }
  });

  it('takes --keep-days as a whole number, 0 included, and refuses anything else', () => {
    expect(parseKeepDays(undefined)).toBeUndefined();
    expect(parseKeepDays('0')).toBe(0);
    expect(parseKeepDays('30')).toBe(30);
    for (const bad of ['-1', '1.5', 'ninety', '']) expect(() => parseKeepDays(bad)).toThrow(/--keep-days .*whole number of days/);
  });

  it('keeps for the expiry answer when --keep-days is not given, else 90 days', () => {
    expect(keepDaysOf(undefined, 30)).toBe(30);
    expect(keepDaysOf(undefined, null)).toBe(90);
    expect(keepDaysOf(0, 30)).toBe(0);
  });
});
