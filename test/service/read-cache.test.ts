// The read cache must never let a write go unseen: suspension, password change, deletion
// and role changes take effect on the very next request, on both databases.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { ReadCache } from '../../src/core/cache.js';
import { ChangeFeed, ChangeFeedPlugin } from '../../src/db/change-feed.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

test('a suspension through the API ends a cached token on the next request', async () => {
  const u = await s.user();
  for (let i = 0; i < 3; i++) {
    assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token })).statusCode, 200);
  }
  const suspended = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'Audit' } });
  assert.equal(suspended.statusCode, 200, suspended.body);
  const refused = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.json().detail, /suspended/);
});

test('a write made outside the API (raw SQL) also empties the cache', async () => {
  const u = await s.user();
  const first = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(first.json().full_name, `User ${u.username}`);
  await s.core.db.updateTable('users').set({ full_name: 'Renamed Directly' }).where('id', '=', u.id).execute();
  const second = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(second.json().full_name, 'Renamed Directly');
  const { sql } = await import('kysely');
  await sql`update users set full_name = 'Raw Rename' where id = ${u.id}`.execute(s.core.db);
  const third = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(third.json().full_name, 'Raw Rename');
});

test('losing the broker manager role is seen at once', async () => {
  const u = await s.user();
  const broker = await s.core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow();
  const manager = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null).executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({ organization_id: broker.id, user_id: u.id, role_description_id: manager.id, accepted_at: new Date() }).execute();
  assert.equal((await s.request({ method: 'GET', url: '/api/users/', token: u.token })).statusCode, 200);
  await s.core.db.deleteFrom('roles').where('user_id', '=', u.id).execute();
  assert.equal((await s.request({ method: 'GET', url: '/api/users/', token: u.token })).statusCode, 403);
});

test('ReadCache keeps no value that a write overtook while it was loading', async () => {
  const cache = new ReadCache();
  let release!: () => void;
  const loading = cache.get('k', () => new Promise<string>((r) => { release = () => r('stale'); }));
  cache.invalidate();
  release();
  assert.equal(await loading, 'stale');
  assert.equal(await cache.get('k', async () => 'fresh'), 'fresh');
  assert.equal(await cache.get('k', async () => 'not read'), 'fresh');
});

test('the change feed plugin fires for writes to watched tables only', async () => {
  const feed = new ChangeFeed();
  let fired = 0;
  feed.subscribe(() => { fired += 1; });
  const plugin = new ChangeFeedPlugin(feed);
  const db = s.core.db.withPlugin(plugin);
  await db.selectFrom('users').select('id').limit(1).execute();
  assert.equal(fired, 0);
  await db.insertInto('mail_outbox').values({ recipient: 'a@b.c', subject: 's', text_body: 't', template: 'x' }).execute();
  assert.equal(fired, 0);
  await db.updateTable('organizations').set({ region: 'QC' }).where('id', '=', -1).execute();
  assert.equal(fired, 1);
});

test('the change feed plugin fires for writes to sessions (ending one must reach the cached token)', async () => {
  const feed = new ChangeFeed();
  let fired = 0;
  feed.subscribe(() => { fired += 1; });
  const db = s.core.db.withPlugin(new ChangeFeedPlugin(feed));
  await db.updateTable('sessions').set({ end_reason: 'logout' }).where('id', '=', 'none').execute();
  assert.equal(fired, 1);
});

test('on PostgreSQL, a session ended by another node is seen through NOTIFY', async (t) => {
  if (s.database.kind !== 'postgres') return t.skip('PostgreSQL only: PGlite is one process');
  const u = await s.user();
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token })).statusCode, 200);
  // Another node's write: not seen by this node's plugin, only by the trigger's NOTIFY,
  // whose arrival the change feed announces (the cache, subscribed first, is emptied by then).
  const { decodeJwt } = await import('jose');
  const notified = new Promise<void>((done) => { const stop = s.database.changes.subscribe(() => { stop(); done(); }); });
  await s.core.db.withoutPlugins().updateTable('sessions').set({ ended_at: new Date(), end_reason: 'logout' })
    .where('id', '=', String(decodeJwt(u.token).sid)).execute();
  await notified;
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token })).statusCode, 401);
});
