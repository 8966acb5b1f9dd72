// The whole path through the API, with no fixture below HTTP: a provider publishes a plan
// and a coupon, a buyer fills a cart, redeems the coupon and checks out; the subscription,
// balance and history follow. Then a group buy for someone new, claimed with the mailed code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await assertLedgerInvariants(s); await s.stop(); });

async function publish() {
  const provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  const manager = await s.user();
  await grantRole(s, provider, manager.id, 'manager');
  const created = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: manager.token, body: {
    title: `Team ${unique('p')}`, period_amount: 2000, period_type: 'monthly', is_active: true,
    advance_discounts: [{ discount_type: 'percentage', discount_value: 1500, length: 12 }],
  } });
  assert.equal(created.statusCode, 201, created.body);
  return { provider, manager, plan: created.json().slug as string };
}

async function buyer() {
  const user = await s.user();
  const profile = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: `Buyer ${unique('b')}`, email: `${unique('bill')}@example.com` } });
  assert.equal(profile.statusCode, 201, profile.body);
  return { user, org: profile.json().slug as string, email: profile.json().email as string };
}

test('publish, fill the cart, redeem, check out: subscription, balance and history agree', async () => {
  const { provider, manager, plan } = await publish();
  const code = unique('SAVE').toUpperCase();
  const coupon = await s.request({ method: 'POST', url: `/api/billing/${provider.slug}/coupons/`, token: manager.token,
    body: { code, discount_type: 'percentage', discount_value: 1000 } });
  assert.equal(coupon.statusCode, 201, coupon.body);
  const { user, org, email } = await buyer();
  assert.ok([200, 201].includes((await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan } })).statusCode));
  const redeemed = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: user.token, body: { code } });
  assert.equal(redeemed.statusCode, 200, redeemed.body);

  const priced = await s.request({ method: 'GET', url: `/api/billing/${org}/checkout/`, token: user.token });
  assert.equal(priced.statusCode, 200, priced.body);
  const [entry] = priced.json().results;
  assert.equal(entry.subscription.plan.slug, plan);
  // 20.00 less 10%; twelve months at 15% off (rounded to a whole dollar), less 10% of 240.00.
  assert.deepEqual(entry.options.map((o: { dest_amount: number }) => o.dest_amount), [1800, 20400 - 2400]);

  const placed = await s.request({ method: 'POST', url: `/api/billing/${org}/checkout/`, token: user.token,
    body: { items: [{ option: 1 }], processor_token: 'tok_visa', remember_card: true }, headers: { 'idempotency-key': unique('k') } });
  assert.equal(placed.statusCode, 200, placed.body);
  assert.equal(placed.json().amount, 1800);
  await s.smtp.waitFor(email, (m) => /Receipt/.test(m.subject));

  const subscriptions = await s.request({ method: 'GET', url: `/api/profile/${org}/subscriptions/`, token: user.token });
  assert.equal(subscriptions.statusCode, 200, subscriptions.body);
  assert.deepEqual(subscriptions.json().results.map((r: { plan: { slug: string } | string }) => (typeof r.plan === 'string' ? r.plan : r.plan.slug)), [plan]);
  const balance = await s.request({ method: 'GET', url: `/api/billing/${org}/balance/`, token: user.token });
  assert.equal(String(balance.json().balance_amount), '0', balance.body);
  const history = await s.request({ method: 'GET', url: `/api/billing/${org}/history/`, token: user.token });
  assert.equal(history.statusCode, 200, history.body);
  const rows = history.json().results as { description: string; dest_amount: number; is_debit: boolean }[];
  assert.ok(rows.some((r) => r.description.startsWith(`Subscription to ${plan}`) && r.dest_amount === 1800 && !r.is_debit), history.body);
  assert.ok(rows.some((r) => r.is_debit && r.dest_amount === 1800), history.body);
  const card = await s.request({ method: 'GET', url: `/api/billing/${org}/card/`, token: user.token });
  assert.equal(card.statusCode, 200, card.body);
});

test('a group buy for someone new: the buyer pays, the mailed code claims the subscription for free', async () => {
  const { plan } = await publish();
  const { user, org } = await buyer();
  const invitee = `${unique('friend')}@example.com`;
  const added = await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan, option: 1, full_name: 'A Friend', email: invitee } });
  assert.ok([200, 201].includes(added.statusCode), added.body);
  const placed = await s.request({ method: 'POST', url: `/api/billing/${org}/checkout/`, token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, placed.body);
  assert.equal(placed.json().amount, 2000);
  const mail = await s.smtp.waitFor(invitee, (m) => /bought you/.test(m.subject));
  const code = /cpn_[0-9a-f]+/.exec(mail.text)![0];

  const friend = await s.user({ email: invitee });
  const profile = await s.request({ method: 'POST', url: '/api/profile/', token: friend.token, body: { full_name: 'A Friend', email: invitee } });
  assert.equal(profile.statusCode, 201, profile.body);
  assert.ok([200, 201].includes((await s.request({ method: 'POST', url: '/api/cart/', token: friend.token, body: { plan, option: 1 } })).statusCode));
  const redeemed = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: friend.token, body: { code } });
  assert.equal(redeemed.statusCode, 200, redeemed.body);
  const claimed = await s.request({ method: 'POST', url: `/api/billing/${profile.json().slug}/checkout/`, token: friend.token, body: {} });
  assert.equal(claimed.statusCode, 200, claimed.body);
  assert.deepEqual(claimed.json(), {}, 'nothing to pay');
  const theirs = await s.request({ method: 'GET', url: `/api/profile/${profile.json().slug}/subscriptions/`, token: friend.token });
  assert.equal(theirs.json().count, 1, theirs.body);
  // The code is spent.
  assert.ok([200, 201].includes((await s.request({ method: 'POST', url: '/api/cart/', token: friend.token, body: { plan } })).statusCode));
  assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: friend.token, body: { code } })).statusCode, 400);
});
