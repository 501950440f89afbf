/**
 * Running the machine's own nix: the real one where it is installed, and small stand-in scripts
 * named for what they stand in for where a real nix cannot be made to do it (be missing, hang).
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nixMessage, runNix } from '../../source/nix/run-nix';
import { nixUnavailableReason } from '../helpers/nix';

const scratch = mkdtempSync(join(tmpdir(), 'ncw-run-nix-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A folder holding one executable `nix` with `script` as its body. */
function standInNix(name: string, script: string): string {
  const bin = join(scratch, name);
  mkdirSync(bin);
  writeFileSync(join(bin, 'nix'), `#!/bin/sh\n${script}\n`);
  chmodSync(join(bin, 'nix'), 0o755);
  return bin;
}

const unavailable = nixUnavailableReason();

describe("running the machine's nix", () => {
  it.skipIf(unavailable !== undefined)(`the real nix answers its version, exit 0${unavailable ? ` (skipped: ${unavailable})` : ''}`, async () => {
    const run = await runNix(['--version'], { PATH: process.env['PATH'], HOME: scratch });
    expect(run).toMatchObject({ missing: false, code: 0 });
    expect(run.stdout).toMatch(/^nix \(Nix\) \d+\.\d+/);
  });

  it('turns nix-command on for this command only, before the arguments', async () => {
    const bin = standInNix('echo-args', 'printf "%s\\n" "$@"');
    const run = await runNix(['path-info', '--store', 's3://b'], { PATH: bin });
    expect(run.stdout.trim().split('\n')).toEqual(['--extra-experimental-features', 'nix-command', 'path-info', '--store', 's3://b']);
  });

  it('says when nix is not installed, instead of failing', async () => {
    const empty = join(scratch, 'no-nix');
    mkdirSync(empty);
    expect(await runNix(['--version'], { PATH: empty })).toMatchObject({ missing: true, code: null });
  });

  it('keeps the exit code and both streams of a failed run', async () => {
    const bin = standInNix('fails', 'echo out; echo "error: no such store" >&2; exit 3');
    expect(await runNix(['store', 'ping'], { PATH: bin })).toEqual({ missing: false, code: 3, stdout: 'out\n', stderr: 'error: no such store\n' });
  });

  it('stops a nix that hangs at the deadline: no exit code, not taken for missing', async () => {
    // (a stand-in for a nix stuck on an unreachable substituter)
    const bin = standInNix('hangs', 'exec /bin/sleep 600');
    const run = await runNix(['path-info'], { PATH: bin }, 200);
    expect(run).toMatchObject({ missing: false, code: null });
  });

  it('passes only the environment it is given', async () => {
    const bin = standInNix('env', 'echo "home=$HOME secret=$NIX_CACHE_ADMIN_SECRET_KEY"');
    const run = await runNix([], { PATH: bin, HOME: '/home/alice' });
    expect(run.stdout).toBe('home=/home/alice secret=\n');
  });
});

describe("a failed nix's message", () => {
  it('is its last line that is not a warning, without colours', () => {
    const stderr = "warning: unknown setting 'foo'\n\u001b[31;1merror:\u001b[0m cannot open \u001b[35;1m's3://x'\u001b[0m\n\nwarning: ignoring the client-specified setting\n";
    expect(nixMessage(stderr)).toBe("error: cannot open 's3://x'");
  });

  it('is the whole text, trimmed, when every line is a warning', () => {
    expect(nixMessage('  warning: only this\n')).toBe('warning: only this');
  });
});
