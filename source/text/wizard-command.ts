/**
 * The wizard's own command as the user started it, so that a printed follow-up (`… rotate key
 * --drop-old`, `… rotate credentials`) works when pasted: `npx nix-cache-wizard` when npx ran it,
 * `npm start --` in a clone (with `--prefix CLONE` when npm was started from another folder),
 * else the installed `nix-cache-wizard`. Read from what npm puts in the environment of what it runs.
 */
import { dirname } from 'node:path';
import { quoteForShell } from './quote-for-shell';

const NAME = 'nix-cache-wizard';

export function wizardCommand(env: Readonly<Record<string, string | undefined>>): string {
  // `npx nix-cache-wizard` and `npm exec nix-cache-wizard`: npm runs the bin by its name.
  // npm quotes it there: `'nix-cache-wizard' 'setup'`.
  if (env['npm_command'] === 'exec' && new RegExp(`(^|[\\s/'"])${NAME}(['"\\s]|$)`).test(env['npm_lifecycle_script'] ?? '')) return `npx ${NAME}`;
  // `npm start` in a clone: npm names the package and its package.json; INIT_CWD is where it was started.
  const packageJson = env['npm_package_json'];
  if (env['npm_lifecycle_event'] === 'start' && env['npm_package_name'] === NAME && packageJson) {
    const clone = dirname(packageJson);
    return env['INIT_CWD'] === undefined || env['INIT_CWD'] === clone ? 'npm start --' : `npm --prefix ${quoteForShell(clone)} start --`;
  }
  return NAME;
}

/** `wizardCommand(env)` followed by the arguments, e.g. `npx nix-cache-wizard rotate key --drop-old`. */
export function wizardCommandLine(env: Readonly<Record<string, string | undefined>>, args: string): string {
  return `${wizardCommand(env)} ${args}`;
}
