/** Commands shown to the user paste into a shell as they are meant. */
import { describe, expect, it } from 'vitest';
import { quoteForShell } from '../../source/output/quote-for-shell';

describe('quoting for the shell', () => {
  it('leaves plain words, URLs and ~/ paths bare', () => {
    expect(quoteForShell('nix-cache')).toBe('nix-cache');
    expect(quoteForShell('https://s3.example.org:9000')).toBe('https://s3.example.org:9000');
    expect(quoteForShell('~/.config/nix/secret.key')).toBe('~/.config/nix/secret.key');
  });

  it('quotes what the shell would read otherwise, including a ~user prefix and the empty word', () => {
    expect(quoteForShell("s3://b?profile=p&endpoint=h")).toBe("'s3://b?profile=p&endpoint=h'");
    expect(quoteForShell('my file')).toBe("'my file'");
    expect(quoteForShell('~root/x')).toBe("'~root/x'");
    expect(quoteForShell('')).toBe("''");
    expect(quoteForShell("it's")).toBe("'it'\\''s'");
  });
});
