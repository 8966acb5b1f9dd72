// Checkout through HTTP: pricing a cart (options per advance discount, coupons, balances
// due), placing the order (orders booked, subscriptions created or extended, the charge,
// the receipt), Idempotency-Key replays, and every refusal changing nothing.
import { test, before, after, afterEach } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { addToCart, billingState, makeBuyer, makeCoupon, makePlan, makeProvider } from './checkout-helpers.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });
// Every scenario leaves a ledger that nets to zero, keeps its signs, and shows each balance due.
afterEach(async () => { await assertLedgerInvariants(s); });

const checkoutUrl = (slug: string) => `/api/billing/${slug}/checkout/`;

test('GET prices one period and each advance discount; a 10% discount is rounded to a whole unit', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 24900, advanceDiscounts: [{ discount_type: 'percentage', discount_value: 1000, length: 12 }] });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const res = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(res.statusCode, 200, res.body);
  const [entry] = res.json().results;
  assert.equal(entry.subscription.plan.slug, plan.slug);
  assert.equal(entry.subscription.organization.slug, org.slug);
  assert.equal(entry.subscription.created_at, null);
  assert.deepEqual(entry.lines, []);
  assert.deepEqual(entry.options.map((o: { dest_amount: number }) => o.dest_amount), [24900, 268900]);
  assert.match(entry.options[0].description, new RegExp(`^Subscription to ${plan.slug} until \\d{4}/\\d{2}/\\d{2} \\(1 month\\)$`));
  assert.match(entry.options[1].description, /\(12 months\) - a 10% discount$/);
  assert.equal(entry.options[1].amount, '$2689.00');
  const first = entry.options[0];
  assert.deepEqual(
    [first.orig_account, first.orig_organization, first.dest_account, first.dest_organization, first.orig_unit, first.is_debit],
    ['Receivable', provider.slug, 'Payable', org.slug, 'usd', false],
  );
});

test('a single option, or the one chosen in the cart, is the line; a coupon comes off option 1', async () => {
  const provider = await makeProvider(s);
  const single = await makePlan(s, provider, { periodAmount: 2000 });
  const discounted = await makePlan(s, provider, { periodAmount: 10000, advanceDiscounts: [{ discount_type: 'period', discount_value: 1, length: 6 }] });
  const coupon = await makeCoupon(s, provider, 'percentage', 2000);
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, single, { couponId: coupon.id });
  await addToCart(s, user, discounted, { option: 2 });
  const res = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(res.statusCode, 200, res.body);
  const bySlug = new Map(res.json().results.map((r: { subscription: { plan: { slug: string } } }) => [r.subscription.plan.slug, r]));
  const a = bySlug.get(single.slug) as { lines: { dest_amount: number; description: string }[]; options: unknown[] };
  assert.deepEqual(a.lines.map((l) => l.dest_amount), [1600]);
  assert.match(a.lines[0]!.description, new RegExp(`a 20% discount \\(code: ${coupon.code}\\)$`));
  assert.deepEqual(a.options, []);
  const b = bySlug.get(discounted.slug) as { lines: { dest_amount: number; description: string }[]; options: unknown[] };
  // 6 months at 100.00, one of them free.
  assert.deepEqual(b.lines.map((l) => l.dest_amount), [50000]);
  assert.match(b.lines[0]!.description, /\(6 months\) - 1 month free$/);
});

test('a quantity is priced: seats times the option, in the line, the order and the charge', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 2000 });
  const coupon = await makeCoupon(s, provider, 'percentage', 2500);
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan, { quantity: 3, couponId: coupon.id });
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(priced.statusCode, 200, priced.body);
  const [line] = priced.json().results[0].lines;
  // 20.00 less 25%, three seats.
  assert.equal(line.dest_amount, 4500);
  assert.match(line.description, /\(3 seats\)$/);
  const placed = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, placed.body);
  assert.equal(placed.json().amount, 4500);
  const order = await s.core.db.selectFrom('ledger_transactions').select('dest_amount')
    .where('dest_account', '=', 'Payable').where('orig_organization_id', '=', provider.id).executeTakeFirstOrThrow();
  assert.equal(order.dest_amount, 4500);
});

test('POST with options still open is a 400 naming items, and books nothing', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { advanceDiscounts: [{ discount_type: 'percentage', discount_value: 1000, length: 12 }] });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const beforeState = await billingState(s);
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json().error_code, 'checkout.option_required');
  assert.ok(res.json().items, res.body);
  const tooFar = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { items: [{ option: 3 }], processor_token: 'tok_visa' } });
  assert.equal(tooFar.statusCode, 400, tooFar.body);
  assert.deepEqual(await billingState(s), beforeState);
});

test('POST places the order: order row, subscription, charge with Location, receipt; the cart is then empty', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 24900, advanceDiscounts: [{ discount_type: 'percentage', discount_value: 1000, length: 12 }] });
  const { user, org, email } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token,
    body: { items: [{ option: 2 }], processor_token: 'tok_visa', remember_card: true, postal_code: '94102' } });
  assert.equal(res.statusCode, 200, res.body);
  const charge = res.json();
  assert.equal(charge.amount, 268900);
  assert.equal(charge.unit, 'usd');
  assert.equal(charge.readable_amount, '$2689.00');
  assert.equal(charge.state, 'done');
  assert.equal(res.headers.location, `/api/billing/${org.slug}/charges/${charge.processor_key}/`);

  const subscription = await s.core.db.selectFrom('subscriptions').selectAll()
    .where('organization_id', '=', org.id).where('plan_id', '=', plan.id).executeTakeFirstOrThrow();
  const months = (subscription.ends_at.getUTCFullYear() - subscription.created_at.getUTCFullYear()) * 12
    + subscription.ends_at.getUTCMonth() - subscription.created_at.getUTCMonth();
  assert.equal(months, 12);
  const orders = await s.core.db.selectFrom('ledger_transactions').selectAll()
    .where('event_id', '=', `sub_${subscription.id}/`).where('orig_account', '=', 'Receivable').where('dest_account', '=', 'Payable').execute();
  assert.equal(orders.length, 1);
  assert.deepEqual([orders[0]!.orig_organization_id, orders[0]!.dest_organization_id, Number(orders[0]!.dest_amount)], [provider.id, org.id, 268900]);
  const saved = await s.core.db.selectFrom('organizations').select('postal_code').where('id', '=', org.id).executeTakeFirstOrThrow();
  assert.equal(saved.postal_code, '94102');

  const receipt = await s.smtp.waitFor(email, (m) => /Receipt/.test(m.subject));
  assert.match(receipt.subject, /\$2689\.00/);
  assert.ok(receipt.text.includes(charge.processor_key), receipt.text);
  assert.ok(receipt.text.includes(`Subscription to ${plan.slug}`), receipt.text);

  const again = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.deepEqual(again.json().results, []);
  const empty = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { remember_card: false } });
  assert.equal(empty.statusCode, 200, empty.body);
  assert.deepEqual(empty.json(), {});
});

test('checking out a plan subscribed to extends the subscription from its end', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 1000 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  assert.equal((await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } })).statusCode, 200);
  const first = await s.core.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  await addToCart(s, user, plan);
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(priced.json().results[0].subscription.ends_at, first.ends_at.toISOString());
  assert.equal((await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } })).statusCode, 200);
  const rows = await s.core.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', org.id).execute();
  assert.equal(rows.length, 1);
  assert.ok(rows[0]!.ends_at > first.ends_at);
});

test('Idempotency-Key: a replay answers the first answer and charges once; another body is a 409; keys are per caller', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 3000 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const key = 'b1c1f5c0-checkout-key-1';
  const body = { processor_token: 'tok_visa', remember_card: false };
  const first = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body, headers: { 'idempotency-key': key } });
  assert.equal(first.statusCode, 200, first.body);
  // The cart is empty now: only a replay can answer the charge again.
  const replay = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { remember_card: false, processor_token: 'tok_visa' }, headers: { 'idempotency-key': key } });
  assert.equal(replay.statusCode, 200, replay.body);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.json(), first.json());
  assert.equal(replay.headers.location, first.headers.location);
  const charges = await s.core.db.selectFrom('charges').select('id').where('organization_id', '=', org.id).execute();
  assert.equal(charges.length, 1);

  const other = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_mastercard' }, headers: { 'idempotency-key': key } });
  assert.equal(other.statusCode, 409, other.body);
  assert.equal(other.json().error_code, 'idempotency.key_reused');

  // Another caller's request with the same key is its own request.
  const second = await makeBuyer(s);
  await addToCart(s, second.user, plan);
  const theirs = await s.request({ method: 'POST', url: checkoutUrl(second.org.slug), token: second.user.token, body, headers: { 'idempotency-key': key } });
  assert.equal(theirs.statusCode, 200, theirs.body);
  assert.equal(theirs.headers['idempotent-replayed'], undefined);
  assert.notEqual(theirs.json().processor_key, first.json().processor_key);
});

test('Idempotency-Key: a refusal is replayed too; a malformed key is a 400 naming the header', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { advanceDiscounts: [{ discount_type: 'currency', discount_value: 500, length: 3 }] });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const key = 'refused-once';
  const first = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: {}, headers: { 'idempotency-key': key } });
  assert.equal(first.statusCode, 400, first.body);
  const replay = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: {}, headers: { 'idempotency-key': key } });
  assert.equal(replay.statusCode, 400);
  assert.equal(replay.headers['idempotent-replayed'], 'true');
  assert.deepEqual(replay.json(), first.json());

  for (const bad of ['x'.repeat(256), 'has space', 'tab\tkey']) {
    const before = await billingState(s);
    const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { items: [{ option: 1 }] }, headers: { 'idempotency-key': bad } });
    assert.equal(res.statusCode, 400, res.body);
    assert.ok(res.json()['idempotency-key'], res.body);
    assert.deepEqual(await billingState(s), before);
  }
});

test('bad input and callers who may not: 4xx that change nothing', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 2500 });
  const { user, org } = await makeBuyer(s);
  const contributor = await s.user();
  await grantRole(s, org, contributor.id, 'contributor');
  const stranger = await s.user();
  const providerManager = await s.user();
  await grantRole(s, provider, providerManager.id, 'manager');
  await addToCart(s, user, plan);
  await addToCart(s, contributor, plan);
  await addToCart(s, stranger, plan);
  await addToCart(s, providerManager, plan);
  const before = await billingState(s);
  const post = (token: string | undefined, body: unknown, slug = org.slug) => s.request({ method: 'POST', url: checkoutUrl(slug), token, body });

  const malformed = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: '{"items": [', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 400, malformed.body);
  for (const [body, field] of [
    [{ items: 'all' }, 'items'], [{ items: [{ option: '1' }] }, 'items.0.option'], [{ items: [{ option: -1 }] }, 'items.0.option'],
    [{ remember_card: 'yes' }, 'remember_card'], [{ processor_token: 12 }, 'processor_token'], [{ processor_token: '' }, 'processor_token'],
    [{ amount: 1 }, 'amount'], [{ postal_code: 'x'.repeat(51) }, 'postal_code'],
  ] as const) {
    const res = await post(user.token, body);
    assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    assert.ok(res.json()[field], `${field} named: ${res.body}`);
  }
  assert.equal((await post(undefined, {})).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: checkoutUrl(org.slug) })).statusCode, 401);
  assert.equal((await post(user.token, {}, 'no-such-org')).statusCode, 404);
  assert.equal((await post(stranger.token, {})).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: stranger.token })).statusCode, 404);
  assert.equal((await post(providerManager.token, {})).statusCode, 404);
  const byContributor = await post(contributor.token, { processor_token: 'tok_visa' });
  assert.equal(byContributor.statusCode, 403, byContributor.body);
  // A contributor may look at what checking out would cost.
  assert.equal((await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: contributor.token })).statusCode, 200);
  assert.deepEqual(await billingState(s), before);
});

test('a group buy for someone without a profile: the buyer pays, a single-use 100% coupon is mailed as the claim code', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 4000 });
  const { user, org } = await makeBuyer(s);
  const invitee = `guest${Date.now()}@example.com`;
  await addToCart(s, user, plan, { fullName: 'Guest Person', email: invitee, syncOn: invitee });
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(priced.statusCode, 200, priced.body);
  const entry = priced.json().results[0];
  assert.equal(entry.subscription.organization.slug, invitee);
  assert.equal(entry.lines[0].dest_organization, org.slug);
  assert.match(entry.lines[0].description, new RegExp(`for Guest Person \\(${invitee}\\)$`));
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().amount, 4000);
  const mail = await s.smtp.waitFor(invitee, (m) => /bought you/.test(m.subject));
  const code = /cpn_[0-9a-f]+/.exec(mail.text)?.[0];
  assert.ok(code, mail.text);
  const coupon = await s.core.db.selectFrom('coupons').selectAll().where('code', '=', code!).executeTakeFirstOrThrow();
  assert.deepEqual([coupon.discount_type, Number(coupon.discount_value), coupon.nb_attempts, coupon.plan_id], ['percentage', 10000, 1, plan.id]);
  const order = await s.core.db.selectFrom('ledger_transactions').selectAll().where('event_id', '=', code!).executeTakeFirstOrThrow();
  assert.equal(order.dest_organization_id, org.id);
});

test('two checkouts of the same cart at once charge once', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 5000 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const both = await Promise.all([1, 2].map(() => s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } })));
  assert.deepEqual(both.map((r) => r.statusCode).sort(), [200, 200], both.map((r) => r.body).join('\n'));
  const charged = both.filter((r) => r.json().processor_key);
  assert.equal(charged.length, 1, both.map((r) => r.body).join('\n'));
  const charges = await s.core.db.selectFrom('charges').select('amount').where('organization_id', '=', org.id).execute();
  assert.deepEqual(charges.map((c) => Number(c.amount)), [5000]);
});

test('a free order (100% coupon) creates its subscription and charges nothing', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 5000 });
  const coupon = await makeCoupon(s, provider, 'percentage', 10000);
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan, { couponId: coupon.id });
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: {} });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {});
  assert.equal((await s.core.db.selectFrom('subscriptions').select('id').where('organization_id', '=', org.id).execute()).length, 1);
  assert.equal((await s.core.db.selectFrom('charges').select('id').where('organization_id', '=', org.id).execute()).length, 0);
});

test('another organization of the same provider sees its own cart: the payer\'s checkout uses the caller\'s cart only', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider);
  const { user, org } = await makeBuyer(s);
  const other = await makeOrganization(s);
  await grantRole(s, other, user.id, 'manager');
  await addToCart(s, user, plan);
  const priced = await s.request({ method: 'GET', url: checkoutUrl(other.slug), token: user.token });
  assert.equal(priced.json().results[0].lines[0].dest_organization, other.slug);
  const mine = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  assert.equal(mine.json().results[0].lines[0].dest_organization, org.slug);
});

test('a declined card: 400 with the reason, the order is kept as a balance due, and a later checkout pays it', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 7000 });
  const { user, org, email } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const declined = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_chargeDeclinedInsufficientFunds' } });
  assert.equal(declined.statusCode, 400, declined.body);
  assert.equal(declined.json().error_code, 'card.declined');
  assert.match(declined.json().detail, /insufficient funds/);
  assert.ok(declined.json().processor_token, declined.body);
  // The order and its subscription are kept; what it costs is due.
  const subscription = await s.core.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  const [due] = priced.json().results;
  assert.equal(due.lines[0].dest_amount, 7000);
  assert.match(due.lines[0].description, /^Balance due/);
  assert.equal(due.subscription.created_at, subscription.created_at.toISOString());

  const paid = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_mastercard' } });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().amount, 7000);
  assert.equal(paid.json().state, 'done');
  assert.equal(paid.json().last4, '4444');
  await s.smtp.waitFor(email, (m) => /Receipt/.test(m.subject));
  // Paid: nothing is due any more, and the subscription was not extended twice.
  assert.deepEqual((await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token })).json().results, []);
  const after = await s.core.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', org.id).execute();
  assert.deepEqual(after.map((row) => row.ends_at.toISOString()), [subscription.ends_at.toISOString()]);
});

test('without a token the card on file is charged; remember_card keeps the card', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 1500 });
  const other = await makePlan(s, provider, { periodAmount: 2500 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const first = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_mastercard', remember_card: true } });
  assert.equal(first.statusCode, 200, first.body);
  await addToCart(s, user, other);
  const second = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: {} });
  assert.equal(second.statusCode, 200, second.body);
  assert.equal(second.json().amount, 2500);
  assert.equal(second.json().last4, '4444');
});

test('without a token and no card on file: a 400 naming processor_token, nothing booked', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 1500 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const before = await billingState(s);
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { remember_card: true } });
  assert.equal(res.statusCode, 400, res.body);
  assert.ok(res.json().processor_token, res.body);
  assert.deepEqual(await billingState(s), before);
});

test('a coupon that expired since it was redeemed no longer applies; a plan withdrawn since is refused at POST', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 3000 });
  const coupon = await makeCoupon(s, provider, 'currency', 1000);
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan, { couponId: coupon.id });
  assert.equal((await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token })).json().results[0].lines[0].dest_amount, 2000);
  await s.core.db.updateTable('coupons').set({ ends_at: new Date(s.clock.now.getTime() - 1000) }).where('id', '=', coupon.id).execute();
  assert.equal((await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token })).json().results[0].lines[0].dest_amount, 3000);
  await s.core.db.updateTable('plans').set({ is_active: false }).where('id', '=', plan.id).execute();
  const before = await billingState(s);
  const res = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(res.statusCode, 400, res.body);
  assert.match(res.json().items[0], new RegExp(plan.slug));
  assert.deepEqual(await billingState(s), before);
});

test('a declined group buy stays due with its claim code; paying it later sends nothing twice', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 4500 });
  const { user, org } = await makeBuyer(s);
  const invitee = `later${Date.now()}@example.com`;
  await addToCart(s, user, plan, { fullName: 'Later Person', email: invitee, syncOn: invitee });
  const declined = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_chargeDeclined' } });
  assert.equal(declined.statusCode, 400, declined.body);
  const priced = await s.request({ method: 'GET', url: checkoutUrl(org.slug), token: user.token });
  const [due] = priced.json().results;
  assert.equal(due.lines[0].dest_amount, 4500);
  assert.equal(due.subscription.organization.slug, invitee);
  assert.equal(due.subscription.plan.slug, plan.slug);
  const paid = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().amount, 4500);
  assert.equal((await s.core.db.selectFrom('coupons').select('id').where('plan_id', '=', plan.id).execute()).length, 1);
});

test('POST .../charges/{charge}/email/ mails the receipt again to the payer; strangers get 404, unpaid charges 400', async () => {
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 2200 });
  const { user, org, email } = await makeBuyer(s);
  await addToCart(s, user, plan);
  const charged = await s.request({ method: 'POST', url: checkoutUrl(org.slug), token: user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(charged.statusCode, 200, charged.body);
  const key = charged.json().processor_key;
  // The receipt page reads the charge with its lines.
  const read = await s.request({ method: 'GET', url: `/api/billing/charges/${key}/`, token: user.token });
  assert.equal(read.statusCode, 200, read.body);
  assert.equal(read.json().state, 'done');
  assert.deepEqual(read.json().line_items.map((line: { num: number; amount: number; readable_amount: string }) => [line.num, line.amount, line.readable_amount]), [[0, 2200, '$22.00']]);
  assert.match(read.json().line_items[0].description, new RegExp(`^Subscription to ${plan.slug} until`));
  await s.smtp.waitFor(email, (m) => /Receipt/.test(m.subject));
  const before = s.smtp.to(email).length;
  const res = await s.request({ method: 'POST', url: `/api/billing/charges/${key}/email/`, token: user.token });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { charge_id: key, email });
  await s.core.jobs.idle();
  await s.smtp.waitFor(email, () => s.smtp.to(email).length > before);
  assert.equal(s.smtp.to(email).length, before + 1);

  const stranger = await s.user();
  assert.equal((await s.request({ method: 'POST', url: `/api/billing/charges/${key}/email/`, token: stranger.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: `/api/billing/charges/${key}/email/` })).statusCode, 401);
  assert.equal((await s.request({ method: 'POST', url: '/api/billing/charges/no_such_charge/email/', token: user.token })).statusCode, 404);

  const other = await makeBuyer(s);
  await addToCart(s, other.user, plan);
  const declined = await s.request({ method: 'POST', url: checkoutUrl(other.org.slug), token: other.user.token, body: { processor_token: 'tok_chargeDeclined' } });
  assert.equal(declined.statusCode, 400);
  const failed = await s.core.db.selectFrom('charges').select('processor_key').where('organization_id', '=', other.org.id).executeTakeFirstOrThrow();
  const unpaid = await s.request({ method: 'POST', url: `/api/billing/charges/${failed.processor_key}/email/`, token: other.user.token });
  assert.equal(unpaid.statusCode, 400, unpaid.body);
  assert.equal(unpaid.json().error_code, 'receipt.not_paid');
});

test('GET /api/billing/processor/ names the test processor to anyone, with no publishable key', async () => {
  const res = await s.request({ method: 'GET', url: '/api/billing/processor/' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), { processor: 'test', publishable_key: null });
});
