import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { main } from '../../source/main';

async function run(args: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  stdout.on('data', (c: Buffer) => out.push(c));
  stderr.on('data', (c: Buffer) => err.push(c));
  const code = await main(args, { stdin: new PassThrough(), stdout, stderr, interactive: false });
  return { code, stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() };
}

describe('the command line', () => {
  test('an unknown command is a usage error naming the commands', async () => {
    const result = await run(['stup']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain("unknown command 'stup'");
    expect(result.stderr).toContain('setup, preview, verify, rotate');
    expect(result.stderr).not.toContain('too many arguments');
  });

  test.each(['setup', 'preview', 'verify', 'rotate credentials', 'rotate key'])('%s --help says what it checks and what it changes', async (command) => {
    const result = await run([...command.split(' '), '--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/\nChecks\b[^\n]*:/);
    expect(result.stdout).toMatch(/\nChanges\b[^\n]*:/);
  });

  test.skipIf(!existsSync(resolve('dist/cli.js')))('npm start runs in the folder the user started from (INIT_CWD), not in the clone', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ncw-start-'));
    writeFileSync(join(dir, 'answers.json'), JSON.stringify({ endpoint: 'https://s3.example.org' }));
    const env: NodeJS.ProcessEnv = { ...process.env, INIT_CWD: dir, HOME: dir };
    delete env['XDG_CONFIG_HOME'];
    execFileSync('node', [resolve('scripts/start.mjs'), 'preview', '--answers', 'answers.json', '--out', 'out'], { cwd: resolve('.'), env, encoding: 'utf8' });
    expect(existsSync(join(dir, 'out', 'nix-cache.nix'))).toBe(true);
    expect(existsSync(resolve('out'))).toBe(false);
  });
});
