/**
 * What prune deletes, decided from what was listed and read (pure; issue 19):
 *  - roots: every narinfo uploaded within `keepDays` (0: none), every pinned path, and every
 *    narinfo younger than the grace period `minAgeMs` (an upload in flight, or a path its builder
 *    has just pushed: kept, so its references must stay too);
 *  - marked: what the roots reach through References (path-graph.ts);
 *  - dead, in the order they are deleted: narinfos neither marked nor unreadable, then NARs, .ls
 *    and build logs that no kept narinfo points to (its URL, `<hash>.ls`, `log/<Deriver>`). An
 *    object younger than the grace period is never dead. Realisations, debuginfo links and
 *    anything else are left alone.
 * A narinfo's death goes first so a client never finds a narinfo whose NAR is gone (the worst
 * state a cache can be in: notes/cache-contents.md).
 */
import { markReachable, type PathGraph } from './path-graph';

export type SweptKind = 'narinfo' | 'nar' | 'ls' | 'log';
export const SWEPT_KINDS: readonly SweptKind[] = ['narinfo', 'nar', 'ls', 'log'];

/** An object of the bucket other than a narinfo, as listed. */
export interface ListedOther {
  readonly key: string;
  readonly size: number;
  readonly lastModifiedMs: number;
  readonly kind: 'nar' | 'ls' | 'log';
}

export interface DeadObject {
  readonly key: string;
  readonly size: number;
  readonly kind: SweptKind;
}

export interface RootRules {
  readonly nowMs: number;
  /** narinfos uploaded within this many days are roots; 0: none */
  readonly keepDays: number;
  /** nothing younger is deleted, and a narinfo younger is a root */
  readonly minAgeMs: number;
  /** ids of pinned paths (graph.idOf of their hash parts) */
  readonly pins: readonly number[];
  /** ids of narinfos that appeared (or changed) after the scan began: roots whatever their date */
  readonly late?: readonly number[];
}

export interface FreedClosure {
  /** `<hash>-name` of the path at its top */
  readonly path: string;
  /** dead paths in it (itself included) */
  readonly paths: number;
  /** the NARs' FileSize and the narinfos' sizes */
  readonly bytes: number;
}

export interface SweepPlan {
  /** the objects to delete, narinfos first, then NARs, .ls, logs */
  readonly dead: Readonly<Record<SweptKind, readonly DeadObject[]>>;
  readonly roots: { readonly recent: number; readonly pinned: number; readonly young: number; readonly pinsNotInCache: number };
  readonly keptNarinfos: number;
  /** objects spared only because they are younger than the grace period */
  readonly spared: number;
  /** keys of narinfos that could not be read: nothing is deleted while one remains */
  readonly unreadable: readonly string[];
  /** references of kept paths that have no narinfo in the bucket (an incomplete closure already) */
  readonly missingReferences: number;
  /** the largest closures freed, largest first (at most 10) */
  readonly largestFreed: readonly FreedClosure[];
  /** the closure sizes stopped at the work budget: largestFreed is a lower bound */
  readonly largestFreedPartial: boolean;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The roots by the rules: ids, and how many of each sort. */
export function pickRoots(graph: PathGraph, rules: RootRules): { readonly ids: number[]; readonly recent: number; readonly pinned: number; readonly young: number; readonly pinsNotInCache: number } {
  const ids: number[] = [];
  let recent = 0;
  let young = 0;
  const keepFrom = rules.keepDays > 0 ? rules.nowMs - rules.keepDays * DAY_MS : Infinity;
  const youngFrom = rules.nowMs - rules.minAgeMs;
  for (let id = 0; id < graph.size; id++) {
    if (!graph.listed(id)) continue;
    const modified = graph.lastModifiedMs(id);
    if (modified >= keepFrom) {
      recent += 1;
      ids.push(id);
    } else if (modified > youngFrom) {
      young += 1;
      ids.push(id);
    }
  }
  let pinned = 0;
  let pinsNotInCache = 0;
  for (const id of rules.pins) {
    if (id < graph.size && graph.listed(id)) {
      pinned += 1;
      ids.push(id);
    } else pinsNotInCache += 1;
  }
  for (const id of rules.late ?? []) if (graph.listed(id)) ids.push(id);
  return { ids, recent, pinned, young, pinsNotInCache };
}

/** The largest closures among the dead: from each dead path no other dead path refers to. */
function largestFreed(graph: PathGraph, dead: Uint8Array, budget: number): { closures: FreedClosure[]; partial: boolean } {
  const referenced = new Uint8Array(graph.size);
  for (let id = 0; id < graph.size; id++) {
    if (dead[id] !== 1) continue;
    for (const ref of graph.references(id)) if (ref !== id) referenced[ref] = 1;
  }
  const seen = new Int32Array(graph.size).fill(-1);
  const closures: FreedClosure[] = [];
  let work = 0;
  let partial = false;
  const stack: number[] = [];
  for (let top = 0; top < graph.size && !partial; top++) {
    if (dead[top] !== 1 || referenced[top] === 1) continue;
    let paths = 0;
    let bytes = 0;
    seen[top] = top;
    stack.push(top);
    while (stack.length > 0) {
      const id = stack.pop()!;
      paths += 1;
      bytes += graph.fileSize(id) + graph.narinfoSize(id);
      for (const ref of graph.references(id)) {
        if (++work > budget) partial = true;
        if (dead[ref] !== 1 || seen[ref] === top) continue;
        seen[ref] = top;
        stack.push(ref);
      }
    }
    closures.push({ path: graph.baseName(top), paths, bytes });
    if (closures.length > 100) {
      closures.sort((a, b) => b.bytes - a.bytes);
      closures.length = 10;
    }
  }
  closures.sort((a, b) => b.bytes - a.bytes);
  return { closures: closures.slice(0, 10), partial };
}

/** Marks from the roots and decides every deletion. `others` is iterated once. */
export function planSweep(graph: PathGraph, others: Iterable<ListedOther>, rules: RootRules, options: { readonly marks?: Uint8Array; readonly closureBudget?: number } = {}): { plan: SweepPlan; marks: Uint8Array } {
  const roots = pickRoots(graph, rules);
  const marks = markReachable(graph, roots.ids, options.marks);
  const youngFrom = rules.nowMs - rules.minAgeMs;
  const dead = new Uint8Array(graph.size);
  const deadNarinfos: DeadObject[] = [];
  // the kept NARs' URLs and derivers are the graph's own strings: no key is built per kept path
  const keptUrls = new Set<string>();
  const keptDerivers = new Set<string>();
  const keeps = (id: number | undefined) => id !== undefined && graph.listed(id) && (marks[id] === 1 || graph.isUnreadable(id));
  const unreadable: string[] = [];
  let keptNarinfos = 0;
  let missingReferences = 0;
  for (let id = 0; id < graph.size; id++) {
    if (!graph.listed(id)) {
      if (marks[id] === 1) missingReferences += 1;
      continue;
    }
    const hash = graph.hash(id);
    if (graph.isUnreadable(id)) unreadable.push(`${hash}.narinfo`);
    if (marks[id] === 1 || graph.isUnreadable(id)) {
      keptNarinfos += 1;
      const url = graph.url(id);
      if (url !== undefined) keptUrls.add(url);
      const deriver = graph.deriver(id);
      if (deriver !== undefined) keptDerivers.add(deriver);
      continue;
    }
    dead[id] = 1;
    deadNarinfos.push({ key: `${hash}.narinfo`, size: graph.narinfoSize(id), kind: 'narinfo' });
  }
  const lists: Record<SweptKind, DeadObject[]> = { narinfo: deadNarinfos, nar: [], ls: [], log: [] };
  let spared = 0;
  for (const other of others) {
    const kept =
      other.kind === 'nar'
        ? keptUrls.has(other.key)
        : other.kind === 'ls'
          ? other.key.endsWith('.ls') && keeps(graph.find(other.key.slice(0, -'.ls'.length)))
          : other.key.startsWith('log/') && keptDerivers.has(other.key.slice('log/'.length));
    if (kept) continue;
    if (other.lastModifiedMs > youngFrom) {
      spared += 1;
      continue;
    }
    lists[other.kind].push({ key: other.key, size: other.size, kind: other.kind });
  }
  const freed = largestFreed(graph, dead, options.closureBudget ?? 20_000_000);
  return {
    marks,
    plan: {
      dead: lists,
      roots: { recent: roots.recent, pinned: roots.pinned, young: roots.young, pinsNotInCache: roots.pinsNotInCache },
      keptNarinfos,
      spared,
      unreadable,
      missingReferences,
      largestFreed: freed.closures,
      largestFreedPartial: freed.partial,
    },
  };
}

/** Counts and bytes to free by kind. */
export function planTotals(plan: SweepPlan): Record<SweptKind, { readonly count: number; readonly bytes: number }> {
  const totals = {} as Record<SweptKind, { count: number; bytes: number }>;
  for (const kind of SWEPT_KINDS) totals[kind] = { count: plan.dead[kind].length, bytes: plan.dead[kind].reduce((sum, o) => sum + o.size, 0) };
  return totals;
}
