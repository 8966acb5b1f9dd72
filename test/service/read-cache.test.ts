// The read cache must never let a write go unseen: suspension, password change, deletion
// and role changes take effect on the very next request, on both databases. It drops only
// the entries that depend on the rows a write touched (the triggers name them).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { decodeJwt } from 'jose';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { ReadCache, type ChangeSource } from '../../src/core/cache.js';
import { ChangeFeed, MAX_PAYLOAD, WATCHED_TABLES, parsePayload, type Change } from '../../src/db/change-feed.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const sid = (u: TestUser) => String(decodeJwt(u.token).sid);
const read = (u: TestUser) => s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });

/** Collects what this node's change feed reports until stopped. */
function record(): { changes: Change[]; stop(): void } {
  const changes: Change[] = [];
  const stop = s.database.changes.subscribe((c) => changes.push(c));
  return { changes, stop: () => { stop(); } };
}

test('a suspension through the API ends a cached token on the next request', async () => {
  const u = await s.user();
  for (let i = 0; i < 3; i++) assert.equal((await read(u)).statusCode, 200);
  const suspended = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'Audit' } });
  assert.equal(suspended.statusCode, 200, suspended.body);
  const refused = await read(u);
  assert.equal(refused.statusCode, 401);
  assert.match(refused.json().detail, /suspended/);
});

test('a write to one user drops that user\'s entries and keeps everyone else\'s', async () => {
  const a = await s.user();
  const b = await s.user();
  for (const u of [a, b]) assert.equal((await read(u)).statusCode, 200);
  for (const u of [a, b]) {
    assert.ok(s.core.cache.has(`session-auth:${sid(u)}`));
    assert.ok(s.core.cache.has(`user-by-ref:slug:${u.username}`));
  }
  await s.core.db.updateTable('users').set({ full_name: 'Only A' }).where('id', '=', a.id).execute();
  // Dropped by the time the write returned: this node fenced on its own commit.
  assert.ok(!s.core.cache.has(`session-auth:${sid(a)}`));
  assert.ok(!s.core.cache.has(`user-by-ref:slug:${a.username}`));
  assert.ok(s.core.cache.has(`session-auth:${sid(b)}`));
  assert.ok(s.core.cache.has(`user-by-ref:slug:${b.username}`));
  assert.equal((await read(a)).json().full_name, 'Only A');
  // A session of B changes: B's session state goes, B's profile stays.
  await s.core.db.updateTable('sessions').set({ refreshed_at: new Date() }).where('id', '=', sid(b)).execute();
  assert.ok(!s.core.cache.has(`session-auth:${sid(b)}`));
  assert.ok(s.core.cache.has(`user-by-ref:slug:${b.username}`));
});

test('a write made outside the query builder (raw SQL, even inside a CTE) is seen on the next request', async () => {
  const u = await s.user();
  assert.equal((await read(u)).json().full_name, `User ${u.username}`);
  await sql`update users set full_name = 'Raw Rename' where id = ${u.id}`.execute(s.core.db);
  assert.equal((await read(u)).json().full_name, 'Raw Rename');
  await sql`with changed as (update users set full_name = 'CTE Rename' where id = ${u.id} returning id) select id from changed`.execute(s.core.db);
  assert.equal((await read(u)).json().full_name, 'CTE Rename');
});

test('a write inside a unit of work is seen once the unit returns, and not before it commits', async () => {
  const u = await s.user();
  assert.equal((await read(u)).statusCode, 200);
  await s.core.transact(async (db) => {
    await db.updateTable('users').set({ full_name: 'In A Unit' }).where('id', '=', u.id).execute();
    // Uncommitted: other readers still see (and may cache) the committed row.
    assert.ok(s.core.cache.has(`user-by-ref:slug:${u.username}`));
  });
  assert.ok(!s.core.cache.has(`user-by-ref:slug:${u.username}`));
  assert.equal((await read(u)).json().full_name, 'In A Unit');
});

test('losing the broker manager role is seen at once', async () => {
  const u = await s.user();
  const broker = await s.core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow();
  const manager = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null).executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({ organization_id: broker.id, user_id: u.id, role_description_id: manager.id, accepted_at: new Date() }).execute();
  assert.equal((await s.request({ method: 'GET', url: '/api/users/', token: u.token })).statusCode, 200);
  assert.ok(s.core.cache.has(`broker-manager:${u.id}`));
  await s.core.db.deleteFrom('roles').where('user_id', '=', u.id).execute();
  assert.equal((await s.request({ method: 'GET', url: '/api/users/', token: u.token })).statusCode, 403);
});

test('the triggers name each row once, and a statement over too many rows names the whole table', async () => {
  const u = await s.user();
  const rec = record();
  // Every session of the user: one key, however many rows.
  await s.core.db.updateTable('sessions').set({ refreshed_at: new Date() }).where('user_id', '=', u.id).execute();
  await sql`select count(*) from users`.execute(s.core.db); // no write: nothing reported
  const many = await sql<{ id: number }>`
    insert into users (slug, email, full_name)
    select 'bulk-' || g || '-' || ${u.id}, null, 'Bulk' from generate_series(1, ${Math.ceil(MAX_PAYLOAD / 4)}) g returning id`.execute(s.core.db);
  rec.stop();
  assert.deepEqual(rec.changes[0], { table: 'sessions', keys: [String(u.id)] });
  assert.deepEqual(rec.changes[1], { table: 'users', keys: '*' });
  assert.equal(rec.changes.length, 2);
  await sql`delete from users where id = any(${many.rows.map((r) => r.id)})`.execute(s.core.db);
});

test('every watched table has its triggers, and no other table notifies', async () => {
  const rows = await sql<{ table: string; triggers: number }>`
    select c.relname as table, count(*)::int as triggers from pg_trigger t join pg_class c on c.oid = t.tgrelid
     where t.tgfoid = 'account_portal_notify_rows'::regproc group by c.relname order by c.relname`.execute(s.core.db);
  assert.deepEqual(rows.rows, Object.keys(WATCHED_TABLES).sort().map((table) => ({ table, triggers: 4 })));
});

test('notification payloads: keys, whole tables, and anything unknown empties everything', () => {
  assert.deepEqual(parsePayload('roles:3,null'), { table: 'roles', keys: ['3', 'null'] });
  assert.deepEqual(parsePayload('users:*'), { table: 'users', keys: '*' });
  assert.deepEqual(parsePayload('mail_outbox:1'), { table: '*' });
  assert.deepEqual(parsePayload('garbage'), { table: '*' });
});

/** A change source the test drives by hand. */
function fakeSource(): ChangeSource & { feed: ChangeFeed } {
  const feed = new ChangeFeed(true);
  feed.connected(async () => {});
  return Object.assign(feed, { feed });
}

test('ReadCache keeps no value that a change to its rows overtook while it was loading', async () => {
  const source = fakeSource();
  const cache = new ReadCache(source);
  let release!: () => void;
  const loading = cache.get('k', () => new Promise<string>((r) => { release = () => r('stale'); }), () => ['users:1']);
  source.feed.notified('users:1');
  release();
  assert.equal(await loading, 'stale');
  assert.ok(!cache.has('k'));
  // A change to another row does not stop it from being kept.
  const other = cache.get('k', () => new Promise<string>((r) => { release = () => r('fresh'); }), () => ['users:1']);
  source.feed.notified('users:2');
  release();
  assert.equal(await other, 'fresh');
  assert.equal(await cache.get('k', async () => 'not read', () => ['users:1']), 'fresh');
});

test('ReadCache: an entry on "any row" of a table goes with every change to it; a whole-table change drops that table only', async () => {
  const source = fakeSource();
  const c = new ReadCache(source);
  await c.get('missing', async () => null, () => ['users:*']);
  await c.get('u1', async () => 1, () => ['users:1']);
  await c.get('r1', async () => 1, () => ['roles:1']);
  source.feed.notified('users:9');
  assert.deepEqual([c.has('missing'), c.has('u1'), c.has('r1')], [false, true, true]);
  source.feed.notified('users:*');
  assert.deepEqual([c.has('u1'), c.has('r1')], [false, true]);
});

test('ReadCache serves nothing while the change feed is down, and starts empty when it is back', async () => {
  const source = fakeSource();
  const cache = new ReadCache(source);
  await cache.get('k', async () => 'before', () => ['users:1']);
  source.feed.disconnected();
  assert.equal(cache.size, 0);
  assert.equal(await cache.get('k', async () => 'down', () => ['users:1']), 'down');
  assert.equal(await cache.get('k', async () => 'still down', () => ['users:1']), 'still down');
  assert.equal(cache.size, 0);
  source.feed.connected(async () => {});
  assert.equal(await cache.get('k', async () => 'back', () => ['users:1']), 'back');
  assert.equal(await cache.get('k', async () => 'not read', () => ['users:1']), 'back');
});

test('on PostgreSQL, a session ended by another connection is seen through NOTIFY, and a fenced hit waits for it', async (t) => {
  if (s.database.kind !== 'postgres') return t.skip('PostgreSQL only: PGlite is one process');
  const u = await s.user();
  assert.equal((await read(u)).statusCode, 200);
  // Another node's write: this node's fence plugin does not see it, only the trigger's NOTIFY.
  const pg = (await import('pg')).default;
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(s.core.db);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${rows[0].db}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(`update sessions set ended_at = now(), end_reason = 'logout' where id = $1`, [sid(u)]);
  } finally {
    await client.end();
  }
  // No waiting for the notification: the fenced hit on the auth path waits for it.
  assert.equal((await read(u)).statusCode, 401);
});

test('fences coalesce: callers waiting while one is in flight share the next; a lost feed fails them', async () => {
  const feed = new ChangeFeed();
  const sent: string[] = [];
  // The "database" echoes each marker back a turn later, as the LISTEN connection would.
  feed.connected(async (payload) => { sent.push(payload); setImmediate(() => feed.notified(payload)); });
  await Promise.all(Array.from({ length: 50 }, () => feed.fence()));
  assert.equal(sent.length, 2);
  // Another node's marker settles nothing of ours, and empties nothing.
  const seen: Change[] = [];
  feed.subscribe((c) => seen.push(c));
  feed.notified('fence:someone-else:1');
  assert.deepEqual(seen, []);
  const stuck = new ChangeFeed();
  stuck.connected(async () => {});
  const waiting = stuck.fence();
  stuck.disconnected();
  await assert.rejects(waiting, /down/);
  await assert.rejects(stuck.fence(), /down/);
});
