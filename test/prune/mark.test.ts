import { describe, expect, it } from 'vitest';
import { markReachable, PathGraph } from '../../source/prune/path-graph';

/** A hash part for a one-letter name: 32 characters of Nix base-32. */
const h = (name: string) => name.padEnd(32, '0');

function graphOf(edges: Record<string, string[]>): PathGraph {
  const graph = new PathGraph();
  for (const [name, refs] of Object.entries(edges)) {
    graph.list({ hash: h(name), size: 100, lastModifiedMs: 0, etag: name });
    graph.read({ hash: h(name), baseName: `${h(name)}-${name}`, references: refs.map(h), url: `nar/${name}.nar.xz`, deriver: undefined, fileSize: 10 });
  }
  return graph;
}

const marked = (graph: PathGraph, marks: Uint8Array) =>
  Array.from({ length: graph.size }, (_, id) => id)
    .filter((id) => marks[id] === 1)
    .map((id) => graph.hash(id)[0])
    .sort();

describe('marking through References', () => {
  it('reaches a chain of dependencies and nothing else', () => {
    const graph = graphOf({ a: ['b'], b: ['c'], c: [], d: ['c'] });
    expect(marked(graph, markReachable(graph, [graph.idOf(h('a'))]))).toEqual(['a', 'b', 'c']);
  });

  it('ends on cycles and self-references, visiting each path once', () => {
    const graph = graphOf({ a: ['a', 'b'], b: ['c'], c: ['a', 'c'], d: ['d'] });
    expect(marked(graph, markReachable(graph, [graph.idOf(h('a'))]))).toEqual(['a', 'b', 'c']);
  });

  it('marks a referenced path that has no narinfo, without following it', () => {
    const graph = graphOf({ a: ['x'] });
    const marks = markReachable(graph, [graph.idOf(h('a'))]);
    expect(marked(graph, marks)).toEqual(['a', 'x']);
    expect(graph.listed(graph.idOf(h('x')))).toBe(false);
  });

  it('adds to earlier marks when narinfos found later become roots', () => {
    const graph = graphOf({ a: [], b: ['c'], c: [] });
    const first = markReachable(graph, [graph.idOf(h('a'))]);
    graph.list({ hash: h('n'), size: 1, lastModifiedMs: 0, etag: 'n' });
    graph.read({ hash: h('n'), baseName: 'n', references: [h('b'), h('m')], url: undefined, deriver: undefined, fileSize: 0 });
    const again = markReachable(graph, [graph.idOf(h('n'))], first);
    expect(marked(graph, again)).toEqual(['a', 'b', 'c', 'm', 'n']);
  });

  it('holds a deep chain without recursion (100,000 paths)', () => {
    const graph = new PathGraph();
    const alphabet = '0123456789abcdfghijklmnpqrsvwxyz';
    const name = (i: number) => [...i.toString(32).padStart(32, '0')].map((c) => alphabet[parseInt(c, 32)]).join('');
    const hashes = Array.from({ length: 100_000 }, (_, i) => name(i));
    for (let i = 0; i < hashes.length; i++) {
      graph.list({ hash: hashes[i]!, size: 1, lastModifiedMs: 0, etag: '' });
      graph.read({ hash: hashes[i]!, baseName: hashes[i]!, references: i + 1 < hashes.length ? [hashes[i + 1]!] : [], url: undefined, deriver: undefined, fileSize: 0 });
    }
    const marks = markReachable(graph, [graph.idOf(hashes[0]!)]);
    expect(marks.reduce((sum, m) => sum + m, 0)).toBe(100_000);
  });
});
