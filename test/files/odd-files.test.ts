/**
 * Only regular files are read or written (SPEC 10, issue 8 class 3): devices, FIFOs and folders
 * are bad input naming the field (exit 2, at once, nothing written); symlinks are followed and
 * kept; files are compared by their real path; two answers landing on one file are refused.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeCliSandbox, type CliSandbox } from '../helpers/run-cli';

const ENDPOINT = 'https://s3.example.org:9000';

function sandboxWith(answers: Record<string, unknown>): CliSandbox {
  const sandbox = makeCliSandbox();
  sandbox.writeAnswers({ endpoint: ENDPOINT, ...answers });
  return sandbox;
}

async function previewOut(sandbox: CliSandbox, extra: readonly string[] = []) {
  const run = await sandbox.run(['preview', '--json', '--answers', 'answers.json', '--out', 'out', ...extra]);
  return { ...run, json: JSON.parse(run.stdout) as { ok: boolean; error?: { message: string; field?: string }; files: { path: string; action: string }[] } };
}

describe('odd files named by the answers', () => {
  it('a device as a file to write (/dev/null, "do not write this") is refused naming the field, and stays a device', async () => {
    const sandbox = sandboxWith({ files: { nixConf: '/dev/null' } });
    const run = await previewOut(sandbox);
    expect(run.code).toBe(2);
    expect(run.json.error?.field).toBe('files.nixConf');
    expect(run.json.error?.message).toContain('a character device');
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(existsSync(join(sandbox.cwd, 'out'))).toBe(false);
  });

  it('a folder given as a file path is refused naming the field', async () => {
    const sandbox = sandboxWith({ files: { policy: './policies' } });
    mkdirSync(join(sandbox.cwd, 'policies'));
    const run = await previewOut(sandbox);
    expect(run.code).toBe(2);
    expect(run.json.error?.field).toBe('files.policy');
    expect(run.json.error?.message).toContain('is a folder');
  });

  for (const [field, answers] of [
    ['caFile', { caFile: './fifo' }],
    ['key.secretFile', { key: { secretFile: './fifo' } }],
    ['files.awsCredentials', { builder: { secretKey: undefined }, files: { awsCredentials: './fifo' } }],
  ] as const) {
    it(`a FIFO as ${field} is refused at once (reading it would wait forever)`, async () => {
      const sandbox = sandboxWith(answers);
      execFileSync('mkfifo', [join(sandbox.cwd, 'fifo')]);
      const started = Date.now();
      const run = await previewOut(sandbox);
      expect(run.code).toBe(2);
      expect(run.json.error?.field).toBe(field);
      expect(run.json.error?.message).toContain('a FIFO');
      expect(Date.now() - started).toBeLessThan(10_000);
    });
  }

  it('a FIFO as --answers is refused at once', async () => {
    const sandbox = makeCliSandbox();
    execFileSync('mkfifo', [join(sandbox.cwd, 'answers.json')]);
    const run = await sandbox.run(['preview', '--json', '--answers', 'answers.json']);
    expect(run.code).toBe(2);
    expect((JSON.parse(run.stdout) as { error: { field: string; message: string } }).error).toMatchObject({ field: '--answers' });
    expect(run.stdout).toContain('a FIFO');
  });

  it('a dangling symlink is kept: the file it names is created behind it', async () => {
    const sandbox = sandboxWith({});
    mkdirSync(join(sandbox.dir, 'dotfiles'));
    symlinkSync(join(sandbox.dir, 'dotfiles', 'nix-cache.conf'), join(sandbox.cwd, 'nix-cache.conf'));
    const preview = await sandbox.run(['preview', '--json', '--answers', 'answers.json', '--out', '.']);
    expect(preview.code, preview.stdout).toBe(0);
    expect(lstatSync(join(sandbox.cwd, 'nix-cache.conf')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(join(sandbox.cwd, 'nix-cache.conf'))).toBe(join(sandbox.dir, 'dotfiles', 'nix-cache.conf'));
    expect(readFileSync(join(sandbox.dir, 'dotfiles', 'nix-cache.conf'), 'utf8')).toContain('extra-substituters');
  });

  it('a symlink to a file is written through and stays a symlink', async () => {
    const sandbox = sandboxWith({});
    writeFileSync(join(sandbox.dir, 'real.nix'), '# old\n');
    symlinkSync(join(sandbox.dir, 'real.nix'), join(sandbox.cwd, 'nix-cache.nix'));
    const run = await sandbox.run(['preview', '--json', '--answers', 'answers.json', '--out', '.']);
    expect(run.code, run.stdout).toBe(0);
    expect(lstatSync(join(sandbox.cwd, 'nix-cache.nix')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(sandbox.dir, 'real.nix'), 'utf8')).toContain('extra-substituters');
  });

  it('two answers naming one file through a symlinked folder are the same file, and refused', async () => {
    const sandbox = sandboxWith({ files: { nixConf: './real/x.conf', policy: './link/x.conf' } });
    mkdirSync(join(sandbox.cwd, 'real'));
    symlinkSync(join(sandbox.cwd, 'real'), join(sandbox.cwd, 'link'));
    const run = await previewOut(sandbox);
    expect(run.code).toBe(2);
    expect(run.json.error?.field).toBe('files.policy');
    expect(run.json.error?.message).toContain('same file as files.nixConf');
  });

  it('two answers that land on one path under --out are refused instead of one overwriting the other', async () => {
    const sandbox = sandboxWith({ files: { nixConf: '/srv/x.conf', policy: './srv/x.conf' } });
    const run = await previewOut(sandbox);
    expect(run.code).toBe(2);
    expect(run.json.error?.message).toMatch(/same file as files.nixConf under --out out/);
    expect(existsSync(join(sandbox.cwd, 'out'))).toBe(false);
  });

  it('--out naming a file is refused', async () => {
    const sandbox = sandboxWith({});
    writeFileSync(join(sandbox.cwd, 'out'), 'not a folder');
    const run = await previewOut(sandbox);
    expect(run.code).toBe(2);
    expect(run.json.error?.field).toBe('--out');
    expect(readFileSync(join(sandbox.cwd, 'out'), 'utf8')).toBe('not a folder');
  });
});
