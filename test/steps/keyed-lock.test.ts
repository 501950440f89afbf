/** Writes a server cannot take together go one at a time per key; other keys do not wait. */
import { describe, expect, it } from 'vitest';
import { createKeyedLock } from '../../source/steps/keyed-lock';

const tick = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a keyed lock', () => {
  it('runs work under one key one at a time, in the order asked, even after a failure', async () => {
    const lock = createKeyedLock();
    const log: string[] = [];
    const work = (name: string, fail = false) => async () => {
      log.push(`start ${name}`);
      await tick(5);
      log.push(`end ${name}`);
      if (fail) throw new Error(name);
      return name;
    };
    const results = await Promise.allSettled([lock('s3 b', work('policy', true)), lock('s3 b', work('lifecycle')), lock('s3 other', work('other'))]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(log.indexOf('start lifecycle')).toBeGreaterThan(log.indexOf('end policy'));
    expect(log.indexOf('start other')).toBeLessThan(log.indexOf('end policy'));
  });
});
