import { describe, expect, it } from 'vitest';
import { PathGraph } from '../../source/prune/path-graph';
import { planSweep, planTotals, type ListedOther, type RootRules } from '../../source/prune/plan-sweep';

const DAY = 24 * 60 * 60 * 1000;
const HOUR = 60 * 60 * 1000;
const NOW = Date.parse('2026-12-05T12:00:00Z');
const h = (name: string) => name.padEnd(32, '0');

interface Path {
  readonly refs?: string[];
  /** age in ms */
  readonly age: number;
  readonly fileSize?: number;
  readonly deriver?: string;
}

/** A cache: narinfos by name, each with its NAR (nar/<name>.nar.xz) and .ls, of the same age. */
function cacheOf(paths: Record<string, Path>): { graph: PathGraph; others: ListedOther[] } {
  const graph = new PathGraph();
  const others: ListedOther[] = [];
  for (const [name, path] of Object.entries(paths)) {
    graph.list({ hash: h(name), size: 500, lastModifiedMs: NOW - path.age, etag: name });
    graph.read({ hash: h(name), baseName: `${h(name)}-${name}`, references: (path.refs ?? []).map(h), url: `nar/${name}.nar.xz`, deriver: path.deriver, fileSize: path.fileSize ?? 1000 });
    others.push({ key: `nar/${name}.nar.xz`, size: path.fileSize ?? 1000, lastModifiedMs: NOW - path.age, kind: 'nar' });
    others.push({ key: `${h(name)}.ls`, size: 50, lastModifiedMs: NOW - path.age, kind: 'ls' });
  }
  return { graph, others };
}

const rules = (graph: PathGraph, over: Partial<RootRules> & { pinned?: string[] } = {}): RootRules => ({
  nowMs: NOW,
  keepDays: 30,
  minAgeMs: HOUR,
  ...over,
  pins: (over.pinned ?? []).map((name) => graph.idOf(h(name))),
});

const names = (keys: readonly { key: string }[]) => keys.map((o) => o.key).sort();

describe('the sweep plan', () => {
  it('keeps recent paths and their whole closure, however old the dependencies', () => {
    const { graph, others } = cacheOf({ top: { refs: ['dep'], age: DAY }, dep: { refs: ['lib'], age: 200 * DAY }, lib: { age: 200 * DAY }, old: { refs: ['lib'], age: 100 * DAY } });
    const { plan } = planSweep(graph, others, rules(graph));
    expect(names(plan.dead.narinfo)).toEqual([`${h('old')}.narinfo`]);
    expect(names(plan.dead.nar)).toEqual(['nar/old.nar.xz']);
    expect(names(plan.dead.ls)).toEqual([`${h('old')}.ls`]);
    expect(plan.roots).toMatchObject({ recent: 1, pinned: 0 });
  });

  it('keeps a pinned closure, even with --keep-days 0', () => {
    const { graph, others } = cacheOf({ system: { refs: ['glibc'], age: 400 * DAY }, glibc: { age: 400 * DAY }, recent: { age: 2 * HOUR } });
    const { plan } = planSweep(graph, others, rules(graph, { keepDays: 0, pinned: ['system', 'absent'] }));
    expect(names(plan.dead.narinfo)).toEqual([`${h('recent')}.narinfo`]);
    expect(plan.roots).toMatchObject({ recent: 0, pinned: 1, pinsNotInCache: 1 });
  });

  it('deletes nothing younger than the grace period, and keeps what a young narinfo refers to', () => {
    const { graph, others } = cacheOf({ fresh: { refs: ['old'], age: 10 * 60 * 1000 }, old: { age: 100 * DAY }, gone: { age: 100 * DAY } });
    others.push({ key: 'nar/in-flight.nar.xz', size: 7, lastModifiedMs: NOW - 60_000, kind: 'nar' });
    const { plan } = planSweep(graph, others, rules(graph, { keepDays: 0 }));
    expect(names(plan.dead.narinfo)).toEqual([`${h('gone')}.narinfo`]);
    expect(names(plan.dead.nar)).toEqual(['nar/gone.nar.xz']);
    expect(plan.roots.young).toBe(1);
    expect(plan.spared).toBe(1);
  });

  it('with --min-age 0 deletes an orphan NAR of any age', () => {
    const { graph, others } = cacheOf({});
    others.push({ key: 'nar/orphan.nar.xz', size: 7, lastModifiedMs: NOW, kind: 'nar' });
    expect(names(planSweep(graph, others, rules(graph, { minAgeMs: 0 })).plan.dead.nar)).toEqual(['nar/orphan.nar.xz']);
  });

  it('deletes a build log only when no kept narinfo names its deriver', () => {
    const { graph, others } = cacheOf({ kept: { age: DAY, deriver: 'aaa-kept.drv' }, old: { age: 100 * DAY, deriver: 'bbb-old.drv' } });
    others.push({ key: 'log/aaa-kept.drv', size: 5, lastModifiedMs: NOW - 100 * DAY, kind: 'log' }, { key: 'log/bbb-old.drv', size: 5, lastModifiedMs: NOW - 100 * DAY, kind: 'log' });
    expect(names(planSweep(graph, others, rules(graph)).plan.dead.log)).toEqual(['log/bbb-old.drv']);
  });

  it('keeps the NAR an old path shares with a kept one', () => {
    const { graph, others } = cacheOf({ a: { age: DAY }, b: { age: 100 * DAY } });
    graph.read({ hash: h('b'), baseName: 'b', references: [], url: 'nar/a.nar.xz', deriver: undefined, fileSize: 1 });
    const { plan } = planSweep(graph, others, rules(graph));
    expect(names(plan.dead.nar)).toEqual(['nar/b.nar.xz']);
  });

  it('keeps an unreadable narinfo and names it', () => {
    const { graph, others } = cacheOf({ old: { age: 100 * DAY } });
    graph.list({ hash: h('bad'), size: 10, lastModifiedMs: NOW - 100 * DAY, etag: 'x' });
    graph.unreadable(h('bad'));
    const { plan } = planSweep(graph, others, rules(graph));
    expect(plan.unreadable).toEqual([`${h('bad')}.narinfo`]);
    expect(names(plan.dead.narinfo)).toEqual([`${h('old')}.narinfo`]);
  });

  it('makes a late upload a root whatever its date, rescuing the old path it refers to', () => {
    const { graph, others } = cacheOf({ old: { age: 100 * DAY } });
    const first = planSweep(graph, others, rules(graph));
    expect(first.plan.dead.narinfo).toHaveLength(1);
    graph.list({ hash: h('late'), size: 10, lastModifiedMs: NOW - 100 * DAY, etag: 'l' });
    const late = graph.read({ hash: h('late'), baseName: 'late', references: [h('old')], url: 'nar/late.nar.xz', deriver: undefined, fileSize: 1 });
    const again = planSweep(graph, others, { ...rules(graph), late: [late] }, { marks: first.marks });
    expect(again.plan.dead.narinfo).toHaveLength(0);
    expect(again.plan.dead.nar).toHaveLength(0);
  });

  it('counts and sizes what it frees by kind, and names the largest closures freed', () => {
    const { graph, others } = cacheOf({
      app: { refs: ['lib', 'app'], age: 100 * DAY, fileSize: 5000 },
      lib: { refs: ['base'], age: 100 * DAY, fileSize: 3000 },
      base: { age: 100 * DAY, fileSize: 1000 },
      tool: { refs: ['base'], age: 100 * DAY, fileSize: 100 },
      cyc1: { refs: ['cyc2'], age: 100 * DAY, fileSize: 1 },
      cyc2: { refs: ['cyc1'], age: 100 * DAY, fileSize: 1 },
    });
    const { plan } = planSweep(graph, others, rules(graph));
    expect(planTotals(plan)).toEqual({ narinfo: { count: 6, bytes: 3000 }, nar: { count: 6, bytes: 9102 }, ls: { count: 6, bytes: 300 }, log: { count: 0, bytes: 0 } });
    expect(plan.largestFreed.map((c) => [c.path.slice(33), c.paths, c.bytes])).toEqual([
      ['app', 3, 10_500],
      ['tool', 2, 2100],
    ]);
  });
});
