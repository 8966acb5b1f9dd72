// The daily renewals against the real database: income recognized month by month from the
// periods served, auto-renewing subscriptions extended in their last day with an order,
// and the same moment run twice writing nothing the second time; a run a year ahead (after
// a gap) does each month's work once.
import { test, before, beforeEach, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { sql } from 'kysely';
import { RenewalsIncomplete, runRenewals } from '../../src/core/billing/renewals/index.js';
import { closeOrganizationRow } from '../../src/core/organizations/lifecycle.js';
import { orderPeriods, recognitionRows } from '../../src/core/billing/renewals/recognize.js';
import { addPeriods } from '../../src/core/billing/periods.js';
import {
  DAY, HOUR, footprint, incomeOf, insertSubscription, ordersOf, plus, subscribeByCheckout, subscriptionEnd,
} from './renewals-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await assertLedgerInvariants(s); await s.stop(); });
// The tests run at moments out of order: each starts as if no run had happened yet (a run
// catches up from the latest earlier one).
beforeEach(async () => { await s.core.db.deleteFrom('renewal_runs').execute(); });

const month = (start: Date, k: number) => addPeriods(start, 'monthly', k);

describe('pieces', () => {
  test('an order says how many periods it paid for', () => {
    assert.deepEqual(orderPeriods('Subscription to basic until 2027/11/29 (12 months) - a 10% discount'), { periodType: 'monthly', n: 12 });
    assert.deepEqual(orderPeriods('Subscription to basic until 2027/11/29 (1 year)'), { periodType: 'yearly', n: 1 });
    assert.equal(orderPeriods('Keep a balanced ledger'), null);
  });

  test('a yearly order paid up front is recognized month by month, in proportion of time, from Backlog', () => {
    const created = new Date('2026-01-15T10:00:00Z');
    const sub = { id: 7, created_at: created, subscriber_slug: 'xia', provider_id: 1, plan_slug: 'pro', unit: 'usd', period_type: 'yearly' as const, period_length: 1 };
    const rows = [
      { id: 1, created_at: created, descr: 'Subscription to pro until 2027/01/15 (1 year)', orig_organization_id: 1, orig_account: 'Receivable', dest_organization_id: 2, dest_account: 'Payable', amount: 12000 },
      { id: 2, created_at: created, descr: 'payment', orig_organization_id: 1, orig_account: 'Backlog', dest_organization_id: 1, dest_account: 'Receivable', amount: 12000 },
    ];
    const yearLater = recognitionRows(sub, rows, new Date('2027-01-16T00:00:00Z'));
    assert.equal(yearLater.length, 12);
    assert.ok(yearLater.every((row) => row.dest.account === 'Backlog' && row.orig.account === 'Income'));
    assert.equal(yearLater.reduce((sum, row) => sum + row.orig.amount, 0), 12000, 'the year is recognized whole');
    // February has fewer days: it is recognized less than January.
    assert.ok(yearLater[1]!.orig.amount < yearLater[0]!.orig.amount);
    assert.equal(yearLater[0]!.createdAt!.toISOString(), '2026-02-15T09:59:59.000Z', 'dated one second before the slice ends');
    // Half-way: only the months passed.
    assert.equal(recognitionRows(sub, rows, new Date('2026-07-15T10:00:00Z')).length, 6);
    // Unpaid: not recognized (kept due); paid later, each month is recognized at its own end.
    assert.deepEqual(recognitionRows(sub, rows.slice(0, 1), new Date('2026-03-01T00:00:00Z')), []);
    const paidLate = [rows[0]!, { ...rows[1]!, created_at: new Date('2026-04-01T00:00:00Z') }];
    assert.deepEqual(recognitionRows(sub, paidLate, new Date('2026-04-02T00:00:00Z')).map((row) => row.createdAt!.toISOString()),
      ['2026-02-15T09:59:59.000Z', '2026-03-15T09:59:59.000Z']);
  });
});

describe('recognition and extension', () => {
  test('a monthly subscription: extended once in its last day, its month recognized once after it ends', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 2000, periodType: 'monthly' });
    const end = sub.endsAt;
    assert.equal(end.getTime(), month(sub.createdAt, 1).getTime());

    // Two days before the end: nothing to do.
    const early = await runRenewals(s.core, plus(end, -2 * DAY));
    assert.equal((await ordersOf(s, sub.subscriptionId)).length, 1);
    assert.equal(early.extended.orders, 0);

    // In the last day: one order for the next month, and the end moves a month.
    const lastDay = plus(end, -12 * HOUR);
    const first = await runRenewals(s.core, lastDay);
    assert.ok(first.extended.orders >= 1);
    const orders = await ordersOf(s, sub.subscriptionId);
    assert.equal(orders.length, 2);
    assert.equal(orders[1]!.amount, 2000);
    assert.equal(orders[1]!.createdAt.getTime(), lastDay.getTime(), 'the order is dated at the moment of the run');
    assert.match(orders[1]!.descr, /^Subscription to .* until \d{4}\/\d{2}\/\d{2} \(1 month\)$/);
    assert.equal((await subscriptionEnd(s, sub.subscriptionId)).getTime(), month(sub.createdAt, 2).getTime());

    // The same moment again: nothing at all.
    const before = await footprint(s);
    const again = await runRenewals(s.core, lastDay);
    assert.deepEqual(await footprint(s), before);
    assert.deepEqual([again.extended.orders, again.recognized.rows], [0, 0]);

    // After the first month: its income, from the Backlog the payment filled.
    await runRenewals(s.core, plus(end, HOUR));
    const income = await incomeOf(s, sub.subscriptionId);
    assert.deepEqual(income.map((r) => [r.account, r.amount]), [['Backlog', 2000]]);
    assert.equal(income[0]!.createdAt.getTime(), end.getTime() - 1000);
    const after = await footprint(s);
    await runRenewals(s.core, plus(end, HOUR));
    assert.deepEqual(await footprint(s), after);
  });

  test('a run a year after the last one: each month ordered once and recognized once, and again nothing', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 1500, periodType: 'monthly' });
    const start = sub.createdAt;
    await runRenewals(s.core, plus(start, HOUR));
    const yearAhead = plus(month(start, 12), 2 * HOUR);
    const report = await runRenewals(s.core, yearAhead);
    assert.ok(report.extended.orders >= 12);
    const orders = await ordersOf(s, sub.subscriptionId);
    // The checkout's month, then one order for each month up to the one after `yearAhead`.
    assert.equal(orders.length, 13);
    assert.ok(orders.every((o) => o.amount === 1500));
    // Each period runs on from the end of the one before (Jan 31, Feb 28, Mar 28...).
    const ends = [sub.endsAt];
    for (let k = 1; k < 13; k += 1) ends.push(month(ends[k - 1]!, 1));
    for (let k = 1; k < orders.length; k += 1) {
      // Each dated in its period's last day, as the daily run would have.
      assert.equal(orders[k]!.createdAt.getTime(), ends[k - 1]!.getTime() - DAY, `order ${k}`);
    }
    assert.equal((await subscriptionEnd(s, sub.subscriptionId)).getTime(), ends[12]!.getTime());

    const income = await incomeOf(s, sub.subscriptionId);
    assert.equal(income.length, 12, 'one row per month served');
    income.forEach((row, k) => assert.equal(row.createdAt.getTime(), month(start, k + 1).getTime() - 1000));
    // Month slices count from the start; periods may drift from them by a day or two at a month's end.
    // By the twelfth slice's end: each period wholly or partly served, in proportion of time.
    const e = month(start, 12).getTime();
    const spans = [start, ...ends].slice(0, 14).map((d) => d.getTime());
    let served = 0;
    for (let k = 0; k + 1 < spans.length; k += 1) {
      served += Math.floor(1500 * Math.min(1, Math.max(0, (e - spans[k]!) / (spans[k + 1]! - spans[k]!))));
    }
    assert.equal(income.reduce((sum, row) => sum + row.amount, 0), served);
    if (ends[11]!.getTime() === month(start, 12).getTime()) assert.ok(income.every((row) => row.amount === 1500));
    // The run charged the twelve renewals (one charge) before recognizing: all from Backlog.
    assert.ok(income.every((row) => row.account === 'Backlog'));
    assert.equal(report.charged.done >= 1, true);

    const before = await footprint(s);
    await runRenewals(s.core, yearAhead);
    assert.deepEqual(await footprint(s), before);
  });

  test('run every day for two months: one order and one recognition per month', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 900, periodType: 'monthly' });
    const start = sub.createdAt;
    for (let day = 0; day <= 62; day += 1) await runRenewals(s.core, plus(start, day * DAY + 6 * HOUR));
    const orders = await ordersOf(s, sub.subscriptionId);
    const lastRun = plus(start, 62 * DAY + 6 * HOUR);
    const monthsPassed = [1, 2, 3].filter((k) => month(start, k) <= lastRun).length;
    // One order per renewal (each in a last day seen by a run), one income row per month passed.
    const renewals = [1, 2, 3].filter((k) => month(start, k).getTime() - DAY <= lastRun.getTime()).length;
    assert.equal(orders.length, 1 + renewals);
    assert.equal((await incomeOf(s, sub.subscriptionId)).length, monthsPassed);
  });

  test('not extended: cancelled, one-time plans, pending grants; never a subscription that lapsed before the first run', async () => {
    const now = new Date();
    const cancelled = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR), autoRenew: false });
    const oneTime = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR), renewalType: 'one-time' });
    const granted = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    await s.core.db.updateTable('subscriptions').set({ grant_key: `g${granted.subscriptionId}x` }).where('id', '=', granted.subscriptionId).execute();
    const renewing = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    await runRenewals(s.core, now);
    for (const sub of [cancelled, oneTime, granted]) {
      assert.equal((await ordersOf(s, sub.subscriptionId)).length, 0);
      assert.equal((await subscriptionEnd(s, sub.subscriptionId)).getTime(), sub.endsAt.getTime());
    }
    assert.equal((await ordersOf(s, renewing.subscriptionId)).length, 1);
  });

  test('a subscription the run cannot renew holds back no other; the run fails at its end, and the retry finishes it', async () => {
    const now = new Date();
    const blocked = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    const other = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    // The database refuses the blocked subscription's ledger rows, as a broken row or a lost connection would.
    await sql.raw(`create function refuse_renewal_test() returns trigger language plpgsql as $$ begin
      if new.event_id = 'sub_${blocked.subscriptionId}/' then raise exception 'refused by the test'; end if; return new; end $$`).execute(s.core.db);
    await sql.raw('create trigger refuse_renewal_test before insert on ledger_transactions for each row execute function refuse_renewal_test()').execute(s.core.db);
    try {
      await assert.rejects(runRenewals(s.core, now), (error: unknown) => {
        assert.ok(error instanceof RenewalsIncomplete, String(error));
        assert.deepEqual(error.failures.map((f) => [f.step, f.subject]), [['extend', `subscription ${blocked.subscriptionId}`]]);
        assert.match(error.failures[0]!.message, /refused by the test/);
        return true;
      });
    } finally {
      await sql.raw('drop trigger refuse_renewal_test on ledger_transactions').execute(s.core.db);
      await sql.raw('drop function refuse_renewal_test()').execute(s.core.db);
    }
    // The other one was renewed; the blocked one is as it was, nothing half-written.
    assert.equal((await ordersOf(s, other.subscriptionId)).length, 1);
    assert.equal((await ordersOf(s, blocked.subscriptionId)).length, 0);
    assert.equal((await subscriptionEnd(s, blocked.subscriptionId)).getTime(), blocked.endsAt.getTime());
    // The run is saved unfinished, with what failed in its report.
    const saved = await s.core.db.selectFrom('renewal_runs').select(['finished_at', 'report']).where('at', '=', now).executeTakeFirstOrThrow();
    assert.equal(saved.finished_at, null);
    assert.equal(JSON.parse(saved.report!).failures.length, 1);
    // The job's retry, a minute later, renews the blocked one and not the other again.
    const retry = await runRenewals(s.core, plus(now, 60_000));
    assert.deepEqual(retry.failures, []);
    assert.equal((await ordersOf(s, blocked.subscriptionId)).length, 1);
    assert.equal((await ordersOf(s, other.subscriptionId)).length, 1);
  });

  test('nothing renews for a closed or suspended organization: closing turns renewal off and forgets the card', async () => {
    const now = new Date();
    const suspended = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    await s.core.db.updateTable('organizations').set({ status: 'suspended' }).where('id', '=', suspended.org.id).execute();
    const providerGone = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR) });
    await s.core.db.updateTable('organizations').set({ status: 'suspended' }).where('id', '=', providerGone.provider.id).execute();
    const closing = await subscribeByCheckout(s, { periodAmount: 2000, periodType: 'monthly' });
    await s.core.transact((tx) => closeOrganizationRow(tx, closing.org.id, null, new Date(), { via: 'test' }));
    const closed = await s.core.db.selectFrom('subscriptions').select('auto_renew').where('id', '=', closing.subscriptionId).executeTakeFirstOrThrow();
    assert.equal(closed.auto_renew, false);
    assert.equal(await s.core.db.selectFrom('payment_methods').select('organization_id').where('organization_id', '=', closing.org.id).executeTakeFirst(), undefined);
    await runRenewals(s.core, now);
    await runRenewals(s.core, plus(closing.endsAt, -HOUR));
    for (const sub of [suspended, providerGone]) {
      assert.equal((await ordersOf(s, sub.subscriptionId)).length, 0);
      assert.equal((await subscriptionEnd(s, sub.subscriptionId)).getTime(), sub.endsAt.getTime());
    }
    assert.equal((await ordersOf(s, closing.subscriptionId)).length, 1, 'only its checkout order');
    const attempts = await s.core.db.selectFrom('renewal_attempts').select('id')
      .where('organization_id', 'in', [suspended.org.id, closing.org.id]).execute();
    assert.deepEqual(attempts, []);
  });
});
