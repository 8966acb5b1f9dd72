// Request rate limits hold for the whole deployment: two nodes on one PostgreSQL database
// share the counts (the rate_limits table), and so do two nodes on one Redis (REDIS_URL).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { sql } from 'kysely';
import { startService, type TestService } from '../support/service.js';
import { openPostgres } from '../../src/db/database.js';
import { createService, type Service } from '../../src/server.js';
import { jobHandlers } from '../../src/jobs/handlers.js';

const LIMITED = { method: 'GET', url: '/api/auth/activate/nokey/' } as const;
let s: TestService;
before(async () => { s = await startService({ AUTH_RATE_LIMIT: '3' }); });
after(async () => { await s.stop(); });

/** A client address no earlier run used (Redis keeps counts between runs until their window ends). */
const freshIp = () => `10.${randomInt(256)}.${randomInt(256)}.${randomInt(1, 255)}`;

async function hit(app: Service['app'], ip: string): Promise<number> {
  return (await app.inject({ ...LIMITED, remoteAddress: ip })).statusCode;
}

/** A second node of `s`: its own app and pool on the same PostgreSQL database. */
async function secondNode(): Promise<Service> {
  const { rows } = await sql<{ db: string }>`select current_database() as db`.execute(s.core.db);
  const url = new URL(process.env.DATABASE_URL!);
  url.pathname = `/${rows[0].db}`;
  return createService(s.config, { database: await openPostgres(url.toString(), { max: 2 }), migrate: false, log: false });
}

test('on PostgreSQL two nodes share one limit; PGlite (one process) counts in memory', async (t) => {
  if (s.database.kind !== 'postgres') {
    assert.equal(s.core.rateLimits, null);
    return t.skip('PostgreSQL only: PGlite is one process');
  }
  const other = await secondNode();
  try {
    const ip = freshIp();
    const statuses = [await hit(s.app, ip), await hit(other.app, ip), await hit(s.app, ip), await hit(other.app, ip), await hit(s.app, ip)];
    assert.deepEqual(statuses, [404, 404, 404, 429, 429]);
    // Another address, and another route, count apart.
    assert.equal(await hit(other.app, freshIp()), 404);
    const row = await s.core.db.selectFrom('rate_limits').select(['key', 'count']).where('key', 'like', `%${ip}`).executeTakeFirstOrThrow();
    assert.equal(row.count, 5);
    assert.match(row.key, /^GET\/api\/auth\/activate\/:verification_key\/-/);
  } finally {
    await other.close();
  }
});

test('on PostgreSQL the counts of concurrent hits are exact, and the sweep job deletes ended windows', async (t) => {
  if (!s.core.rateLimits) return t.skip('PostgreSQL only');
  const counter = s.core.rateLimits;
  const key = `test:${freshIp()}`;
  const counts = await Promise.all(Array.from({ length: 20 }, () => counter.hit(key, 60_000)));
  assert.deepEqual(counts.map((c) => c.current).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i + 1));
  assert.ok(counts.every((c) => c.ttl > 0 && c.ttl <= 60_000));
  await s.core.db.insertInto('rate_limits').values({ key: `${key}:ended`, expires_at: new Date(Date.now() - 60_000), count: 9 }).execute();
  // An ended window starts over at 1.
  assert.equal((await counter.hit(`${key}:ended`, 60_000)).current, 1);
  await s.core.db.insertInto('rate_limits').values({ key: `${key}:gone`, expires_at: new Date(Date.now() - 60_000), count: 9 }).execute();
  await jobHandlers(s.core)['sweep-rate-limits']({});
  const left = await s.core.db.selectFrom('rate_limits').select('key').where('key', 'like', `${key}%`).execute();
  assert.deepEqual(left.map((r) => r.key).sort(), [key, `${key}:ended`]);
});

/** Whether Redis answers at the URL, within a second. */
async function redisAnswers(url: string): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

test('with REDIS_URL two nodes share one limit in Redis', async (t) => {
  const url = process.env.REDIS_URL || 'redis://127.0.0.1:6379';
  if (!(await redisAnswers(url))) return t.skip(`no Redis answers at ${url}`);
  const one = await startService({ AUTH_RATE_LIMIT: '3', REDIS_URL: url });
  const two = await startService({ AUTH_RATE_LIMIT: '3', REDIS_URL: url });
  try {
    const ip = freshIp();
    const statuses = [await hit(one.app, ip), await hit(two.app, ip), await hit(one.app, ip), await hit(two.app, ip)];
    assert.deepEqual(statuses, [404, 404, 404, 429]);
    const refused = await one.app.inject({ ...LIMITED, remoteAddress: ip });
    assert.equal(refused.statusCode, 429);
    assert.ok(Number(refused.headers['retry-after']) > 0);
    assert.equal(await hit(two.app, freshIp()), 404);
  } finally {
    await one.stop();
    await two.stop();
  }
});
