import { describe, expect, it } from 'vitest';
import { UsageError } from '../../source/errors';
import { parsePins } from '../../source/prune/pins';

const A = '0c6kzph7l0dcbqmjp6cjygbb8rrps6cx';
const B = 'zz8pq1k3vbh5r7nmlq3w9y2d4x6a1b0c';

describe('pinned paths', () => {
  it('reads the hash part of each store path, as nix path-info -r prints them, skipping blank lines and comments', () => {
    const text = `# the web servers\n/nix/store/${A}-nixos-system-web-24.11\n\n  /nix/store/${B}-glibc-2.40  \n/nix/store/${A}-nixos-system-web-24.11\n`;
    expect(parsePins(text, 'pins.txt')).toEqual([A, B]);
  });

  it('takes a store under another store dir', () => {
    expect(parsePins(`/gnu/store/${A}-x\n`, 'pins.txt')).toEqual([A]);
  });

  it('refuses a line that is not a store path, naming the file and the line (exit 2)', () => {
    const run = () => parsePins(`/nix/store/${A}-ok\n/nix/store/not-a-hash-name\n`, 'deploy/pins.txt');
    expect(run).toThrow(UsageError);
    expect(run).toThrow(/--pin deploy\/pins\.txt, line 2: "\/nix\/store\/not-a-hash-name" is not a store path/);
    try {
      run();
    } catch (error) {
      expect((error as UsageError).exitCode).toBe(2);
      expect((error as UsageError).field).toBe('--pin');
    }
  });

  it('refuses a hash with letters outside Nix base-32 (e, o, t, u)', () => {
    expect(() => parsePins(`/nix/store/${'e'.repeat(32)}-x\n`, 'p')).toThrow(/line 1/);
  });

  it('reads an empty file as no pins', () => {
    expect(parsePins('', 'p')).toEqual([]);
  });
});
