import type { Answers } from '../answers/answers';

/**
 * The `nix-cache-info` object (SPEC 4.6, notes/nix.md). `WantMassQuery` is left out rather than
 * written as 0 when false, as Nix itself does.
 */
export function renderNixCacheInfo(cacheInfo: Answers['cacheInfo']): string {
  const lines = [`StoreDir: ${cacheInfo.storeDir}`];
  if (cacheInfo.wantMassQuery) lines.push('WantMassQuery: 1');
  lines.push(`Priority: ${cacheInfo.priority}`);
  return lines.join('\n') + '\n';
}
