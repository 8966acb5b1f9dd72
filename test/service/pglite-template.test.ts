// A new embedded data folder starts from the build's migrated template: the folder it makes
// is a complete, migrated database that keeps its writes across a restart, and a template
// made from other migrations is never used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openPGlite } from '../../src/db/database.js';
import { migrateToLatest, migrationState, migrations } from '../../src/db/migrate.js';
import { readTemplate, templateKey, templatePath, writeTemplate } from '../../src/db/pglite-template.js';

const skip = process.env.DATABASE_URL ? 'the template is the embedded database\'s' : false;
let dir: string;

before(() => { dir = mkdtempSync(join(tmpdir(), 'ap-template-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('a folder made from the template is migrated and keeps its writes across a restart', { skip }, async () => {
  const written = await writeTemplate(dir);
  assert.equal(written, templatePath(dir, templateKey()));
  const template = readTemplate(dir);
  assert.ok(template, 'the template just written is found');
  const dataDir = join(dir, 'data');
  const first = await openPGlite(dataDir, template);
  try {
    assert.deepEqual(await migrationState(first.db), { applied: migrations.length, pending: 0 });
    assert.deepEqual(await migrateToLatest(first.db), []);
    await sql`insert into schema_migrations (name) values ('template-test-marker')`.execute(first.db);
  } finally {
    await first.close();
  }
  const again = await openPGlite(dataDir);
  try {
    const marker = await sql<{ n: number }>`select count(*)::int as n from schema_migrations where name = 'template-test-marker'`.execute(again.db);
    assert.equal(marker.rows[0]!.n, 1);
  } finally {
    await again.close();
  }
});

test('a template made from other migrations is not used', { skip }, async () => {
  const path = await writeTemplate(dir);
  const stale = join(dir, 'pglite-template-0000000000000000.tar.gz');
  renameSync(path, stale);
  assert.equal(readTemplate(dir), undefined);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tar.gz')), ['pglite-template-0000000000000000.tar.gz']);
  // Writing the current one removes the stale one.
  await writeTemplate(dir);
  assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tar.gz')), [`pglite-template-${templateKey()}.tar.gz`]);
});
