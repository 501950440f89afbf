/**
 * The wizard's own folder, `$XDG_CONFIG_HOME/nix-cache-wizard/` (else `~/.config/nix-cache-wizard/`):
 * what it keeps between runs (SPEC 8: the remembered answers of each setup). Created 0700 by the
 * writer when something is first kept there.
 */
import { isAbsolute, join } from 'node:path';
import type { Effects } from '../effects';

export function stateDir(effects: Pick<Effects, 'env' | 'home'>): string {
  const xdg = effects.env['XDG_CONFIG_HOME'];
  // The XDG spec: a relative value is invalid and is ignored.
  const base = xdg && isAbsolute(xdg) ? xdg : join(effects.home, '.config');
  return join(base, 'nix-cache-wizard');
}
