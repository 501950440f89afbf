/**
 * The wizard's own folder, `$XDG_CONFIG_HOME/nix-cache-wizard/` (else `~/.config/nix-cache-wizard/`):
 * what it keeps between runs (SPEC 8): the remembered answers of each setup, pending secrets of an
 * interrupted change, the keys a rotation still trusts. Created 0700 by the writer when something
 * is first kept there; files in it are 0600.
 */
import { createHash } from 'node:crypto';
import { isAbsolute, join } from 'node:path';
import type { Effects } from '../effects';

export function stateDir(effects: Pick<Effects, 'env' | 'home'>): string {
  const xdg = effects.env['XDG_CONFIG_HOME'];
  // The XDG spec: a relative value is invalid and is ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(effects.home, '.config');
  return join(base, 'nix-cache-wizard');
}

/**
 * A file name part that says which setup (endpoint and bucket) a state file belongs to: readable
 * (`s3.lan_9000-nix-cache`) and, through the hash, distinct for endpoints that read alike.
 */
export function setupSlug(endpoint: string, bucket: string): string {
  const url = new URL(endpoint);
  const readable = `${url.hostname}${url.port === '' ? '' : `_${url.port}`}-${bucket}`.replace(/[^A-Za-z0-9._-]/g, '_');
  const hash = createHash('sha256').update(`${endpoint.replace(/\/+$/, '')}\n${bucket}`).digest('hex').slice(0, 8);
  return `${readable}-${hash}`;
}
