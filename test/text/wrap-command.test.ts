import { execFileSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { quoteForShell } from '../../source/text/quote-for-shell';
import { commandRows, wrapCommand } from '../../source/text/wrap-command';

describe('commands shown to be pasted', () => {
  test('a line continued with \\ keeps its continuation: no $ prompt in front of the next line', () => {
    const rows = commandRows('aws s3api head-bucket --bucket b || \\\n  aws s3api create-bucket --bucket b\necho done', 80, '$ ', '    ');
    expect(rows).toEqual(['$ aws s3api head-bucket --bucket b || \\', '    aws s3api create-bucket --bucket b', '$ echo done']);
  });

  test('a comment, and a JSON document written as one, is text: no $ prompt, no \\ inside it, its indentation kept', () => {
    const json = JSON.stringify({ Sid: 'NixCacheWizardAnonymousGet', Effect: 'Allow', Principal: { AWS: ['*'] }, Action: ['s3:GetObject'], Resource: ['arn:aws:s3:::nix-cache/*'] }, null, 2);
    const command = `mc anonymous get-json s3/nix-cache > p.json\n# in p.json, replace the statement with Sid NixCacheWizardAnonymousGet by this, keeping every other statement of the file:\n${json.split('\n').map((l) => `#   ${l}`).join('\n')}\nmc anonymous set-json p.json s3/nix-cache`;
    const rows = commandRows(command, 59, '  $ ', '      ');
    expect(rows[0]).toBe('  $ mc anonymous get-json s3/nix-cache > p.json');
    expect(rows.at(-1)).toBe('  $ mc anonymous set-json p.json s3/nix-cache');
    const comment = rows.slice(1, -1);
    for (const row of comment) {
      expect(row).toMatch(/^ {4}#/);
      expect(row.endsWith('\\')).toBe(false);
      expect(row.length).toBeLessThanOrEqual(59);
    }
    // The JSON reads back as the document it is
    const body = comment.slice(comment.indexOf('    #   {')).map((row) => row.replace(/^ {4}# {3}/, ''));
    expect(JSON.parse(body.join('\n'))).toMatchObject({ Sid: 'NixCacheWizardAnonymousGet', Resource: ['arn:aws:s3:::nix-cache/*'] });
  });

  test('a long command is cut between words, every row but the last ending in \\', () => {
    const rows = wrapCommand('mc admin policy attach s3 nix-cache-write --user nixbuilder', 30, '$ ', '    ');
    expect(rows.length).toBeGreaterThan(1);
    for (const row of rows.slice(0, -1)) expect(row.endsWith(' \\')).toBe(true);
    expect(rows.join(' ').replace(/ \\ +/g, ' ').replace(/^\$ /, '')).toBe('mc admin policy attach s3 nix-cache-write --user nixbuilder');
  });

  test("a quoted word is never cut at its spaces, $'…' with an escaped quote included: the rows paste as the same words", () => {
    const words = ["/tmp/it's a\nfile", '~/my keys/secret.key', 'plain', 'with "double" quotes and spaces'];
    const command = `printf '[%s]' ${words.map(quoteForShell).join(' ')}`;
    const rows = wrapCommand(command, 40, '', '  ');
    expect(rows.length).toBeGreaterThan(2);
    const pasted = execFileSync('bash', ['-c', rows.join('\n')], { encoding: 'utf8', env: { HOME: '/home/u' } });
    expect(pasted).toBe(words.map((w) => `[${w.replace(/^~/, '/home/u')}]`).join(''));
  });
});
