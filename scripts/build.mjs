// Bundles the CLI into dist/ so start-up does not pay for module resolution. Code splitting keeps
// the server clients and the Ink UI in chunks that are loaded only when a command needs them.
import { build } from 'esbuild';
import { readFile, rm } from 'node:fs/promises';

/** `import text from './x.tmpl?raw'`, as vite does in the tests. */
const rawText = {
  name: 'raw-text',
  setup(b) {
    b.onResolve({ filter: /\?raw$/ }, (args) => ({
      path: new URL(args.path.slice(0, -4), `file://${args.resolveDir}/`).pathname,
      namespace: 'raw-text',
    }));
    b.onLoad({ filter: /.*/, namespace: 'raw-text' }, async (args) => ({
      contents: await readFile(args.path, 'utf8'),
      loader: 'text',
    }));
  },
};

/**
 * commander requires node:child_process when it loads, for executable subcommands, which this
 * program has none of; loading it costs every start (`--version` included). Here its require gets
 * an object that loads the module on first use instead.
 */
const lazyChildProcessInCommander = {
  name: 'lazy-child-process-in-commander',
  setup(b) {
    b.onResolve({ filter: /^node:child_process$/ }, (args) =>
      /[\\/]node_modules[\\/]commander[\\/]/.test(args.importer) ? { path: 'node:child_process', namespace: 'lazy-builtin' } : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      contents: `let loaded; module.exports = new Proxy({}, { get: (_, key) => (loaded ??= require(${JSON.stringify(args.path)}))[key] });`,
      loader: 'js',
    }));
  },
};

await rm('dist', { recursive: true, force: true });
await build({
  entryPoints: { cli: 'bin/cli.ts' },
  outdir: 'dist',
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  chunkNames: 'chunks/[name]-[hash]',
  // ink imports react-devtools-core only when DEV=true; it is not a dependency.
  external: ['react-devtools-core'],
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ncwCreateRequire } from 'node:module'; const require = __ncwCreateRequire(import.meta.url);",
  },
  plugins: [rawText, lazyChildProcessInCommander],
  // React and its reconciler ship a development and a production build chosen by NODE_ENV at run
  // time; fixing it here drops the development one (about 1 MB to parse at every start).
  define: { 'process.env.NODE_ENV': '"production"' },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});
