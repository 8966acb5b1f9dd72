// `npm run build`, after tsc: bundles the command line (src/cli.ts and what it imports,
// packages included) into dist/cli.js, replacing tsc's dist/cli.js. Node 20 has no module
// compile cache, and resolving, reading and compiling ~1,500 separate modules was the largest
// piece of a start; one file is read and compiled once. The rest of dist/ (tsc's output) stays:
// the PGlite template step and the template's key read it.
import { readFile, readdir, rm } from 'node:fs/promises';
import { dirname, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const src = resolve(root, 'src');
const dist = resolve(root, 'dist');

// Left as imports of node_modules: native or WASM code, packages that read their own files
// next to their modules (swagger-ui's page, @fastify/swagger's package.json), and optional
// peers that are not installed (imported only when configured).
const external = [
  '@node-rs/argon2',
  '@electric-sql/pglite',
  '@fastify/swagger',
  '@fastify/swagger-ui',
  'ioredis',
  'pg-native',
  // Required on the first password checked (src/core/identity/passwords.ts), not at start.
  '@zxcvbn-ts/language-common',
];

// Our modules that find files next to themselves (packages, mail templates, the PGlite
// template, the web build) use import.meta.url: give each the URL its tsc output has in
// dist/, so those paths do not change with the bundle.
const ownModuleUrls = {
  name: 'own-module-urls',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, async (args) => {
      if (!args.path.startsWith(src + '/')) return undefined;
      const text = await readFile(args.path, 'utf8');
      if (!text.includes('import.meta.url')) return undefined;
      const compiled = relative(src, args.path).replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify('./' + compiled)}, import.meta.url).href`;
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

// A module imported with import() only when configured (the stripe processor) becomes a
// chunk of its own, loaded then. Chunks sit beside cli.js, so the URLs above hold in them.
for (const file of await readdir(dist).catch(() => [])) {
  if (file.startsWith('cli-chunk-')) await rm(resolve(dist, file));
}

await build({
  entryPoints: [resolve(src, 'cli.ts')],
  outdir: dist,
  entryNames: '[name]',
  chunkNames: 'cli-chunk-[hash]',
  splitting: true,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external,
  plugins: [ownModuleUrls],
  // Packages written as CommonJS call require() for Node's own modules.
  banner: { js: "import { createRequire as __bundleRequire } from 'node:module';\nconst require = __bundleRequire(import.meta.url);" },
  // Stack traces map back to src/ under `node --enable-source-maps`, as tsc's maps did.
  sourcemap: 'linked',
  // Fewer bytes to decode and parse at every start; names are kept, so stack traces still
  // read without the map.
  minifyWhitespace: true,
  minifySyntax: true,
  sourcesContent: false,
  legalComments: 'none',
  logLevel: 'warning',
});
