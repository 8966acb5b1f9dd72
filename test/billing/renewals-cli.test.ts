// `account-portal renewals --at`, run as a real process: a refused date or future moment, a database not
// migrated, then a renewal run twice for one moment: one order, one try, one mail.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig } from '../../src/config.js';
import { openDatabase } from '../../src/db/database.js';
import { cliSandbox } from '../support/cli-sandbox.js';

const { cli, env } = cliSandbox('ap-renewals-cli-');

async function withDb<T>(fn: (db: Awaited<ReturnType<typeof openDatabase>>['db']) => Promise<T>): Promise<T> {
  const database = await openDatabase(loadConfig(env() as Record<string, string>));
  try { return await fn(database.db); } finally { await database.close(); }
}

test('renewals --at: a bad date, a future moment and an unmigrated database are refused; a run twice for one moment acts once', async () => {
  const bad = await cli('renewals', '--at', 'next tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--at must be an ISO 8601 date/);

  const future = await cli('renewals', '--at', new Date(Date.now() + 86_400_000).toISOString());
  assert.equal(future.code, 2);
  assert.match(future.stderr, /in the future/);

  const unmigrated = await cli('renewals', '--at', '2026-01-01');
  assert.equal(unmigrated.code, 2);
  assert.match(unmigrated.stderr, /not migrated/);

  assert.equal((await cli('migrate')).code, 0);
  const at = new Date('2026-03-10T02:00:00Z');
  const subscriptionId = await withDb(async (db) => {
    const provider = await db.insertInto('organizations').values({ slug: 'cli-provider', full_name: 'CLI Provider', is_provider: true }).returning('id').executeTakeFirstOrThrow();
    const subscriber = await db.insertInto('organizations').values({ slug: 'cli-subscriber', full_name: 'CLI Subscriber', email: 'cli-subscriber@example.com' }).returning('id').executeTakeFirstOrThrow();
    const plan = await db.insertInto('plans').values({ organization_id: provider.id, slug: 'cli-plan', title: 'CLI plan', is_active: true, period_amount: 1000, period_type: 'monthly', advance_discounts: '[]' })
      .returning('id').executeTakeFirstOrThrow();
    const row = await db.insertInto('subscriptions').values({ organization_id: subscriber.id, plan_id: plan.id, created_at: new Date('2026-02-10T08:00:00Z'), ends_at: new Date('2026-03-10T08:00:00Z'), auto_renew: true })
      .returning('id').executeTakeFirstOrThrow();
    return row.id;
  });

  const first = await cli('renewals', '--at', at.toISOString());
  assert.equal(first.code, 0, first.stderr);
  const report = JSON.parse(first.stdout);
  assert.equal(report.at, at.toISOString());
  assert.equal(report.extended.orders, 1);
  assert.equal(report.charged.declined, 1, 'no card on file: a failed try');
  assert.equal(report.outcomes.declinesMailed, 1);

  const second = await cli('renewals', '--at', at.toISOString());
  assert.equal(second.code, 0, second.stderr);
  const again = JSON.parse(second.stdout);
  assert.deepEqual([again.extended.orders, again.charged.declined, again.outcomes.declinesMailed], [0, 0, 0]);

  await withDb(async (db) => {
    const orders = await db.selectFrom('ledger_transactions').select('id').where('event_id', '=', `sub_${subscriptionId}/`).execute();
    assert.equal(orders.length, 1);
    const mails = await db.selectFrom('mail_outbox').select(['recipient', 'template']).execute();
    assert.deepEqual(mails, [{ recipient: 'cli-subscriber@example.com', template: 'renewal_charge_failed' }]);
    const ends = await db.selectFrom('subscriptions').select('ends_at').where('id', '=', subscriptionId).executeTakeFirstOrThrow();
    assert.equal(new Date(ends.ends_at).toISOString(), '2026-04-10T08:00:00.000Z');
  });
});
