import { describe, expect, it } from 'vitest';
import { readAhead } from '../../source/prune/read-ahead';

async function* numbers(count: number, failAt?: number): AsyncGenerator<number> {
  for (let i = 0; i < count; i++) {
    if (i === failAt) throw new Error(`failed at ${i}`);
    await Promise.resolve();
    yield i;
  }
}

describe('reading a listing ahead', () => {
  it('yields every item in order', async () => {
    const got: number[] = [];
    for await (const n of readAhead(numbers(5000), 100)) got.push(n);
    expect(got).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it('never holds more than its limit ahead of the consumer', async () => {
    let produced = 0;
    async function* counted() {
      for (let i = 0; i < 1000; i++) {
        produced += 1;
        yield i;
      }
    }
    let maxAhead = 0;
    let consumed = 0;
    for await (const _ of readAhead(counted(), 10)) {
      consumed += 1;
      await new Promise((resolve) => setImmediate(resolve));
      maxAhead = Math.max(maxAhead, produced - consumed);
    }
    expect(consumed).toBe(1000);
    expect(maxAhead).toBeLessThanOrEqual(11);
  });

  it("passes the producer's error on after the items before it", async () => {
    const got: number[] = [];
    await expect(
      (async () => {
        for await (const n of readAhead(numbers(10, 7), 3)) got.push(n);
      })(),
    ).rejects.toThrow('failed at 7');
    expect(got).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });

  it('stops the producer when the consumer stops early', async () => {
    let finished = false;
    async function* endless() {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finished = true;
      }
    }
    for await (const n of readAhead(endless(), 5)) if (n === 3) break;
    expect(finished).toBe(true);
  });
});
