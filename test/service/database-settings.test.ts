// DATABASE_POOL_SIZE and DATABASE_DIRECT_URL: a node's share of PostgreSQL's connections, and
// the direct connection for what a transaction pooler (PgBouncer) in front of DATABASE_URL
// cannot carry — LISTEN (the read caches' change feed) and the migrations' session lock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { ConfigError, loadConfig } from '../../src/config.js';
import { openDatabase, type DatabaseHandle } from '../../src/db/database.js';
import { migrateToLatest } from '../../src/db/migrate.js';
import { startService, type TestService } from '../support/service.js';
import { withDatabase } from '../support/templates.js';

const url = process.env.DATABASE_URL;

test('the settings are read and checked', () => {
  const base = { SECRET_KEY: 'x'.repeat(40) };
  assert.equal(loadConfig(base).databasePoolSize, 10);
  assert.equal(loadConfig(base).databaseDirectUrl, null);
  const set = loadConfig({ ...base, DATABASE_URL: 'postgres://pooler:6432/db', DATABASE_DIRECT_URL: 'postgres://db:5432/db', DATABASE_POOL_SIZE: '40' });
  assert.equal(set.databasePoolSize, 40);
  assert.equal(set.databaseDirectUrl, 'postgres://db:5432/db');
  assert.throws(() => loadConfig({ ...base, DATABASE_DIRECT_URL: 'postgres://db:5432/db' }), (e) => e instanceof ConfigError && /needs DATABASE_URL/.test(e.message));
  assert.throws(() => loadConfig({ ...base, DATABASE_URL: 'postgres://a/b', DATABASE_DIRECT_URL: 'mysql://db/db' }), /DATABASE_DIRECT_URL must start with postgres/);
  assert.throws(() => loadConfig({ ...base, DATABASE_URL: 'postgres://a/b', DATABASE_POOL_SIZE: '0' }), /DATABASE_POOL_SIZE/);
  // The embedded database's buffer cache: 32 MB unless told, within what WebAssembly can hold.
  assert.equal(loadConfig(base).embeddedCacheMb, 32);
  assert.equal(loadConfig({ ...base, EMBEDDED_DB_CACHE_MB: '256' }).embeddedCacheMb, 256);
  assert.throws(() => loadConfig({ ...base, EMBEDDED_DB_CACHE_MB: '0' }), /EMBEDDED_DB_CACHE_MB/);
  assert.equal(loadConfig({ ...base, EMBEDDED_DB_CACHE_MB: '512' }).embeddedCacheMb, 512);
  assert.throws(() => loadConfig({ ...base, EMBEDDED_DB_CACHE_MB: '513' }), /EMBEDDED_DB_CACHE_MB must be at most 512/);
  assert.throws(() => loadConfig({ ...base, EMBEDDED_DB_CACHE_MB: 'lots' }), /EMBEDDED_DB_CACHE_MB/);
});

let s: TestService;
let handle: DatabaseHandle;
/** The test's database, reached under two application names so pg_stat_activity tells the two kinds of connection apart. */
const named = (database: string, application: string) => {
  const address = new URL(withDatabase(url!, database));
  address.searchParams.set('application_name', application);
  return address.toString();
};

before(async () => {
  if (!url) return;
  s = await startService({});
  const database = (await sql<{ name: string }>`select current_database() as name`.execute(s.core.db)).rows[0]!.name;
  handle = await openDatabase({
    databaseUrl: named(database, 'ap_pooled'), databaseDirectUrl: named(database, 'ap_direct'), databasePoolSize: 2, dataDir: '/nonexistent',
  });
});
after(async () => {
  if (!url) return;
  await handle.close();
  await s.stop();
});

const backends = async (application: string) => (await sql<{ query: string }>`
  select query from pg_stat_activity where application_name = ${application} and datname = current_database()`.execute(s.core.db)).rows;

test('LISTEN and the migrations use DATABASE_DIRECT_URL; queries use the pool, never more than DATABASE_POOL_SIZE', { skip: !url && 'PostgreSQL only (DATABASE_URL)' }, async () => {
  // The change feed listens on the direct connection once it is up (the caches serve only then).
  while (!handle.changes.live) await new Promise((resolve) => setImmediate(resolve));
  const direct = await backends('ap_direct');
  assert.ok(direct.some((b) => /^listen /i.test(b.query)), JSON.stringify(direct));
  assert.deepEqual(await migrateToLatest(handle.direct), [], 'already migrated, through the direct connection');
  // Its last statement there gives the statement timeout back, after the lock is let go.
  assert.ok((await backends('ap_direct')).some((b) => /reset statement_timeout/.test(b.query)), 'the migrations ran there');
  // The direct connection reads int8 as the pool does (a number), so a migration sees the same values.
  const { rows } = await sql<{ n: unknown }>`select count(*) as n from schema_migrations`.execute(handle.direct);
  assert.equal(typeof rows[0]!.n, 'number');
  // Six queries at once on a pool of two: at most two pooled connections are ever open.
  const counts = await Promise.all(Array.from({ length: 6 }, () => sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity where application_name = 'ap_pooled' and datname = current_database()`.execute(handle.db)));
  for (const { rows } of counts) assert.ok(rows[0]!.n >= 1 && rows[0]!.n <= 2, String(rows[0]!.n));
  assert.equal((await backends('ap_pooled')).length, 2);
  assert.ok(!(await backends('ap_pooled')).some((b) => /^listen /i.test(b.query)));
});
