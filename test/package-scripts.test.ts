/**
 * `npx nix-cache-wizard` installs the published tarball: a lifecycle script that runs on install
 * (prepare, preinstall, install, postinstall) makes npm print an install-scripts warning, and on a
 * git install runs a build the user never asked for. The bin is built before packing instead, and
 * the readme's `npm install && npm start` / `npm install && npm test` build it themselves.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; bin: Record<string, string> };

test('the package runs no script on install, so npx prints no install-scripts warning', () => {
  for (const name of ['prepare', 'preinstall', 'install', 'postinstall']) expect(pkg.scripts[name], name).toBeUndefined();
});

test('the bin is built before packing, and by npm start and npm test on a fresh clone', () => {
  expect(pkg.bin['nix-cache-wizard']).toBe('dist/cli.js');
  expect(pkg.scripts['prepack']).toContain('scripts/build.mjs');
  expect(pkg.scripts['start']).toMatch(/^node scripts\/build\.mjs && /);
  expect(pkg.scripts['test']).toMatch(/^node scripts\/build\.mjs && /);
});

test('the tests read their vectors from the repository, never from a folder beside it', () => {
  const readme = readFileSync(join(root, 'test/fixtures/vectors/README.md'), 'utf8');
  expect(readme).toMatch(/madmin-go/);
  expect(readme).toMatch(/sio-go/);
});
