/** A run reads each document once (issue 12), and our own writes keep what it read true. */
import { describe, expect, it } from 'vitest';
import { createReadCache } from '../../source/steps/read-cache';

describe('the read cache of a run', () => {
  it('asks once for a key, however many steps read it, at the same time or later', async () => {
    const reads = createReadCache();
    let asked = 0;
    const fetch = async () => {
      asked++;
      return 'policy';
    };
    const [a, b] = await Promise.all([reads.read('s3 b policy', fetch), reads.read('s3 b policy', fetch)]);
    expect(await reads.read('s3 b policy', fetch)).toBe('policy');
    expect([a, b, asked]).toEqual(['policy', 'policy', 1]);
  });

  it('shares a failed read too (one missing bucket, one answer)', async () => {
    const reads = createReadCache();
    let asked = 0;
    const fetch = async () => {
      asked++;
      throw Object.assign(new Error('missing'), { code: 'NoSuchBucket' });
    };
    await expect(reads.read('k', fetch)).rejects.toThrow('missing');
    await expect(reads.read('k', fetch)).rejects.toThrow('missing');
    expect(asked).toBe(1);
  });

  it('asks the server again after our write forgot the key, and only for that bucket', async () => {
    const reads = createReadCache();
    let asked = 0;
    const fetch = async () => ++asked;
    await reads.read('s3 a policy', fetch);
    await reads.read('s3 a-b policy', fetch);
    reads.forget('s3 a ');
    expect(await reads.read('s3 a policy', fetch)).toBe(3);
    expect(await reads.read('s3 a-b policy', fetch)).toBe(2);
  });

  it('returns what our write left on the server without asking', async () => {
    const reads = createReadCache();
    reads.remember('s3 a lifecycle', '<LifecycleConfiguration/>');
    expect(await reads.read('s3 a lifecycle', async () => 'asked')).toBe('<LifecycleConfiguration/>');
  });
});
