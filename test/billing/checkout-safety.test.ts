// What a declined card or a stranger's address must not buy: found by an attacker's review.
// - A balance due is paid before anything new is ordered, so declines cannot pile up
//   orders and the periods they extend.
// - A group buy's claim code is released (and mailed) only once its seat is paid.
// - A group buy naming an organization the buyer has no say in shows nothing of it and
//   subscribes it to nothing: the seat goes by claim code to the address typed.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { addToCart, makeBuyer, makePlan, makeProvider } from './checkout-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });
afterEach(async () => { await assertLedgerInvariants(s); });

const checkoutUrl = (slug: string) => `/api/billing/${slug}/checkout/`;

async function subscriptionEnd(organizationId: number, planId: number): Promise<Date | undefined> {
  const row = await s.core.db.selectFrom('subscriptions').select('ends_at')
    .where('organization_id', '=', organizationId).where('plan_id', '=', planId).executeTakeFirst();
  return row?.ends_at;
}

test('declined again and again: one order stays due, nothing new is ordered or extended until it is paid', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 3000 });
  const other = await makePlan(s, provider, { periodAmount: 700 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const first = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_chargeDeclined' } });
  assert.equal(first.statusCode, 400, first.body);
  assert.equal(first.json().error_code, 'card.declined');
  const endsAt = await subscriptionEnd(org.id, plan.id);
  assert.ok(endsAt);

  await addToCart(s, user, plan);
  await addToCart(s, user, other);
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(priced.statusCode, 200, priced.body);
  // Only the balance due: the cart waits.
  assert.deepEqual(priced.json().results.map((r: { lines: { dest_amount: number }[] }) => r.lines.map((l) => l.dest_amount)), [[3000]]);
  const orders = () => s.core.db.selectFrom('ledger_transactions').select('id')
    .where('dest_organization_id', '=', org.id).where('dest_account', '=', 'Payable').where('orig_account', '=', 'Receivable').execute();
  for (const token of ['tok_chargeDeclined', 'garbage-token']) {
    const again = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: token } });
    assert.equal(again.statusCode, 400, again.body);
  }
  assert.equal((await orders()).length, 1);
  assert.deepEqual(await subscriptionEnd(org.id, plan.id), endsAt);
  assert.equal(await subscriptionEnd(org.id, other.id), undefined);

  // Paid: the balance only; then the cart is ordered as usual.
  const paid = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().amount, 3000);
  const next = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(next.statusCode, 200, next.body);
  assert.equal(next.json().amount, 3700);
  assert.ok((await subscriptionEnd(org.id, other.id))! > new Date());
});

test('a group buy on a declined card mints no usable claim: the code is off and unmailed until the seat is paid', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 4500 });
  const { user, org } = await makeBuyer(s);
  const invitee = `claim${Date.now()}@example.com`;
  await addToCart(s, user, plan, { fullName: 'Claim Person', email: invitee, syncOn: invitee });
  const declined = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_chargeDeclined' } });
  assert.equal(declined.statusCode, 400, declined.body);
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(invitee).length, 0);
  const claim = await s.core.db.selectFrom('coupons').select(['code', 'is_active']).where('plan_id', '=', plan.id).executeTakeFirstOrThrow();
  assert.equal(claim.is_active, false);

  // Someone who learned the code cannot use it while the seat is unpaid.
  const thief = await makeBuyer(s);
  await addToCart(s, thief.user, plan);
  const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: thief.user.token, body: { code: claim.code } });
  assert.equal(redeem.statusCode, 400, redeem.body);

  const paid = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  await s.smtp.waitFor(invitee, () => s.smtp.to(invitee).length > 0);
  assert.match(s.smtp.to(invitee)[0]!.text, new RegExp(claim.code));
  const released = await s.core.db.selectFrom('coupons').select('is_active').where('code', '=', claim.code).executeTakeFirstOrThrow();
  assert.equal(released.is_active, true);
});

test('a group buy naming an organization the buyer has no say in: nothing of it is shown, it is subscribed to nothing', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 1500 });
  const victimEmail = `victim${Date.now()}@corp.example.com`;
  const victim = await makeOrganization(s, { email: victimEmail });
  await s.core.db.updateTable('organizations').set({ phone: '+15555550100', street_address: '1 Secret Road' }).where('id', '=', victim.id).execute();
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan, { email: victimEmail, syncOn: victimEmail });
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(priced.statusCode, 200, priced.body);
  assert.doesNotMatch(priced.body, /Secret Road|5555550100/);
  assert.doesNotMatch(priced.body, new RegExp(`"slug":"${victim.slug}"`));
  const paid = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(await subscriptionEnd(victim.id, plan.id), undefined);
  // The seat went by claim code to the address typed.
  await s.smtp.waitFor(victimEmail, () => s.smtp.to(victimEmail).length > 0);
});
