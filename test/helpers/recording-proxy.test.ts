/** The latency proxy's measures (issue 12): rounds are requests sent one after another. */
import { describe, expect, it } from 'vitest';
import { busyTime, longestChain, startRecordingProxy } from './recording-proxy';

describe('the recording proxy', () => {
  it('counts requests in flight together as one round, and requests after each other as more', () => {
    const together = [
      { start: 0, end: 100 },
      { start: 1, end: 102 },
      { start: 2, end: 101 },
    ];
    expect(longestChain(together)).toBe(1);
    expect(longestChain([...together, { start: 150, end: 250 }, { start: 260, end: 360 }])).toBe(3);
    expect(busyTime([...together, { start: 150, end: 250 }])).toBe(202);
  });

  it('refuses a delay outside its bounds', async () => {
    await expect(startRecordingProxy('http://127.0.0.1:9', { delayMs: 60_000 })).rejects.toThrow(/between 0 and 2000/);
    await expect(startRecordingProxy('http://127.0.0.1:9', { delayMs: -1 })).rejects.toThrow(RangeError);
  });
});
