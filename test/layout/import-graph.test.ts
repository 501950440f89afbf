/**
 * The layout holds the architecture (STYLE 1): the core in source/ never imports the Ink views in
 * components/ (bin/cli.ts is the one place that joins them), and no module imports itself through
 * others. Type-only imports are left out of the cycle check: they are erased before the program
 * runs, so they order nothing at start-up. Dynamic imports count: they are still dependencies.
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

describe('the layout', () => {
  test('source/ never imports components/, not even lazily', () => {
    const offending = sourceFiles('source').flatMap((file) =>
      importsOf(file, { withTypes: true })
        .filter((target) => target.startsWith('components/'))
        .map((target) => `${file} → ${target}`),
    );
    expect(offending).toEqual([]);
  });

  test('no module imports itself through others', () => {
    const graph = new Map(FILES.map((file) => [file, importsOf(file, { withTypes: false })]));
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
