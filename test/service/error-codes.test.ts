// The table of error codes in docs/errors.md cannot rot: it lists exactly the codes of
// ERROR_CODES (src/core/errors.ts) with their kinds, and every code the sources throw (read
// from the sources themselves, not from the list) is in it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CODES } from '../../src/core/errors.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `code` → kinds, from the rows of the table in docs/errors.md. */
function documented(): Map<string, string[]> {
  const rows = new Map<string, string[]>();
  for (const line of readFileSync(join(root, 'docs/errors.md'), 'utf8').split('\n')) {
    const row = line.match(/^\| `([a-z_]+(?:\.[a-z_]+)+)` \| ([a-z_, ]+) \| .+ \|$/);
    if (!row) continue;
    assert.ok(!rows.has(row[1]), `${row[1]} is in the table twice`);
    rows.set(row[1], row[2].split(',').map((k) => k.trim()).sort());
  }
  return rows;
}

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The text between the parenthesis at `open` and its match. */
function argumentsAt(text: string, open: number): string {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) return text.slice(open + 1, i);
  }
  return text.slice(open + 1);
}

const CONSTRUCTOR = /new (Invalid|BadRequest|Unauthenticated|Forbidden|NotFound|Conflict|TooManyAttempts|InvalidToken)\(/g;
// A dotted literal, but not one compared with (`action === 'users.list' ? ...`).
const DOTTED = /(?<![=!]==\s*)'([a-z_]+(?:\.[a-z_]+)+)'(?!\s*[=!]==)/g;

/** Every code the sources throw, as written in them, with where. */
function thrownCodes(): Map<string, string> {
  const found = new Map<string, string>();
  const files = [...sources(join(root, 'src/core')), ...sources(join(root, 'src/jobs')), join(root, 'src/cli.ts')];
  for (const file of files) {
    const text = readFileSync(file, 'utf8');
    const where = file.slice(root.length + 1);
    for (const call of text.matchAll(CONSTRUCTOR)) {
      const args = argumentsAt(text, call.index! + call[0].length - 1);
      const literals = [...args.matchAll(DOTTED)];
      for (const literal of literals) found.set(literal[1], where);
      // NotFound('user', ...) throws `user.not_found`, unless it names its code.
      const thing = call[1] === 'NotFound' && literals.length === 0 ? args.match(/^\s*'([a-z_ ]+)'/) : null;
      if (thing) found.set(`${thing[1].replace(/\s+/g, '_')}.not_found`, where);
    }
    // Codes chosen ahead of the throw: `code: 'user.suspended'`, `code = 'field.invalid'`, `'token.invalid' | ...`.
    for (const literal of text.matchAll(/code(?:\??:|\s*=)\s*([^;{]*)/g)) {
      for (const dotted of literal[1].matchAll(DOTTED)) found.set(dotted[1], where);
    }
  }
  return found;
}

test('docs/errors.md lists exactly the codes of ERROR_CODES, with their kinds', () => {
  const table = documented();
  const list = new Map(Object.entries(ERROR_CODES).map(([code, kinds]) => [code, [...kinds].sort()]));
  assert.ok(list.size > 50, `only ${list.size} codes read from src/core/errors.ts`);
  assert.deepEqual([...table.keys()].filter((c) => !list.has(c)), [], 'in docs/errors.md but not in ERROR_CODES');
  assert.deepEqual([...list.keys()].filter((c) => !table.has(c)), [], 'in ERROR_CODES but not in docs/errors.md');
  for (const [code, kinds] of list) assert.deepEqual(table.get(code), kinds, `the kinds of ${code}`);
});

test('every code thrown in src/core, src/jobs and src/cli.ts is in docs/errors.md', () => {
  const table = documented();
  const thrown = thrownCodes();
  // The scan must see the codes it is meant to see, or it proves nothing.
  for (const known of ['organization.suspended', 'role.last_manager', 'link.invalid', 'login.locked', 'user.suspended', 'token.expired', 'organization.not_found']) {
    assert.ok(thrown.has(known), `the scan missed ${known}`);
  }
  const missing = [...thrown].filter(([code]) => !table.has(code)).map(([code, where]) => `${code} (${where})`);
  assert.deepEqual(missing, [], 'thrown but not documented');
});

/** `code` → status, from the table of codes the surface answers by itself. */
function documentedBySurface(): Map<string, number> {
  const rows = new Map<string, number>();
  for (const line of readFileSync(join(root, 'docs/errors.md'), 'utf8').split('\n')) {
    const row = line.match(/^\| `([a-z_]+(?:\.[a-z_]+)+)` \| (\d{3}) \| .+ \|$/);
    if (row) rows.set(row[1], Number(row[2]));
  }
  return rows;
}

test('every code the HTTP layer answers by itself is in docs/errors.md', () => {
  const table = documentedBySurface();
  const found = new Map<string, string>();
  for (const file of sources(join(root, 'src/http'))) {
    const text = readFileSync(file, 'utf8');
    // `error_code: '...'`, `code: '...'` (request-errors.ts), `envelope(detail, '...')` and
    // `answerWith(status, message, '...')` (the shared error handler).
    for (const m of text.matchAll(/(?:error_code|code):\s*'([a-z_]+(?:\.[a-z_]+)+)'/g)) found.set(m[1]!, file.slice(root.length + 1));
    for (const call of text.matchAll(/\b(?:envelope|answerWith)\(/g)) {
      for (const m of argumentsAt(text, call.index! + call[0].length - 1).matchAll(DOTTED)) found.set(m[1]!, file.slice(root.length + 1));
    }
  }
  for (const known of ['route.not_found', 'field.invalid', 'server.error']) assert.ok(found.has(known), `the scan missed ${known}`);
  const missing = [...found].filter(([code]) => !table.has(code)).map(([code, where]) => `${code} (${where})`);
  assert.deepEqual(missing, [], 'answered but not documented');
});

test('every code is dotted, lowercase, and names a situation once', () => {
  for (const code of Object.keys(ERROR_CODES)) assert.match(code, /^[a-z_]+(\.[a-z_]+)+$/, code);
  const text = readFileSync(join(root, 'docs/architecture.md'), 'utf8');
  assert.match(text, /docs\/errors\.md/, 'docs/architecture.md points to the table of codes');
});
