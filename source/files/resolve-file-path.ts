import { isAbsolute, join, normalize, posix, relative, resolve } from 'node:path';
import type { Effects } from '../effects';
import { expandUserPath } from '../paths/expand-user-path';

export type PathBase = Pick<Effects, 'home' | 'cwd'>;

/** `~` and `~/x` are under `$HOME`; a relative path is against the working directory (SPEC 4). */
export function resolveFilePath(given: string, base: PathBase): string {
  return expandUserPath(given, base);
}

/**
 * Where a file goes under `--out DIR`, relative to DIR (SPEC 4): `~/x` → `home/x`, a relative `x`
 * → `x`, an absolute `/x` → `x`. A relative path that climbs out (`../x`, `~/../x`) is placed by its
 * absolute path instead, so nothing is ever written outside DIR.
 */
export function outRelativePath(given: string, base: PathBase): string {
  const absoluteRest = (): string => relative('/', resolveFilePath(given, base));
  if (given === '~' || given.startsWith('~/')) {
    const rest = posix.normalize(given.slice(2) || '.');
    return rest === '..' || rest.startsWith('../') ? absoluteRest() : join('home', rest);
  }
  if (isAbsolute(given)) return absoluteRest();
  const rest = normalize(given);
  return rest === '..' || rest.startsWith('../') ? absoluteRest() : rest;
}

/** The absolute path under an `--out` folder (itself relative to the working directory). */
export function outFilePath(outDir: string, outRelative: string, base: PathBase): string {
  return join(resolve(base.cwd, outDir), outRelative);
}
