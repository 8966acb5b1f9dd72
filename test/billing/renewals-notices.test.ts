// The expiration notices of the renewals, 15 days before a subscription ends: no card on
// file or a card expiring before the renewal (once per subscriber, whatever its number of
// subscriptions), a one-time plan's upgrade, a repeat plan's expiry; each sent once, through
// the outbox and the real SMTP server, from templates the data folder may override.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, type TestService } from '../support/service.js';
import { runRenewals } from '../../src/core/billing/renewals/index.js';
import { cardExpiredBy } from '../../src/core/billing/renewals/notices.js';
import { makePlan } from './checkout-helpers.js';
import { DAY, HOUR, footprint, insertSubscription, outboxMails, plus, putCard } from './renewals-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => {
  rmSync(join(s.config.dataDir, 'templates'), { recursive: true, force: true });
  await s.stop();
});

test('a card expires from the first day of its month', () => {
  assert.equal(cardExpiredBy('03/2027', new Date('2027-02-28T23:00:00Z')), false);
  assert.equal(cardExpiredBy('03/2027', new Date('2027-03-01T00:00:00Z')), true);
  assert.equal(cardExpiredBy('garbage', new Date()), false);
});

test('each kind of notice, to the right subscriber, once', async () => {
  const at = new Date(Date.now() + 30 * DAY);
  const ending = plus(at, 15 * DAY + 2 * HOUR);
  const created = plus(at, -100 * DAY);
  const noCard = await insertSubscription(s, { createdAt: created, endsAt: ending });
  // A second auto-renewing subscription of the same subscriber: still one mail.
  const secondPlan = await makePlan(s, noCard.provider);
  await s.core.db.insertInto('subscriptions').values({ organization_id: noCard.org.id, plan_id: secondPlan.id, created_at: created, ends_at: plus(ending, HOUR), auto_renew: true }).execute();
  const expiring = await insertSubscription(s, { createdAt: created, endsAt: ending });
  await putCard(s, expiring, 'tok_visa');
  const lowerMonth = plus(at, 15 * DAY);
  await s.core.db.updateTable('payment_methods')
    .set({ exp_date: `${String(lowerMonth.getUTCMonth() + 1).padStart(2, '0')}/${lowerMonth.getUTCFullYear()}` })
    .where('organization_id', '=', expiring.org.id).execute();
  const validCard = await insertSubscription(s, { createdAt: created, endsAt: ending });
  await putCard(s, validCard, 'tok_visa');
  const oneTime = await insertSubscription(s, { createdAt: created, endsAt: ending, renewalType: 'one-time' });
  const repeat = await insertSubscription(s, { createdAt: created, endsAt: ending, renewalType: 'repeat', autoRenew: false });
  const cancelled = await insertSubscription(s, { createdAt: created, endsAt: ending, autoRenew: false });
  const later = await insertSubscription(s, { createdAt: created, endsAt: plus(ending, 2 * DAY), renewalType: 'repeat', autoRenew: false });

  // The data folder overrides a notice's text.
  const overrides = join(s.config.dataDir, 'templates', 'email');
  mkdirSync(overrides, { recursive: true });
  writeFileSync(join(overrides, 'expires_soon.txt'), 'Subject: Soon over: {{plan}}\n\nDear {{full_name}}, {{organization}} ends {{ends_at}}.\n');

  const report = await runRenewals(s.core, at);
  assert.ok(report.notices.payment_method_absent >= 1 && report.notices.card_expires_soon >= 1);
  assert.equal((await outboxMails(s, noCard.email, 'payment_method_absent')).length, 1);
  assert.equal((await outboxMails(s, expiring.email, 'card_expires_soon')).length, 1);
  assert.equal((await outboxMails(s, oneTime.email, 'subscription_upgrade')).length, 1);
  assert.equal((await outboxMails(s, repeat.email, 'expires_soon')).length, 1);
  for (const quiet of [validCard, cancelled, later]) {
    const mails = await s.core.db.selectFrom('mail_outbox').select('template').where('recipient', '=', quiet.email).execute();
    assert.deepEqual(mails.filter((m) => m.template !== 'charge_receipt'), [], `${quiet.org.slug} hears nothing`);
  }

  const absent = await s.smtp.waitFor(noCard.email, (m) => /no card on file/.test(m.subject));
  assert.match(absent.text, /in 15 days/);
  assert.ok(absent.text.includes(`Plan ${noCard.plan.slug}`) && absent.text.includes(`Plan ${secondPlan.slug}`), absent.text);
  const expires = await s.smtp.waitFor(expiring.email, (m) => /card of .* expires/.test(m.subject));
  assert.match(expires.text, /card ending in 4242/);
  const upgrade = await s.smtp.waitFor(oneTime.email, (m) => /ends on/.test(m.subject));
  assert.match(upgrade.text, /one-time plan/);
  const overridden = await s.smtp.waitFor(repeat.email, (m) => /^Soon over: /.test(m.subject));
  assert.ok(overridden.text.includes(ending.toISOString().slice(0, 10)), overridden.text);

  // Again at the same moment, and a few hours later: nothing more.
  const before = await footprint(s);
  await runRenewals(s.core, at);
  await runRenewals(s.core, plus(at, -HOUR));
  assert.deepEqual(await footprint(s), before);
});
