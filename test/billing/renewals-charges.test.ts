// The renewals' charges against the real database and the built-in test processor: what a
// renewal orders is charged on the card on file in the same run, once; a declined card is
// tried again on the next days, and the third decline ends the subscriptions and tells the
// subscriber; a new card starts the count again; charges in flight are settled.
import { test, before, beforeEach, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { runRenewals } from '../../src/core/billing/renewals/index.js';
import { makePlan } from './checkout-helpers.js';
import { createCharge } from '../../src/core/billing/charges.js';
import { balance } from '../../src/core/billing/ledger.js';
import {
  DAY, HOUR, chargesOf, footprint, incomeOf, insertSubscription, ordersOf, outboxMails, plus, putCard, subscribeByCheckout, subscriptionEnd,
} from './renewals-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await assertLedgerInvariants(s); await s.stop(); });
beforeEach(async () => { await s.core.db.deleteFrom('renewal_runs').execute(); });

describe('charging what the renewals order', () => {
  test('charged with the card on file in the run that orders it, once; the month is then recognized from Backlog', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 2500 });
    const lastDay = plus(sub.endsAt, -12 * HOUR);
    const report = await runRenewals(s.core, lastDay);
    assert.ok(report.charged.done >= 1, JSON.stringify(report.charged));
    const charges = await chargesOf(s, sub.org.id);
    assert.deepEqual(charges.map((c) => [c.state, Number(c.amount)]), [['done', 2500], ['done', 2500]]);
    assert.equal(charges[1]!.created_at.getTime(), lastDay.getTime(), 'the charge is dated at the run');
    assert.equal(await balance(s.core, { organizationId: sub.org.id, account: 'Payable', unit: 'usd' }), 0, 'nothing left due');
    // The receipt, through the outbox and SMTP.
    await s.smtp.waitFor(sub.email, (m) => /Receipt/.test(m.subject) && m.text.includes(lastDay.toISOString().slice(0, 10)));

    const before = await footprint(s);
    await runRenewals(s.core, lastDay);
    assert.deepEqual(await footprint(s), before, 'the same moment again: no second charge, row or mail');

    await runRenewals(s.core, plus(sub.endsAt, 13 * DAY));
    // A month served, paid: from Backlog; and the renewed month is paid already.
    const income = await incomeOf(s, sub.subscriptionId);
    assert.deepEqual(income.map((r) => [r.account, r.amount]), [['Backlog', 2500]]);
    assert.equal((await chargesOf(s, sub.org.id)).length, 2);
  });

  test('a declined card: tried on three days, each decline mailed once; the third ends the subscription', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 3000 });
    await putCard(s, sub, 'tok_chargeCustomerFail');
    const day0 = plus(sub.endsAt, -12 * HOUR);
    // Another subscription of the same organization, owing nothing and running for months yet.
    const other = await makePlan(s, sub.provider, { periodAmount: 9000, periodType: 'yearly' });
    const paidAhead = await s.core.db.insertInto('subscriptions').values({
      organization_id: sub.org.id, plan_id: other.id, created_at: plus(day0, -30 * DAY), ends_at: plus(day0, 200 * DAY), auto_renew: true,
    }).returning('id').executeTakeFirstOrThrow();

    const first = await runRenewals(s.core, day0);
    assert.equal(first.outcomes.declinesMailed >= 1, true);
    assert.deepEqual((await chargesOf(s, sub.org.id)).map((c) => c.state), ['done', 'failed']);
    assert.equal((await outboxMails(s, sub.email, 'renewal_charge_failed')).length, 1);
    const mail = await s.smtp.waitFor(sub.email, (m) => /could not charge/.test(m.subject));
    assert.match(mail.text, /\$30\.00/);
    assert.match(mail.text, /card ending in 0341/);
    assert.match(mail.text, /try 1 of 3/);

    const before = await footprint(s);
    await runRenewals(s.core, day0);
    await runRenewals(s.core, plus(day0, 6 * HOUR));
    assert.deepEqual(await footprint(s), before, 'the same day again: no second try, no second mail');

    await runRenewals(s.core, plus(day0, DAY));
    assert.equal((await outboxMails(s, sub.email, 'renewal_charge_failed')).length, 2);
    assert.equal((await subscriptionEnd(s, sub.subscriptionId)) > plus(day0, DAY), true, 'still subscribed after two declines');

    const day2 = plus(day0, 2 * DAY);
    await runRenewals(s.core, day2);
    assert.deepEqual((await chargesOf(s, sub.org.id)).map((c) => c.state), ['done', 'failed', 'failed', 'failed']);
    assert.equal((await outboxMails(s, sub.email, 'renewal_charge_final')).length, 1);
    const row = await s.core.db.selectFrom('subscriptions').select(['ends_at', 'auto_renew']).where('id', '=', sub.subscriptionId).executeTakeFirstOrThrow();
    assert.equal(new Date(row.ends_at).getTime(), day2.getTime(), 'ended at the third try');
    assert.equal(row.auto_renew, false);
    // The one owing nothing runs to the end it has, and renews no more.
    const ahead = await s.core.db.selectFrom('subscriptions').select(['ends_at', 'auto_renew']).where('id', '=', paidAhead.id).executeTakeFirstOrThrow();
    assert.equal(new Date(ahead.ends_at).getTime(), plus(day0, 200 * DAY).getTime());
    assert.equal(ahead.auto_renew, false);
    const final = await s.smtp.waitFor(sub.email, (m) => /ended/.test(m.subject));
    assert.match(final.text, new RegExp(`ended on ${day2.toISOString().slice(0, 10)}`));

    // Nothing more: no subscription renews, the amount stays due for the provider to collect.
    const after = await footprint(s);
    const later = await runRenewals(s.core, plus(day0, 3 * DAY));
    assert.equal(later.charged.charged, 0);
    assert.deepEqual({ ...(await footprint(s)), ledger: 0 }, { ...after, ledger: 0 });
    assert.equal((await ordersOf(s, sub.subscriptionId)).length, 2);
  });

  test('a new card after a decline starts the count again, and the next run charges it', async () => {
    // Runs in the past, so that the new card (put on file now) comes after the declines.
    const now = new Date();
    const day0 = plus(now, -3 * DAY);
    const sub = await insertSubscription(s, { createdAt: plus(now, -40 * DAY), endsAt: plus(day0, 10 * HOUR), periodAmount: 1200 });
    await putCard(s, sub, 'tok_chargeCustomerFail');
    await s.core.db.updateTable('payment_methods').set({ updated_at: plus(now, -30 * DAY) }).where('organization_id', '=', sub.org.id).execute();
    await runRenewals(s.core, day0);
    await runRenewals(s.core, plus(day0, DAY));
    assert.deepEqual((await chargesOf(s, sub.org.id)).map((c) => c.state), ['failed', 'failed']);
    await putCard(s, sub, 'tok_visa');
    await runRenewals(s.core, plus(day0, 2 * DAY));
    assert.deepEqual((await chargesOf(s, sub.org.id)).map((c) => c.state), ['failed', 'failed', 'done']);
    assert.equal((await outboxMails(s, sub.email, 'renewal_charge_failed')).length, 2);
    assert.equal((await outboxMails(s, sub.email, 'renewal_charge_final')).length, 0);
    assert.ok((await subscriptionEnd(s, sub.subscriptionId)) > plus(day0, 2 * DAY));
  });

  test('no card on file: the try fails without a charge, and is mailed', async () => {
    const now = new Date(Date.now() + 400 * DAY);
    const sub = await insertSubscription(s, { createdAt: plus(now, -20 * DAY), endsAt: plus(now, 10 * HOUR), periodAmount: 4000 });
    const report = await runRenewals(s.core, now);
    assert.ok(report.charged.declined >= 1);
    assert.equal((await chargesOf(s, sub.org.id)).length, 0);
    const mails = await outboxMails(s, sub.email, 'renewal_charge_failed');
    assert.equal(mails.length, 1);
    const mail = await s.smtp.waitFor(sub.email, (m) => /could not charge/.test(m.subject));
    assert.match(mail.text, /no card on file/);
  });

  test('a charge left in flight is settled by the run, and the organization is not charged twice', async () => {
    const sub = await subscribeByCheckout(s, { periodAmount: 1700 });
    const at = plus(sub.endsAt, -12 * HOUR);
    // The extension's order, then a charge for it that never reached the processor (a crash).
    await runRenewals(s.core, plus(sub.endsAt, -3 * DAY));
    const order = await s.core.transact(async () => {
      const [id] = await (await import('../../src/core/billing/ledger.js')).book(s.core, [
        (await import('../../src/core/billing/ledger.js')).move(1700, 'usd', { organizationId: sub.provider.id, account: 'Receivable' },
          { organizationId: sub.org.id, account: 'Payable' }, 'Subscription to x until 2099/01/01 (1 month)', `sub_${sub.subscriptionId}/`),
      ]);
      return id!;
    });
    const stuck = await s.core.transact(() => createCharge(s.core, { payerId: sub.org.id, invoicedIds: [order], token: null, rememberCard: false, createdBy: null }));
    const report = await runRenewals(s.core, at);
    assert.ok(report.settled.settled >= 1);
    const charges = await chargesOf(s, sub.org.id);
    assert.equal(charges.find((c) => c.id === stuck.id)!.state, 'done');
    // The renewal's own order is charged by the next day's run (one charge at a time per organization).
    await runRenewals(s.core, plus(at, DAY));
    assert.equal(await balance(s.core, { organizationId: sub.org.id, account: 'Payable', unit: 'usd' }), 0);
    assert.ok((await chargesOf(s, sub.org.id)).every((c) => c.state === 'done'));
  });
});
