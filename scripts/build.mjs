// Bundles the CLI into dist/ so start-up does not pay for module resolution. Code splitting keeps
// the server clients and the Ink UI in chunks that are loaded only when a command needs them.
import { build } from 'esbuild';
import { readdir, readFile, rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const MIME_EXPORTS = ['lookup', 'contentType', 'extension', 'charset'];

/**
 * The lodash and mime-types functions the minio client calls, read from its sources: a minio
 * release that calls another one gets it (lodash), or stops the build (mime-types), instead of
 * failing at run time.
 */
async function minioCalls() {
  const dir = `${ROOT}node_modules/minio/dist/esm`;
  const lodash = new Set();
  const mime = new Set();
  for (const entry of await readdir(dir, { recursive: true })) {
    if (!entry.endsWith('.mjs')) continue;
    const text = await readFile(`${dir}/${entry}`, 'utf8');
    for (const [, name] of text.matchAll(/\b_\.(\w+)\b/g)) lodash.add(name);
    for (const [, name] of text.matchAll(/\bmime\.(\w+)\b/g)) mime.add(name);
  }
  const unknown = [...mime].filter((name) => !MIME_EXPORTS.includes(name));
  if (unknown.length > 0) throw new Error(`minio calls mime-types' ${unknown.join(', ')}: add it to MIME_EXPORTS in scripts/build.mjs`);
  if (lodash.size === 0) throw new Error('found no lodash call in minio: has its layout changed? check trimMinioImports in scripts/build.mjs');
  return { lodash: [...lodash].sort() };
}
const LODASH_IN_MINIO = (await minioCalls()).lodash;

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

/**
 * The `minio` client imports the whole of lodash for six functions, and mime-types (with its
 * 200 KB database) for the content type of uploaded files, which the wizard never uploads from
 * disk; both are evaluated at every start of a command that talks S3. Here minio gets lodash's
 * own per-function modules, and a mime-types whose module loads on first use.
 */
const trimMinioImports = {
  name: 'trim-minio-imports',
  setup(b) {
    const fromMinio = (args) => /[\\/]node_modules[\\/]minio[\\/]/.test(args.importer);
    b.onResolve({ filter: /^(lodash|mime-types)$/ }, (args) => (fromMinio(args) ? { path: args.path, namespace: 'minio-trimmed' } : undefined));
    b.onLoad({ filter: /^lodash$/, namespace: 'minio-trimmed' }, () => ({
      contents: `export default { ${LODASH_IN_MINIO.map((name) => `${name}: require('lodash/${name}.js')`).join(', ')} };`,
      loader: 'js',
      resolveDir: ROOT,
    }));
    b.onLoad({ filter: /^mime-types$/, namespace: 'minio-trimmed' }, () => ({
      contents: `let mime; const load = () => (mime ??= require('mime-types'));
${MIME_EXPORTS.map((name) => `export const ${name} = (value) => load().${name}(value);`).join('\n')}`,
      loader: 'js',
      resolveDir: ROOT,
    }));
  },
};

await rm(`${ROOT}dist`, { recursive: true, force: true });
await build({
  // paths below are the project's, wherever this script is started from
  absWorkingDir: ROOT,
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
  // hash-wasm's package.json names a UMD build as `main`, which platform 'node' prefers: the
  // dynamic import of it in madmin-encryption.ts then has no named `argon2id` (TypeError in the
  // built CLI only, whenever MinIO answers with an Argon2id body). Its ES module build has them.
  alias: { 'hash-wasm': 'hash-wasm/dist/index.esm.js' },
  banner: {
    js: "#!/usr/bin/env node\nimport { createRequire as __ncwCreateRequire } from 'node:module'; const require = __ncwCreateRequire(import.meta.url);",
  },
  plugins: [rawText, lazyChildProcessInCommander, trimMinioImports],
  // React and its reconciler ship a development and a production build chosen by NODE_ENV at run
  // time; fixing it here drops the development one (about 1 MB to parse at every start).
  define: { 'process.env.NODE_ENV': '"production"' },
  minifySyntax: true,
  minifyWhitespace: true,
  legalComments: 'none',
  logLevel: 'warning',
});
