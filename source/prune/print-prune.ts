/** Prune's result in words (stdout) and its progress line (stderr). */
import type { CliIo } from '../cli-io';
import { terminalText } from '../text/terminal-text';
import { SWEPT_KINDS, type SweptKind } from './plan-sweep';
import type { PrunePlanSummary, PruneProgress, PruneResult } from './prune-cache';
import { formatBytes } from '../text/format-bytes';

const KIND_NAMES: Record<SweptKind, string> = { narinfo: 'narinfos', nar: 'NARs', ls: '.ls listings', log: 'build logs' };

export function progressLine(progress: PruneProgress): string {
  switch (progress.phase) {
    case 'scan':
      return `  … ${progress.listed} objects listed, ${progress.read} narinfos read${progress.done ? ', done' : ''}`;
    case 'recheck':
      return '  … looking for narinfos uploaded since the scan began';
    case 'delete':
      return `  … ${progress.deleted} of ${progress.toDelete} objects deleted`;
  }
}

/** The plan: what is kept and why, what would go, the largest closures freed. */
export function planText(plan: PrunePlanSummary, options: { readonly keepDays: number; readonly minAge: string; readonly pinFiles: readonly string[] }): string {
  const lines: string[] = [];
  const r = plan.roots;
  lines.push(
    `Kept: ${plan.keptNarinfos} narinfos and their NARs: the closures of ${r.recent} path(s) uploaded within ${options.keepDays} day(s), ${r.pinned} pinned path(s)` +
      `${options.pinFiles.length > 0 ? ` (${options.pinFiles.join(', ')})` : ''}, ${r.young} younger than --min-age ${options.minAge}.`,
  );
  if (r.pinsNotInCache > 0) lines.push(`  ${r.pinsNotInCache} pinned path(s) are not in the cache.`);
  if (plan.spared > 0) lines.push(`  ${plan.spared} other object(s) younger than --min-age ${options.minAge} are left alone.`);
  if (plan.missingReferences > 0) lines.push(`  ${plan.missingReferences} path(s) kept paths refer to have no narinfo in the bucket (incomplete closures already: the cache doctor says more).`);
  lines.push('To free:');
  for (const kind of SWEPT_KINDS) lines.push(`  ${KIND_NAMES[kind].padEnd(13)} ${String(plan.toFree[kind].count).padStart(8)}  ${formatBytes(plan.toFree[kind].bytes)}`);
  if (plan.largestFreed.length > 0) {
    lines.push(`The largest closures freed${plan.largestFreedPartial ? ' (sizes cut short: at least)' : ''}:`);
    for (const closure of plan.largestFreed) lines.push(`  ${formatBytes(closure.bytes).padStart(10)}  ${closure.paths} path(s)  ${closure.path}`);
  }
  if (plan.unreadableCount > 0) {
    lines.push(`${plan.unreadableCount} narinfo(s) cannot be read: nothing is deleted while one remains (what they refer to is unknown).`);
    for (const { key, problem } of plan.unreadable) lines.push(`  ${key}: ${problem}`);
  }
  return lines.join('\n');
}

export function printPruneResult(result: PruneResult, options: { readonly keepDays: number; readonly minAge: string; readonly pinFiles: readonly string[] }, io: CliIo): void {
  const out: string[] = [planText(result, options)];
  if (!result.applied) {
    const total = SWEPT_KINDS.reduce((sum, kind) => sum + result.toFree[kind].count, 0);
    out.push(total === 0 ? 'Nothing to delete.' : 'Dry run: nothing was deleted. Run again with --apply to delete these objects.');
  } else {
    out.push(`Deleted: ${SWEPT_KINDS.map((kind) => `${result.deleted[kind]} ${KIND_NAMES[kind]}`).join(', ')}.`);
    if (result.late > 0) out.push(`${result.late} narinfo(s) uploaded while prune ran were kept with their closures (${result.rescued} object(s) taken off the list).`);
    if (result.failedCount > 0) {
      out.push(`${result.failedCount} delete(s) failed; run prune again to retry them:`);
      for (const failure of result.failures) out.push(`  ${failure.key}: ${failure.error}`);
    }
    out.push(`Every key deleted is listed in ${result.reportPath}.`);
    out.push(
      'A machine that looked a deleted path up remembers its narinfo for narinfo-cache-positive-ttl (30 days by default): fetching it from this cache then fails unless that machine has fallback = true (or its narinfo cache is cleared).',
    );
  }
  io.stdout.write(terminalText(`${out.join('\n')}\n`));
}
