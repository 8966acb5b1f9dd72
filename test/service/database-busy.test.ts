// A database too busy for a request: no connection comes free within DATABASE_POOL_WAIT_MS,
// or a statement runs past DATABASE_STATEMENT_TIMEOUT_MS (here, waiting on a row another
// client holds). Either way the request is answered 503 server.busy with Retry-After in its
// surface's envelope, never a 500 nor a request that hangs, nothing it began is kept, and
// the same request succeeds once the database has room. PostgreSQL only: PGlite has one
// connection in the process and no statement timeout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import pg from 'pg';
import { loadConfig } from '../../src/config.js';
import { unavailableFromDatabase } from '../../src/core/errors.js';
import { sql } from 'kysely';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { withDatabase } from '../support/templates.js';

const onPostgres = !!process.env.DATABASE_URL;
const skip = onPostgres ? false : 'PostgreSQL only (DATABASE_URL)';

test('the settings: 10 s to get a connection, 30 s per statement, bounded', () => {
  const base = { SECRET_KEY: 'x'.repeat(40) };
  const config = loadConfig(base);
  assert.equal(config.databasePoolWaitMs, 10_000);
  assert.equal(config.databaseStatementTimeoutMs, 30_000);
  assert.equal(loadConfig({ ...base, DATABASE_STATEMENT_TIMEOUT_MS: '0' }).databaseStatementTimeoutMs, 0);
  assert.throws(() => loadConfig({ ...base, DATABASE_POOL_WAIT_MS: '0' }), /DATABASE_POOL_WAIT_MS must be an integer >= 1/);
  assert.throws(() => loadConfig({ ...base, DATABASE_POOL_WAIT_MS: '600001' }), /DATABASE_POOL_WAIT_MS must be at most 600000/);
  assert.throws(() => loadConfig({ ...base, DATABASE_STATEMENT_TIMEOUT_MS: '3600001' }), /DATABASE_STATEMENT_TIMEOUT_MS must be at most 3600000/);
  assert.throws(() => loadConfig({ ...base, DATABASE_STATEMENT_TIMEOUT_MS: 'long' }), /DATABASE_STATEMENT_TIMEOUT_MS/);
});

test('only the database\'s own refusals are taken for a busy database', () => {
  const withCode = (code: string) => Object.assign(new Error('from the server'), { code });
  for (const code of ['57014', '55P03', '53300', '57P03']) assert.equal(unavailableFromDatabase(withCode(code))?.code, 'server.busy', code);
  assert.equal(unavailableFromDatabase(new Error('timeout exceeded when trying to connect'))?.retryAfter, 1);
  assert.equal(unavailableFromDatabase(new Error('Connection terminated due to connection timeout'))?.kind, 'unavailable');
  assert.equal(unavailableFromDatabase(withCode('23505')), null);
  assert.equal(unavailableFromDatabase(Object.assign(new Error('timeout exceeded when trying to connect'), { code: 'XX000' })), null);
  assert.equal(unavailableFromDatabase(new Error('something else')), null);
  assert.equal(unavailableFromDatabase(null), null);
  assert.equal(unavailableFromDatabase('timeout exceeded when trying to connect'), null);
});

/** Resolves once `done()` holds; rejects as soon as one of `running` does, so a failure never hangs the test. */
async function until(done: () => boolean, running: Promise<unknown>[]): Promise<void> {
  const failed = Promise.all(running).then(() => { throw new Error('the work ended before the condition held'); });
  while (!done()) await Promise.race([new Promise((tick) => setTimeout(tick, 5)), failed]);
}

let s: TestService;
let u: TestUser;
let owner: TestUser;
before(async () => {
  if (!onPostgres) return;
  s = await startService({ DATABASE_POOL_SIZE: '2', DATABASE_POOL_WAIT_MS: '300', DATABASE_STATEMENT_TIMEOUT_MS: '500' });
  u = await s.user();
  owner = await s.user();
});

/** A client of the service's database of its own, outside the service's pool. */
async function otherClient(): Promise<pg.Client> {
  const database = (await sql<{ name: string }>`select current_database() as name`.execute(s.core.db)).rows[0]!.name;
  const client = new pg.Client({ connectionString: withDatabase(process.env.DATABASE_URL!, database) });
  await client.connect();
  return client;
}
after(async () => { await s?.stop(); });

const rename = (fullName: string) => s.request({ method: 'PATCH', url: `/api/users/${u.username}/`, token: u.token, body: { full_name: fullName } });

test('a statement past DATABASE_STATEMENT_TIMEOUT_MS (a row held elsewhere) is cancelled and answered 503; nothing is kept', { skip }, async () => {
  const other = await otherClient();
  try {
    await other.query('begin');
    await other.query('select id from users where id = $1 for update', [u.id]);
    const started = Date.now();
    const blocked = await rename('Held Elsewhere');
    assert.equal(blocked.statusCode, 503, blocked.body);
    assert.deepEqual(blocked.json(), { detail: 'The database could not answer in time. Try again shortly.', error_code: 'server.busy' });
    assert.equal(blocked.headers['retry-after'], '1');
    assert.ok(Date.now() - started < 5_000, 'answered once the statement was cancelled, not when the row was let go');
  } finally {
    await other.query('rollback');
    await other.end();
  }
  const row = await s.core.db.selectFrom('users').select('full_name').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.notEqual(row.full_name, 'Held Elsewhere');
  const renamed = await rename('Free Again');
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal(renamed.json().full_name, 'Free Again');
});

test('a unit of work cancelled by the statement timeout keeps none of its writes', { skip }, async () => {
  const other = await otherClient();
  try {
    await other.query('begin');
    await other.query('select id from users where id = $1 for update', [u.id]);
    const failure = await s.core.transact(async (tx) => {
      await tx.updateTable('users').set({ nick_name: 'written first' }).where('id', '=', owner.id).execute();
      await tx.updateTable('users').set({ nick_name: 'then blocked' }).where('id', '=', u.id).execute();
    }).then(() => null, (error: unknown) => error);
    assert.equal(unavailableFromDatabase(failure)?.code, 'server.busy', String(failure));
  } finally {
    await other.query('rollback');
    await other.end();
  }
  const row = await s.core.db.selectFrom('users').select('nick_name').where('id', '=', owner.id).executeTakeFirstOrThrow();
  assert.notEqual(row.nick_name, 'written first');
});

test('no connection free within DATABASE_POOL_WAIT_MS: 503 with Retry-After, then served once one is', { skip }, async () => {
  let release!: () => void;
  const held = new Promise<void>((done) => { release = done; });
  let holding = 0;
  // Two units of work hold both of the pool's connections.
  const holders = [0, 1].map(() => s.core.transact(async (tx) => {
    await tx.selectFrom('users').select('id').where('id', '=', u.id).execute();
    holding += 1;
    await held;
  }));
  await until(() => holding === 2, holders);
  try {
    const started = Date.now();
    const waiting = await rename('No Connection');
    assert.equal(waiting.statusCode, 503, waiting.body);
    assert.deepEqual(waiting.json(), { detail: 'The database could not answer in time. Try again shortly.', error_code: 'server.busy' });
    assert.equal(waiting.headers['retry-after'], '1');
    assert.ok(Date.now() - started < 5_000);
    // get.chat's surface answers the same in its own envelope.
    const login = await s.request({ method: 'POST', url: '/account/login', body: { email: u.email, password: 'not-the-password' } });
    assert.equal(login.statusCode, 503, login.body);
    assert.equal(login.json().code, 'server.busy');
    assert.equal(login.json().message, 'The database could not answer in time. Try again shortly.');
  } finally {
    release();
    await Promise.all(holders);
  }
  const served = await rename('Connection Back');
  assert.equal(served.statusCode, 200, served.body);
});

test('a migration waits past the statement timeout, and its connection gets the limit back', { skip }, async () => {
  const { migrateToLatest } = await import('../../src/db/migrate.js');
  const other = await otherClient();
  try {
    // Another node holds the migrations' lock for longer than a statement may run here.
    await other.query('select pg_advisory_lock(72130511)');
    const migrating = migrateToLatest(s.core.db);
    const waitedLong = async () => (await other.query(
      `select 1 from pg_stat_activity where datname = current_database() and query like '%pg_advisory_lock(%'
         and wait_event_type = 'Lock' and now() - query_start > interval '700 milliseconds'`)).rowCount! > 0;
    let ended = false;
    migrating.then(() => { ended = true; }, () => { ended = true; });
    while (!(await waitedLong())) {
      assert.equal(ended, false, 'the migration ended while the lock was held elsewhere');
      await new Promise((tick) => setTimeout(tick, 20));
    }
    await other.query('select pg_advisory_unlock(72130511)');
    assert.deepEqual(await migrating, []);
  } finally {
    await other.end();
  }
  // Both of the pool's connections, the migration's included, are limited again.
  let reading = 0;
  let release!: () => void;
  const together = new Promise<void>((done) => { release = done; });
  const shows = [0, 1].map(() => s.core.transact(async (tx) => {
    const shown = await sql<{ statement_timeout: string }>`show statement_timeout`.execute(tx);
    reading += 1;
    await together;
    return shown.rows[0]!.statement_timeout;
  }));
  await until(() => reading === 2, shows);
  release();
  assert.deepEqual(await Promise.all(shows), ['500ms', '500ms']);
});
