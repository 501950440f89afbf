/** The end screen's rows: text from servers and files shown escaped, and cut at the width it is shown with. */
import { describe, expect, test } from 'vitest';
import { endLines } from '../../components/apply-step/end-lines';

describe('the end screen rows', () => {
  test("a server's detail and a file name with control characters are shown escaped, every row within the width", () => {
    const rows = endLines(
      {
        steps: [{ id: 'bucket', status: 'done', detail: 'exists\r✔ done \u001b]0;pwned\u0007 and a long tail of words after it' }],
        files: [{ path: '/tmp/out\u001b[2K/nix-cache.nix', action: 'created' }],
        next: ['sudo nixos-rebuild switch'],
      },
      40,
    );
    const text = rows.map((row) => row.text);
    for (const row of text) {
      // eslint-disable-next-line no-control-regex
      expect(row, JSON.stringify(row)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(row.length, row).toBeLessThanOrEqual(40);
    }
    expect(text.join(' ')).toContain('exists\\r✔ done');
    expect(text.join(' ')).toContain('\\e]0;pwned\\x07');
    expect(text.join(' ')).toContain('/tmp/out\\e[2K/nix-cache.nix');
  });
});
