/**
 * Makes Debian packages the real-program tests need available: installs them when running as
 * root and they are missing (as on a fresh CI machine), else reports why they are not there.
 * In CI a missing program is a failure, never a skip.
 */
import { execFileSync } from 'node:child_process';

function has(program: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

let updated = false;

/**
 * Ensures every `program` is on PATH, installing `packages` with apt-get when root.
 * Returns undefined when available, or the reason it is not (only outside CI).
 */
export function ensureDebianPackages(programs: readonly string[], packages: readonly string[]): string | undefined {
  if (programs.every(has)) return undefined;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot) {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    if (!updated) {
      execFileSync('apt-get', ['update'], { stdio: 'ignore', env });
      updated = true;
    }
    execFileSync('apt-get', ['-o', 'DPkg::Lock::Timeout=300', 'install', '-y', '--no-install-recommends', ...packages], {
      stdio: 'ignore',
      env,
    });
    if (programs.every(has)) return undefined;
  }
  const reason = `${programs.filter((p) => !has(p)).join(', ')} not installed (Debian packages: ${packages.join(' ')}); run as root or install them`;
  // NCW_CI: CI's value, moved aside for Ink by test/setup/ink-outside-ci.ts.
  if (process.env['CI'] || process.env['NCW_CI']) throw new Error(`${reason}. CI must not skip these tests.`);
  return reason;
}
