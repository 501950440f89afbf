/** Commands shown to the user paste into a shell as they are meant. */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { quoteForShell } from '../../source/text/quote-for-shell';

/** What a real shell makes of `word` printed by quoteForShell, as the argument of a command. */
function pasted(shell: string, word: string, home = '/home/u'): string {
  return execFileSync(shell, ['-c', `printf '%s' ${quoteForShell(word)}`], { encoding: 'utf8', env: { PATH: process.env['PATH'], HOME: home } });
}

const HOSTILE = [
  '/tmp/ca $(touch /tmp/pwned).pem',
  '/tmp/`id`.pem',
  "/tmp/it's here",
  '/tmp/a;b|c&d>e<f',
  '/tmp/$HOME/"quoted"',
  '/tmp/*?[x]',
  '/tmp/back\\slash',
  '=ls',
  '#not-a-comment',
  '/tmp/a:~/b',
  's3://b?profile=p&endpoint=https://h:9000&secret-key=/k',
];

describe('quoting for the shell', () => {
  it('leaves plain words, URLs and ~/ paths bare', () => {
    expect(quoteForShell('nix-cache')).toBe('nix-cache');
    expect(quoteForShell('https://s3.example.org:9000')).toBe('https://s3.example.org:9000');
    expect(quoteForShell('~/.config/nix/secret.key')).toBe('~/.config/nix/secret.key');
  });

  it('quotes what the shell would read otherwise, including a ~user prefix and the empty word', () => {
    expect(quoteForShell('s3://b?profile=p&endpoint=h')).toBe("'s3://b?profile=p&endpoint=h'");
    expect(quoteForShell('my file')).toBe("'my file'");
    expect(quoteForShell('~root/x')).toBe("'~root/x'");
    expect(quoteForShell('')).toBe("''");
    expect(quoteForShell("it's")).toBe("'it'\\''s'");
  });

  it.each(['sh', 'bash'])('gives %s exactly the word, running nothing, whatever the word holds', (shell) => {
    for (const word of HOSTILE) expect(pasted(shell, word), word).toBe(word);
  });

  it('keeps a home path a home path when the rest needs quoting: "$HOME"/… (a quoted ~ is not expanded)', () => {
    expect(quoteForShell('~/my keys/secret.key')).toBe(`"$HOME"/'my keys/secret.key'`);
    expect(quoteForShell('~')).toBe('"$HOME"');
    for (const shell of ['sh', 'bash']) {
      expect(pasted(shell, '~/my keys/$(id).key', '/home/u v')).toBe('/home/u v/my keys/$(id).key');
      expect(pasted(shell, '~/.aws/credentials')).toBe('/home/u/.aws/credentials');
    }
    // In an assignment, after --opt= or after a colon, the "$HOME" form still expands.
    const assigned = execFileSync('bash', ['-c', `X=${quoteForShell('~/a b')}; printf '%s' "$X"`], { encoding: 'utf8', env: { HOME: '/h' } });
    expect(assigned).toBe('/h/a b');
  });

  it('writes control characters as $\'…\' escapes: the printed command is one row with nothing the terminal acts on', () => {
    const words = ['/tmp/a\nb.pem', '/tmp/\r✔ done', '/tmp/\u001b]0;title\u0007x', '/tmp/c1\u009bx', "/tmp/both'\n\\", '~/new\nline'];
    for (const word of words) {
      const printed = quoteForShell(word);
      // eslint-disable-next-line no-control-regex
      expect(printed, JSON.stringify(word)).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
      expect(pasted('bash', word), JSON.stringify(word)).toBe(word.replace(/^~/, '/home/u'));
    }
    expect(quoteForShell('/tmp/a\nb')).toBe("$'/tmp/a\\nb'");
  });
});
