// core.transact: one transaction per unit of work, joined by everything inside it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, unique, type TestService } from '../support/service.js';
import { NestedTransaction, inTransaction } from '../../src/db/unit-of-work.js';

let s: TestService;
before(async () => {
  s = await startService({ SMTP_URL: '' });
});
after(async () => {
  await s.stop();
});

const outboxCount = async (recipient: string) =>
  (await s.core.db.selectFrom('mail_outbox').select((eb) => eb.fn.countAll<number>().as('n')).where('recipient', '=', recipient).executeTakeFirstOrThrow()).n;

const jobCount = async (email: string) =>
  (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where data->>'email' = ${email}`.execute(s.core.db)).rows[0]!.n;

test('a unit that fails leaves nothing: no row, no mail, no job, no after-commit hook', async () => {
  const email = `${unique('uow')}@example.com`;
  let hookRan = false;
  await assert.rejects(s.core.transact(async (tx) => {
    await tx.insertInto('users').values({ slug: unique('uow'), email }).execute();
    await s.core.mailer.enqueue(tx, { to: email, template: 'password_reset', context: { url: 'x' } });
    await s.core.jobs.enqueue('password-recovery', { email, ip: null, userAgent: null });
    s.core.afterCommit(() => { hookRan = true; });
    throw new Error('refused');
  }), /refused/);
  assert.equal(await s.core.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst(), undefined);
  assert.equal(Number(await outboxCount(email)), 0);
  assert.equal(await jobCount(email), 0);
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(hookRan, false);
});

test('a unit that commits keeps every write, and its hooks run once, after the commit', async () => {
  const email = `${unique('uow')}@example.com`;
  const seen: string[] = [];
  await s.core.transact(async (tx) => {
    await tx.insertInto('users').values({ slug: unique('uow'), email }).execute();
    s.core.afterCommit(async () => {
      // The hook runs outside the unit, against committed data, on the pool.
      assert.equal(inTransaction(), false);
      const row = await s.core.db.selectFrom('users').select('email').where('email', '=', email).executeTakeFirst();
      seen.push(row ? 'committed' : 'missing');
    });
    seen.push('body');
  });
  assert.deepEqual(seen, ['body', 'committed']);
});

test('inside a unit, core.db is the transaction: a read sees the unit\'s own writes, other contexts do not until commit', async () => {
  const email = `${unique('uow')}@example.com`;
  let release!: () => void;
  const held = new Promise<void>((resolve) => { release = resolve; });
  let inside: unknown;
  const unit = s.core.transact(async (tx) => {
    await tx.insertInto('users').values({ slug: unique('uow'), email }).execute();
    // Through core.db, not tx: still the transaction (on PGlite the pool would deadlock here).
    inside = await s.core.db.selectFrom('users').select('email').where('email', '=', email).executeTakeFirst();
    await held;
  });
  await new Promise((resolve) => setImmediate(resolve));
  if (s.database.kind === 'postgres') {
    // Another context reads on another connection: the row is not committed yet.
    const outside = await s.core.db.selectFrom('users').select('email').where('email', '=', email).executeTakeFirst();
    assert.equal(outside, undefined);
  }
  release();
  await unit;
  assert.deepEqual(inside, { email });
  assert.ok(await s.core.db.selectFrom('users').select('email').where('email', '=', email).executeTakeFirst());
});

test('a nested unit joins the outer one; if it fails, only its own writes and hooks are undone', async () => {
  const kept = `${unique('kept')}@example.com`;
  const undone = `${unique('undone')}@example.com`;
  const hooks: string[] = [];
  await s.core.transact(async (tx) => {
    await tx.insertInto('users').values({ slug: unique('kept'), email: kept }).execute();
    s.core.afterCommit(() => { hooks.push('outer'); });
    await assert.rejects(s.core.transact(async (inner) => {
      assert.equal(inTransaction(), true);
      await inner.insertInto('users').values({ slug: unique('undone'), email: undone }).execute();
      s.core.afterCommit(() => { hooks.push('inner'); });
      // A failed statement too: on PostgreSQL it would abort the whole transaction without the savepoint.
      await inner.insertInto('users').values({ slug: 'x', email: undone, id: -1 }).execute();
      await inner.insertInto('users').values({ slug: 'x', email: undone, id: -1 }).execute();
    }));
  });
  assert.ok(await s.core.db.selectFrom('users').select('id').where('email', '=', kept).executeTakeFirst());
  assert.equal(await s.core.db.selectFrom('users').select('id').where('email', '=', undone).executeTakeFirst(), undefined);
  assert.deepEqual(hooks, ['outer']);
});

test('Kysely\'s own transaction cannot be opened inside a unit of work', async () => {
  await assert.rejects(
    s.core.transact(() => s.core.db.transaction().execute(async () => {})),
    (error: unknown) => error instanceof NestedTransaction,
  );
  // The unit rolled back and released its connection: the database still answers.
  assert.ok(await s.core.db.selectFrom('users').select('id').limit(1).executeTakeFirst());
});

test('the read cache is bypassed inside a unit, so an uncommitted value is never cached', async () => {
  let loads = 0;
  const key = unique('cache');
  await assert.rejects(s.core.transact(async () => {
    await s.core.cache.get(key, async () => { loads += 1; return 'uncommitted'; }, () => ['users:*']);
    throw new Error('roll back');
  }));
  const value = await s.core.cache.get(key, async () => { loads += 1; return 'committed'; }, () => ['users:*']);
  assert.equal(value, 'committed');
  assert.equal(loads, 2);
});

test('a unit that ends while another runs leaves the other in its own transaction (context tracking stays on until the last ends)', async () => {
  const email = `${unique('uow')}@example.com`;
  let releaseFirst!: () => void;
  const firstHeld = new Promise<void>((resolve) => { releaseFirst = resolve; });
  const first = s.core.transact(async () => { await firstHeld; });
  const second = s.core.transact(async (tx) => {
    await tx.insertInto('users').values({ slug: unique('uow'), email }).execute();
    await first; // the first unit has ended by now (on PostgreSQL it ran beside this one)
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    assert.equal(inTransaction(), true);
    const own = await s.core.db.selectFrom('users').select('email').where('email', '=', email).executeTakeFirst();
    assert.equal(own?.email, email);
    throw new Error('undo');
  });
  releaseFirst();
  await assert.rejects(second, /undo/);
  assert.equal(inTransaction(), false);
  assert.equal(await s.core.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst(), undefined);
  // And a unit after them all still carries its transaction through its awaits.
  await s.core.transact(async () => {
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(inTransaction(), true);
  });
});
