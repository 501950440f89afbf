import { isAbsolute, join, resolve } from 'node:path';
import { UsageError } from '../errors';

/**
 * `$HOME` as the folder `~` names. An empty or relative HOME (a service's environment, `env -i`,
 * `HOME=.`) would put `~/.aws` under the working folder without a word: refused, naming HOME.
 */
export function homeFolder(home: string): string {
  if (!isAbsolute(home)) {
    const what = home === '' ? 'is empty' : `is the relative path ${JSON.stringify(home)}`;
    throw new UsageError(
      `HOME ${what}, so "~" names no folder (it would land under the working folder); set HOME to your home folder's absolute path, or give the files as absolute paths.`,
      'HOME',
    );
  }
  return resolve(home);
}

/** `~` is `$HOME`; a relative path is relative to the working directory (SPEC 4). */
export function expandUserPath(path: string, where: { readonly home: string; readonly cwd: string }): string {
  if (path === '~') return homeFolder(where.home);
  if (path.startsWith('~/')) return join(homeFolder(where.home), path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(where.cwd, path);
}
