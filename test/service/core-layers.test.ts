// The core's folders depend one way (docs/architecture.md, "Core layers"): each may import
// only the folders listed before it here. A new folder must be placed in this list, and an
// import against the order (the cycle core/access <-> core/organizations was one) fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const core = resolve(dirname(fileURLToPath(import.meta.url)), '../../src/core');

/** Bottom first. Folders on one line depend on none of each other. */
const LAYERS: string[][] = [
  ['todos'],
  ['access', 'notify'],
  ['identity'],
  ['organizations'],
  ['memberships'],
  // Accountcentral's capabilities: team administration, DKIM signing.
  ['team', 'mail-signing'],
  // Accountcentral's notices: notifications, news and application status, which name the
  // platform's applications (team/platform-applications.ts).
  ['notices'],
  // Legal agreements: checkout (billing) asks whether the terms are signed.
  ['legal'],
  ['billing'],
  ['provisioning'],
  ['oauth2'],
];
/** Root files that fill in the folders' hooks or wire them at start: no folder may import them. */
const COMPOSITION = ['hooks.ts', 'bootstrap.ts'];

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** Every module a file imports or re-exports (type-only ones too), as absolute .ts paths. */
function importsOf(file: string): string[] {
  const info = ts.preProcessFile(readFileSync(file, 'utf8'), true, true);
  return info.importedFiles.map((f) => f.fileName).filter((name) => name.startsWith('.'))
    .map((name) => resolve(dirname(file), name).replace(/\.js$/, '.ts'));
}

/** The core folder a path is in, the root file's name for a file at src/core/, or null outside the core. */
function nodeOf(path: string): string | null {
  const rel = relative(core, path);
  if (rel.startsWith('..')) return null;
  const parts = rel.split(sep);
  return parts[0]!;
}

const rank = new Map(LAYERS.flatMap((layer, i) => layer.map((folder) => [folder, i] as const)));
const folders = readdirSync(core).filter((name) => statSync(join(core, name)).isDirectory());
const edges = files(core).flatMap((file) => importsOf(file).map((target) => ({ file, from: nodeOf(file)!, to: nodeOf(target) })));

test('every folder of src/core has its place in the layers', () => {
  assert.deepEqual(folders.filter((f) => !rank.has(f)), [], 'add new core folders to LAYERS in test/service/core-layers.test.ts');
  assert.ok(edges.length > 100, 'the imports were read');
});

test('core folders import only the folders below them, so no import cycle runs through them', () => {
  const wrong = edges.filter((e) => rank.has(e.from) && e.to !== null && rank.has(e.to) && e.from !== e.to && rank.get(e.to)! >= rank.get(e.from)!)
    .map((e) => `${relative(core, e.file)} imports ${e.to}`);
  assert.deepEqual(wrong, []);
});

test('no core folder imports the composition root', () => {
  const wrong = edges.filter((e) => rank.has(e.from) && e.to !== null && COMPOSITION.includes(e.to))
    .map((e) => `${relative(core, e.file)} imports ${e.to}`);
  assert.deepEqual(wrong, []);
});
