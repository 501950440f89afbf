/**
 * The wizard's own state folder (SPEC 8): `$XDG_CONFIG_HOME/nix-cache-wizard/`, by default
 * `~/.config/nix-cache-wizard/`. It holds, per setup (endpoint and bucket), the lock of a running
 * setup, a builder secret not yet folded into the AWS profile, and the remembered answers.
 * Reached through the injected effects, never through process globals (STYLE 5).
 */
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { Effects } from '../effects';
import { makeFolders } from '../files/make-folders';
import { homeFolder } from '../paths/expand-user-path';

/** The state folder's path; nothing is created. A relative XDG_CONFIG_HOME is ignored, as the XDG spec says. */
export function stateDirPath(effects: Pick<Effects, 'env' | 'home'>): string {
  const xdg = effects.env['XDG_CONFIG_HOME'];
  const base = xdg && isAbsolute(xdg) ? xdg : join(homeFolder(effects.home), '.config');
  return join(base, 'nix-cache-wizard');
}

/** Creates the state folder (0700, owned like its parent when run as root) and returns its path. */
export async function ensureStateDir(effects: Pick<Effects, 'env' | 'home'>): Promise<string> {
  const dir = stateDirPath(effects);
  await makeFolders(dir);
  return dir;
}

export interface SetupIdentity {
  readonly endpoint: string;
  readonly bucket: string;
}

/**
 * A file-name-safe name for one setup: readable (host, port, bucket) and exact (a hash of the
 * endpoint and bucket as given, so `http://h` and `https://h` are two setups).
 */
export function setupFileStem(setup: SetupIdentity): string {
  const url = new URL(setup.endpoint);
  const readable = `${url.hostname}${url.port ? `-${url.port}` : ''}-${setup.bucket}`.replace(/[^A-Za-z0-9._-]+/g, '_');
  const hash = createHash('sha256').update(`${setup.endpoint.replace(/\/+$/, '')}\n${setup.bucket}`).digest('hex').slice(0, 12);
  return `${readable}-${hash}`;
}
