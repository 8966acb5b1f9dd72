// A new embedded data folder starts from the build's migrated template: the folder it makes
// is a complete, migrated database that keeps its writes across a restart, and a template
// made from other migrations is never used.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openDatabase, openPGlite } from '../../src/db/database.js';
import { migrateToLatest, migrationState, migrations } from '../../src/db/migrate.js';
import { templateDirectory, templateKey, templatePath, writeTemplate } from '../../src/db/pglite-template.js';

const skip = process.env.DATABASE_URL ? 'the template is the embedded database\'s' : false;
let dir: string;

before(() => { dir = mkdtempSync(join(tmpdir(), 'ap-template-')); });
after(() => { rmSync(dir, { recursive: true, force: true }); });

test('a folder made from the template is migrated and keeps its writes across a restart', { skip }, async () => {
  const written = await writeTemplate(dir);
  assert.equal(written, templatePath(dir, templateKey()));
  const template = templateDirectory(dir);
  assert.equal(template, written, 'the template just written is found');
  const dataDir = join(dir, 'data');
  // What a start that died during its copy left (the marker, part of the files) is cleared
  // by the next one, which copies again.
  mkdirSync(join(dataDir, 'db', 'base'), { recursive: true });
  writeFileSync(join(dataDir, 'db', '.copying-template'), '');
  writeFileSync(join(dataDir, 'db', 'PG_VERSION'), '17\n');
  const first = await openPGlite(dataDir, undefined, { template });
  try {
    assert.deepEqual(await migrationState(first.db), { applied: migrations.length, pending: 0 });
    assert.deepEqual(await migrateToLatest(first.db), []);
    await sql`insert into schema_migrations (name) values ('template-test-marker')`.execute(first.db);
    // The buffer cache is the small default (EMBEDDED_DB_CACHE_MB), not PostgreSQL's 128MB.
    const cache = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(first.db);
    assert.equal(cache.rows[0]!.shared_buffers, '32MB');
  } finally {
    await first.close();
  }
  // The copy is complete (its marker is gone), and the folder is the owner's alone.
  assert.equal(existsSync(join(dataDir, 'db', '.copying-template')), false);
  assert.equal(statSync(join(dataDir, 'db')).mode & 0o777, 0o700);
  // A restart opens the folder as it is (the template is not copied over it again), with
  // the cache EMBEDDED_DB_CACHE_MB asks for.
  const again = await openDatabase({ databaseUrl: null, dataDir, embeddedCacheMb: 16 });
  try {
    const marker = await sql<{ n: number }>`select count(*)::int as n from schema_migrations where name = 'template-test-marker'`.execute(again.db);
    assert.equal(marker.rows[0]!.n, 1);
    const cache = await sql<{ shared_buffers: string }>`show shared_buffers`.execute(again.db);
    assert.equal(cache.rows[0]!.shared_buffers, '16MB');
  } finally {
    await again.close();
  }
  // The template itself is untouched by what the copy wrote.
  const pristine = await openPGlite(join(dir, 'other'), undefined, { template });
  try {
    const marker = await sql<{ n: number }>`select count(*)::int as n from schema_migrations where name = 'template-test-marker'`.execute(pristine.db);
    assert.equal(marker.rows[0]!.n, 0);
  } finally {
    await pristine.close();
  }
});

test('a template made from other migrations is not used', { skip }, async () => {
  const path = await writeTemplate(dir);
  const stale = join(dir, 'pglite-template-0000000000000000');
  renameSync(path, stale);
  assert.equal(templateDirectory(dir), undefined);
  // An older build's dump is cleared too.
  writeFileSync(join(dir, 'pglite-template-1111111111111111.tar.gz'), 'old');
  // Writing the current one removes the stale ones.
  await writeTemplate(dir);
  assert.deepEqual(readdirSync(dir).filter((f) => f.startsWith('pglite-template-')), [`pglite-template-${templateKey()}`]);
  // No file of it is writable by others (PGlite makes its files 0666).
  const writable = (at: string): string[] => readdirSync(at, { withFileTypes: true }).flatMap((e) => {
    const child = join(at, e.name);
    return [...((statSync(child).mode & 0o002) ? [child] : []), ...(e.isDirectory() ? writable(child) : [])];
  });
  assert.deepEqual(writable(path), []);
  // A build of the same key keeps the template there (a service may be copying it).
  writeFileSync(join(path, 'kept-by-the-next-build'), '');
  assert.equal(await writeTemplate(dir), path);
  assert.ok(existsSync(join(path, 'kept-by-the-next-build')));
  rmSync(join(path, 'kept-by-the-next-build'));
});

test('a data folder that already holds files is never overwritten by the template', { skip }, async () => {
  const template = templateDirectory(dir) ?? await writeTemplate(dir);
  const dataDir = join(dir, 'kept');
  mkdirSync(join(dataDir, 'db'), { recursive: true });
  writeFileSync(join(dataDir, 'db', 'note'), 'someone else\'s file');
  // Not a database: PGlite makes its own cluster beside the file rather than copying over it.
  const handle = await openPGlite(dataDir, undefined, { template });
  try {
    assert.ok(existsSync(join(dataDir, 'db', 'note')));
    assert.deepEqual(await migrationState(handle.db), { applied: 0, pending: migrations.length });
  } finally {
    await handle.close();
  }
});
