/**
 * Runs the real Nix (Debian's nix-bin) in tests, as notes/nix.md describes: a private nix.conf
 * through NIX_CONF_DIR, no substituters, a private store under a temp folder, a fresh cache dir.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureDebianPackages } from './debian-packages';

export interface NixSandbox {
  /** environment for `nix …` child processes */
  readonly env: NodeJS.ProcessEnv;
  /** a private store root: pass `--store ${store}` */
  readonly store: string;
  readonly dir: string;
  /** runs `nix ARGS` (or another nix program) and returns stdout; throws with stderr on failure */
  run(program: string, args: readonly string[], options?: { cwd?: string }): string;
  /** removes the sandbox, its read-only store paths included */
  remove(): void;
}

/** Removes a folder holding a Nix store or binary cache: Nix leaves store paths read-only. */
export function removeNixDir(dir: string): void {
  execFileSync('chmod', ['-R', 'u+w', dir]);
  rmSync(dir, { recursive: true, force: true });
}

/** undefined when Nix is available, else why not (throws in CI instead). */
export function nixUnavailableReason(): string | undefined {
  return ensureDebianPackages(['nix', 'nix-instantiate'], ['nix-bin']);
}

function hasGroup(name: string): boolean {
  try {
    execFileSync('getent', ['group', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeNixSandbox(): NixSandbox {
  const dir = mkdtempSync(join(tmpdir(), 'ncw-nix-'));
  const confDir = join(dir, 'conf');
  const store = join(dir, 'store');
  execFileSync('mkdir', ['-p', confDir, join(dir, 'cache'), join(dir, 'state')]);
  const lines = [
    'experimental-features = nix-command flakes',
    'substituters =',
    'sandbox-paths = /bin /lib /lib64 /usr',
    ...(hasGroup('nixbld') ? [] : ['build-users-group =']),
  ];
  writeFileSync(join(confDir, 'nix.conf'), lines.join('\n') + '\n');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NIX_CONF_DIR: confDir,
    NIX_USER_CONF_FILES: join(confDir, 'none.conf'),
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_STATE_HOME: join(dir, 'state'),
    NIX_CONFIG: '',
  };
  return {
    env,
    store,
    dir,
    run(program, args, options) {
      try {
        return execFileSync(program, [...args], { env, cwd: options?.cwd ?? dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      } catch (error) {
        const e = error as { stderr?: string; message: string };
        throw new Error(`${program} ${args.join(' ')} failed: ${e.stderr ?? e.message}`);
      }
    },
    remove: () => removeNixDir(dir),
  };
}
