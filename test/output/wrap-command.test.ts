import { describe, expect, test } from 'vitest';
import { commandRows, wrapCommand } from '../../source/output/wrap-command';

describe('commands shown to be pasted', () => {
  test('a line continued with \\ keeps its continuation: no $ prompt in front of the next line', () => {
    const rows = commandRows('aws s3api head-bucket --bucket b || \\\n  aws s3api create-bucket --bucket b\necho done', 80, '$ ', '    ');
    expect(rows).toEqual(['$ aws s3api head-bucket --bucket b || \\', '    aws s3api create-bucket --bucket b', '$ echo done']);
  });

  test('a long command is cut between words, every row but the last ending in \\', () => {
    const rows = wrapCommand('mc admin policy attach s3 nix-cache-write --user nixbuilder', 30, '$ ', '    ');
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows.slice(0, -1)) expect(row.endsWith(' \\')).toBe(true);
    expect(rows.join(' ').replace(/ \\ +/g, ' ').replace(/^\$ /, '')).toBe('mc admin policy attach s3 nix-cache-write --user nixbuilder');
  });
});
