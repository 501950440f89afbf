/**
 * The layout holds the architecture (STYLE 1 and 11): every folder stands on one floor of LAYERS
 * and imports only from the floors below it, types and dynamic imports included; no module imports
 * itself through others; the core in source/ never imports the Ink views in components/ (bin/cli.ts
 * is the one place that joins them).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = resolve(__dirname, '../..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name) && !name.endsWith('.d.ts'))
    .map((name) => join(folder, name));
}

/** The project files `file` imports (relative specifiers only), resolved to paths from the root. */
function importsOf(file: string, { withTypes }: { withTypes: boolean }): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers: string[] = [];
  const statements = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]/gm;
  for (const match of text.matchAll(statements)) if (withTypes || !match[2]) specifiers.push(match[3]!);
  for (const match of text.matchAll(/import\(\s*['"]([^'"]+)['"]\s*\)/g)) specifiers.push(match[1]!);
  return specifiers
    .filter((s) => s.startsWith('.') && !s.endsWith('?raw') && !s.endsWith('.json'))
    .map((s) => {
      const base = relative(ROOT, resolve(join(ROOT, dirname(file)), s));
      for (const candidate of [`${base}.ts`, `${base}.tsx`, join(base, 'index.ts')]) {
        try {
          readFileSync(join(ROOT, candidate));
          return candidate;
        } catch {
          // try the next
        }
      }
      return base;
    });
}

const FILES = [...sourceFiles('source'), ...sourceFiles('components'), ...sourceFiles('bin')];

/**
 * The floors, top to bottom. A folder (or a top-level file) imports only from floors below its own;
 * folders on one floor never import each other. A helper two floors need moves down to where both
 * reach it (STYLE 11). The readme's "The house" says what each holds.
 */
export const LAYERS: readonly (readonly string[])[] = [
  ['bin'],
  ['components'],
  ['source/main.ts'],
  ['source/commands'],
  ['source/plain'],
  ['source/wizard'],
  ['source/verify', 'source/rotate', 'source/doctor', 'source/prune'],
  ['source/inventory'],
  ['source/output'],
  ['source/session'],
  ['source/connections'],
  ['source/backends'],
  ['source/facts'],
  ['source/state'],
  ['source/steps'],
  ['source/files'],
  ['source/nix'],
  ['source/answers'],
  ['source/keys', 'source/paths', 'source/secrets', 'source/policies', 'source/text', 'source/requests', 'source/processes'],
  ['source/errors.ts', 'source/effects.ts', 'source/cli-io.ts'],
];

/** The room of a file: its folder under source/ (or the top-level file itself), components, bin. */
function roomOf(file: string): string {
  const parts = file.split('/');
  if (parts[0] === 'source') return parts.length > 2 ? `source/${parts[1]}` : file;
  return parts[0]!;
}

function floorOf(room: string): number {
  return LAYERS.findIndex((floor) => floor.includes(room));
}

describe('the layout', () => {
  test('source/ never imports components/, not even lazily', () => {
    const offending = sourceFiles('source').flatMap((file) =>
      importsOf(file, { withTypes: true })
        .filter((target) => target.startsWith('components/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  test('every folder stands on a floor of the list', () => {
    const rooms = [...new Set(FILES.map(roomOf))].filter((room) => floorOf(room) < 0);
    expect(rooms).toEqual([]);
  });

  test('a folder imports only from the floors below it, types included', () => {
    const upward = FILES.flatMap((file) =>
      importsOf(file, { withTypes: true })
        .filter((target) => FILES.includes(target) && roomOf(target) !== roomOf(file))
        .filter((target) => floorOf(roomOf(target)) <= floorOf(roomOf(file)))
        .map((target) => `${file} → ${target}`),
    );
    expect(upward).toEqual([]);
  });

  test('no module imports itself through others, types included', () => {
    const graph = new Map(FILES.map((file) => [file, importsOf(file, { withTypes: true })]));
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const path: string[] = [];
    const visit = (file: string) => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'visiting') {
        cycles.push([...path.slice(path.indexOf(file)), file].join(' → '));
        return;
      }
      state.set(file, 'visiting');
      path.push(file);
      for (const next of graph.get(file) ?? []) if (graph.has(next)) visit(next);
      path.pop();
      state.set(file, 'done');
    };
    for (const file of graph.keys()) visit(file);
    expect(cycles).toEqual([]);
  });

  test('a file named use-* holds a hook', () => {
    const misnamed = FILES.filter((file) => /\/use-[^/]+\.tsx?$/.test(file)).filter((file) => !/export function use[A-Z]/.test(readFileSync(join(ROOT, file), 'utf8')));
    expect(misnamed).toEqual([]);
  });
});
