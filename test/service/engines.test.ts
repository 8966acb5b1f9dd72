// package.json's `engines` must be true: every installed package (dependencies of
// dependencies and dev tools included) must run on the oldest Node it allows. An update
// that needs a newer Node fails here, before a user on Node 20 finds out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import semver from 'semver';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Manifest { name?: string; version?: string; engines?: { node?: string } }

function installed(dir: string): Array<{ path: string; manifest: Manifest }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    if (name.startsWith('.')) return [];
    const path = join(dir, name);
    if (name.startsWith('@')) return installed(path);
    const file = join(path, 'package.json');
    if (!existsSync(file)) return [];
    const manifest = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    return [{ path, manifest }, ...installed(join(path, 'node_modules'))];
  });
}

test("no installed package needs a newer Node than package.json's engines allow", () => {
  const ours = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Manifest).engines?.node;
  assert.ok(ours && semver.validRange(ours), 'package.json states engines.node');
  assert.ok(semver.satisfies(process.version, ours), `this Node (${process.version}) is one engines allows (${ours})`);
  const packages = installed(join(root, 'node_modules'));
  assert.ok(packages.length > 100, 'node_modules is installed');
  const tooNew = packages
    .filter(({ manifest }) => manifest.engines?.node && semver.validRange(manifest.engines.node))
    // Every Node version our range allows must be one theirs allows.
    .filter(({ manifest }) => !semver.subset(ours, manifest.engines!.node!))
    .map(({ manifest }) => `${manifest.name}@${manifest.version} needs node ${manifest.engines!.node}`);
  assert.deepEqual(tooNew, [], `engines.node is "${ours}", but:\n${tooNew.join('\n')}\n` +
    'Pick versions that run on it (see docs/architecture.md, "Node 20"), or raise engines.node.');
});
