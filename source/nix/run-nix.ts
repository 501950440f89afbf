/** Runs the machine's own `nix`, the one that decides what works here (notes/nix.md). */
import { execFile } from 'node:child_process';

export interface NixRun {
  /** Nix is not installed (no `nix` on PATH) */
  readonly missing: boolean;
  /** the exit code; null when it was killed (it ran past `timeoutMs`) */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** `nix` with `nix-command` enabled for this command only (it is off on a stock Nix). */
export function runNix(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 30_000): Promise<NixRun> {
  return new Promise((resolve) => {
    execFile('nix', ['--extra-experimental-features', 'nix-command', ...args], { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      const errorCode = (error as { code?: unknown } | null)?.code;
      const code = error ? (typeof errorCode === 'number' ? errorCode : null) : 0;
      resolve({ missing: errorCode === 'ENOENT', code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

/** The message of a failed run: its last line that is not a warning, without Nix's colours. */
export function nixMessage(text: string): string {
  const lines = text.trim().split('\n').filter((line) => line.trim() !== '' && !line.startsWith('warning:'));
  // eslint-disable-next-line no-control-regex
  return (lines[lines.length - 1] ?? text.trim()).replace(/\u001b\[[0-9;]*m/g, '');
}
