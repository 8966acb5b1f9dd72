// The daily `prune-records` job: what has outlived its use or its retention is deleted, and
// nothing else. Rows are written with dates around each limit, then the job runs through its
// handler, as pg-boss would run it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { startService, unique, type TestService } from '../support/service.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { QUEUES } from '../../src/jobs/queue.js';
import { deleteInBatches } from '../../src/core/batches.js';
import { EXPIRED_TOKEN_RETENTION_SECONDS } from '../../src/core/identity/one-time-tokens.js';
import { IDEMPOTENCY_RETENTION_SECONDS } from '../../src/core/billing/idempotency.js';

const DAY = 86_400_000;
let s: TestService;
before(async () => { s = await startService({ WEBHOOK_RETENTION_DAYS: '30', SECURITY_EVENT_RETENTION_DAYS: '90' }); });
after(async () => { await s.stop(); });

const ago = (ms: number) => new Date(s.core.now().getTime() - ms);
const prune = () => jobHandlers(s.core)['prune-records']({});

test('prune-records is scheduled once a day and never queued behind a copy of itself', () => {
  assert.ok(QUEUES['prune-records'].cron);
  assert.equal(QUEUES['prune-records'].policy, 'stately');
});

test('finished webhook deliveries older than the retention go, with their tries; pending ones and recent ones stay', async () => {
  const org = await s.core.db.insertInto('organizations').values({ slug: unique('hooks').toLowerCase(), full_name: 'Hooks' })
    .returning('id').executeTakeFirstOrThrow();
  const delivery = async (state: 'pending' | 'delivered' | 'failed', createdAt: Date) => {
    const row = await s.core.db.insertInto('webhook_deliveries').values({
      message_id: `msg_${randomBytes(8).toString('hex')}`, organization_id: org.id, subject_organization_id: org.id,
      event: 'organization.updated', body: '{}', url: 'https://receiver.example/hook', state, created_at: createdAt,
    }).returning('id').executeTakeFirstOrThrow();
    await s.core.db.insertInto('webhook_delivery_attempts').values({
      delivery_id: row.id, url: 'https://receiver.example/hook', attempted_at: createdAt, duration_ms: 12, status: state === 'delivered' ? 200 : 500, error: null, response_body: null,
    }).execute();
    return row.id;
  };
  const oldDelivered = await delivery('delivered', ago(31 * DAY));
  const oldFailed = await delivery('failed', ago(45 * DAY));
  const oldPending = await delivery('pending', ago(60 * DAY));
  const recentDelivered = await delivery('delivered', ago(29 * DAY));

  await prune();
  const left = await s.core.db.selectFrom('webhook_deliveries').select('id').where('organization_id', '=', org.id).orderBy('id').execute();
  assert.deepEqual(left.map((r) => r.id), [oldPending, recentDelivered]);
  const tries = await s.core.db.selectFrom('webhook_delivery_attempts').select('delivery_id')
    .where('delivery_id', 'in', [oldDelivered, oldFailed, oldPending, recentDelivered]).orderBy('delivery_id').execute();
  assert.deepEqual(tries.map((r) => r.delivery_id), [oldPending, recentDelivered], 'the tries go with their delivery');
});

test('links and codes go a week after they expired; an unexpired or recently expired one stays and still works', async () => {
  const user = await s.user();
  const token = (expiresAt: Date) => s.core.db.insertInto('one_time_tokens').values({
    user_id: user.id, purpose: 'password_reset', token_hash: randomBytes(32).toString('hex'), expires_at: expiresAt, used_at: null, stamp: null, target: null,
  }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
  await token(ago(EXPIRED_TOKEN_RETENTION_SECONDS * 1000 + DAY));
  const recentlyExpired = await token(ago(DAY));
  const live = await token(new Date(s.core.now().getTime() + DAY));

  await prune();
  const left = await s.core.db.selectFrom('one_time_tokens').select('id').where('user_id', '=', user.id).orderBy('id').execute();
  assert.deepEqual(left.map((r) => r.id), [recentlyExpired, live]);
});

test('expired OAuth2 rows go; unexpired ones and those without an expiry stay', async () => {
  const row = (id: string, expiresAt: Date | null) => s.core.db.insertInto('oidc_store').values({
    kind: 'AuthorizationCode', id, payload: JSON.stringify({ id }), grant_id: null, uid: null, expires_at: expiresAt, consumed_at: null,
  }).execute();
  const expired = unique('code');
  const live = unique('code');
  const forever = unique('code');
  await row(expired, ago(1000));
  await row(live, new Date(s.core.now().getTime() + 60_000));
  await row(forever, null);

  await prune();
  const left = await s.core.db.selectFrom('oidc_store').select('id').where('id', 'in', [expired, live, forever]).execute();
  assert.deepEqual(left.map((r) => r.id).sort(), [live, forever].sort());
});

test('idempotency keys older than their retention go; recent ones still replay', async () => {
  const scope = unique('scope');
  const key = (name: string, createdAt: Date) => s.core.db.insertInto('idempotency_keys').values({
    scope, key: name, request_hash: 'h', state: 'done', status_code: 200, response_body: '{}', response_headers: '{}', created_at: createdAt,
  }).execute();
  await key('old', ago(IDEMPOTENCY_RETENTION_SECONDS * 1000 + 60_000));
  await key('recent', ago(60_000));

  await prune();
  const left = await s.core.db.selectFrom('idempotency_keys').select('key').where('scope', '=', scope).execute();
  assert.deepEqual(left.map((r) => r.key), ['recent']);
});

test('security events older than SECURITY_EVENT_RETENTION_DAYS go; with 0 (the default) they are kept for ever', async () => {
  const user = await s.user();
  const event = (createdAt: Date) => s.core.db.insertInto('security_events').values({
    user_id: user.id, type: 'login.succeeded', ip: null, user_agent: null, detail: null, created_at: createdAt,
  }).returning('id').executeTakeFirstOrThrow().then((r) => r.id);
  await event(ago(91 * DAY));
  const recent = await event(ago(89 * DAY));
  await prune();
  const left = await s.core.db.selectFrom('security_events').select('id').where('user_id', '=', user.id)
    .where('created_at', '<', ago(DAY)).execute();
  assert.deepEqual(left.map((r) => r.id), [recent]);

  const keeping = await startService();
  try {
    assert.equal(keeping.config.securityEventRetentionDays, 0);
    const other = await keeping.user();
    await keeping.core.db.insertInto('security_events').values({
      user_id: other.id, type: 'login.succeeded', ip: null, user_agent: null, detail: null, created_at: new Date(Date.now() - 3650 * DAY),
    }).execute();
    await jobHandlers(keeping.core)['prune-records']({});
    const kept = await keeping.core.db.selectFrom('security_events').select('id').where('user_id', '=', other.id)
      .where('created_at', '<', new Date(Date.now() - 3000 * DAY)).execute();
    assert.equal(kept.length, 1);
  } finally {
    await keeping.stop();
  }
});

test('a retention setting that is not a whole number of days is refused at start', async () => {
  await assert.rejects(startService({ WEBHOOK_RETENTION_DAYS: '0' }), /WEBHOOK_RETENTION_DAYS must be an integer >= 1/);
  await assert.rejects(startService({ SECURITY_EVENT_RETENTION_DAYS: 'forever' }), /SECURITY_EVENT_RETENTION_DAYS must be an integer >= 0/);
});

test('deleting in slices goes on until a slice comes back short, and counts every row', async () => {
  const slices: number[] = [];
  let rows = 23;
  const total = await deleteInBatches(async (limit) => {
    const deleted = Math.min(limit, rows);
    rows -= deleted;
    slices.push(deleted);
    return deleted;
  }, 10);
  assert.equal(total, 23);
  assert.deepEqual(slices, [10, 10, 3]);
  assert.equal(await deleteInBatches(async () => 0, 10), 0);
});

test('customer figures are kept only for periods with ledger rows, and forgotten a month after they were computed', async () => {
  const provider = await s.core.db.insertInto('organizations').values({ slug: unique('quiet').toLowerCase(), full_name: 'Quiet Provider', is_provider: true })
    .returning(['id', 'slug']).executeTakeFirstOrThrow();
  const kept = async () => Number((await sql<{ n: string }>`select count(*) as n from metrics_customer_periods where provider_id = ${provider.id}`.execute(s.core.db)).rows[0]!.n);
  // Asking for figures at far-off dates keeps nothing: the periods have no rows.
  for (const endsAt of ['1950-06-01T00:00:00Z', '2001-01-01T00:00:00Z']) {
    const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/customers/?ends_at=${endsAt}`, token: s.admin.token });
    assert.equal(res.statusCode, 200, res.body);
  }
  assert.equal(await kept(), 0);

  const period = (computedAt: Date, startsAt: string) => sql`insert into metrics_customer_periods (provider_id, unit, starts_at, ends_at,
      earlier_starts_at, earlier_ends_at, sides, total, total_amount, new_count, new_amount, churned_count, churned_amount, previous, computed_at)
    values (${provider.id}, 'usd', ${startsAt}::timestamptz, ${startsAt}::timestamptz + interval '1 month', ${startsAt}::timestamptz - interval '1 month',
      ${startsAt}::timestamptz, 3, 1, 100, 1, 100, 0, 0, 0, ${computedAt})`.execute(s.core.db);
  await period(ago(32 * DAY), '2026-01-01T00:00:00Z');
  await period(ago(DAY), '2026-02-01T00:00:00Z');
  await prune();
  const left = await sql<{ starts_at: Date }>`select starts_at from metrics_customer_periods where provider_id = ${provider.id}`.execute(s.core.db);
  assert.deepEqual(left.rows.map((r) => new Date(r.starts_at).toISOString()), ['2026-02-01T00:00:00.000Z']);
});
