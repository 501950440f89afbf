import { isAbsolute, join, resolve } from 'node:path';

/** `~` is `$HOME`; a relative path is relative to the working directory (SPEC 4). */
export function expandUserPath(path: string, where: { readonly home: string; readonly cwd: string }): string {
  if (path === '~') return where.home;
  if (path.startsWith('~/')) return join(where.home, path.slice(2));
  return isAbsolute(path) ? resolve(path) : resolve(where.cwd, path);
}
