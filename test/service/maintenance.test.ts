// Scheduled maintenance: each sweep is a pg-boss job (queued by its cron schedule), never
// a side effect of a request. Each is run here through its handler, with the clock moved.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, unique, type TestService } from '../support/service.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import type { JobHandlers } from '../../src/jobs/queue.js';
import { QUEUES } from '../../src/jobs/queue.js';
import { ENDED_SESSION_RETENTION_SECONDS } from '../../src/core/identity/sessions.js';

let s: TestService;
let run: JobHandlers;
before(async () => {
  s = await startService({ SMTP_URL: '' });
  run = jobHandlers(s.core);
});
after(async () => { await s.stop(); });

test('every sweep has a schedule and waits behind no copy of itself', () => {
  for (const kind of ['erase-expired-mail', 'prune-sessions', 'prune-registrations', 'sweep-send-limits', 'sweep-rate-limits', 'fold-ledger-sums'] as const) {
    assert.ok(QUEUES[kind].cron, kind);
    assert.equal(QUEUES[kind].policy, 'stately', kind);
  }
});

test('prune-sessions deletes sessions ended longer ago than the retention, and keeps the others', async () => {
  const ended = await s.user();
  const open = await s.user();
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/logout/', token: ended.token })).statusCode, 200);
  const sessionsOf = async (userId: number) =>
    (await s.core.db.selectFrom('sessions').select('id').where('user_id', '=', userId).execute()).length;

  await run['prune-sessions']({});
  assert.equal(await sessionsOf(ended.id), 1, 'an ended session is kept for a while');

  s.clock.advance(ENDED_SESSION_RETENTION_SECONDS + 1);
  await run['prune-sessions']({});
  assert.equal(await sessionsOf(ended.id), 0);
  // Still within its maximum age plus the retention: kept (and refused once past its age).
  assert.equal(await sessionsOf(open.id), 1);

  s.clock.advance(s.config.sessionMaxAgeSeconds);
  await run['prune-sessions']({});
  assert.equal(await sessionsOf(open.id), 0, 'a session past its maximum age and the retention is deleted');
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/logout/', token: open.token })).statusCode, 401);
});

test('prune-registrations deletes never-activated registrations once their links expired, not an invited contact', async () => {
  const register = async (email: string) => {
    const res = await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'Pending' }, ip: '10.3.3.3' });
    assert.equal(res.statusCode, 200, res.body);
    await s.core.jobs.idle();
  };
  const pendingUser = (email: string) => s.core.db.selectFrom('users').select(['id', 'slug']).where('email', '=', email).executeTakeFirst();
  const stale = `${unique('stale')}@example.com`;
  const fresh = `${unique('fresh')}@example.com`;
  const invited = `${unique('invited')}@example.com`;
  await register(stale);
  await register(invited);
  const invitedRow = await pendingUser(invited);
  assert.match(invitedRow?.slug ?? '', /^pending-/);
  // The registration that is also invited to an organization holds a role: it stays.
  const broker = await s.core.db.selectFrom('organizations').select('id').where('slug', '=', 'broker').executeTakeFirstOrThrow();
  const manager = await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager')
    .where('organization_id', 'is', null).executeTakeFirstOrThrow();
  await s.core.db.insertInto('roles').values({ organization_id: broker.id, user_id: invitedRow!.id, role_description_id: manager.id }).execute();

  s.clock.advance(s.config.linkLifetimeSeconds / 2);
  await register(fresh);
  await run['prune-registrations']({});
  assert.ok(await pendingUser(stale), 'its link still works');

  s.clock.advance(s.config.linkLifetimeSeconds / 2 + 1);
  await run['prune-registrations']({});
  assert.equal(await pendingUser(stale), undefined);
  assert.ok(await pendingUser(fresh), 'registered later: its link still works');
  assert.ok(await pendingUser(invited), 'a role holds on to it');
  // An activated account is never a pending registration.
  const active = await s.user();
  s.clock.advance(s.config.linkLifetimeSeconds + 1);
  await run['prune-registrations']({});
  assert.equal(await pendingUser(fresh), undefined);
  assert.ok(await pendingUser(active.email));
});

test('sweep-send-limits forgets counters whose window has ended; requests no longer do it', async () => {
  const key = (name: string) => `activation:to:${unique(name)}`;
  const old = key('old');
  const current = key('current');
  await s.core.db.insertInto('send_limits').values({ key: old, window_started_at: s.core.now(), count: 3 }).execute();
  s.clock.advance(s.config.sendLimits.windowSeconds + 1);
  await s.core.db.insertInto('send_limits').values({ key: current, window_started_at: s.core.now(), count: 1 }).execute();
  await run['sweep-send-limits']({});
  const left = (await s.core.db.selectFrom('send_limits').select('key').where('key', 'in', [old, current]).execute()).map((r) => r.key);
  assert.deepEqual(left, [current]);
});

test('erase-expired-mail erases unsent content older than a link lives, and only that', async () => {
  const u = await s.user();
  const v = await s.user();
  await s.core.transact((tx) => s.core.mailer.enqueue(tx, { to: u.email, template: 'password_changed', context: { full_name: 'Old' } }));
  s.clock.advance(s.config.linkLifetimeSeconds / 2);
  await s.core.transact((tx) => s.core.mailer.enqueue(tx, { to: v.email, template: 'password_changed', context: { full_name: 'New' } }));
  s.clock.advance(s.config.linkLifetimeSeconds / 2 + 1);
  await run['erase-expired-mail']({});
  const body = async (email: string) =>
    (await s.core.db.selectFrom('mail_outbox').select('text_body').where('recipient', '=', email).executeTakeFirstOrThrow()).text_body;
  assert.equal(await body(u.email), '');
  assert.match(await body(v.email), /New/);
});

test('a sweep queued while one waits is not queued twice (stately queue)', async () => {
  await s.core.jobs.stopWorking();
  try {
    await s.core.jobs.enqueue('sweep-send-limits', {});
    await s.core.jobs.enqueue('sweep-send-limits', {});
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'sweep-send-limits' and state = 'created'`.execute(s.core.db);
    assert.equal(rows[0]!.n, 1);
  } finally {
    await s.core.jobs.work(run);
  }
  await s.core.jobs.idle();
});
