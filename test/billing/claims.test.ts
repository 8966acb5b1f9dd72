// A group buy's claim coupons (`cpn_...`, 100%, one use, minted by checkout for a seat paid
// for someone unknown here): one claim pays one seat for its redeemer, the prefix is
// reserved, and the provider's coupon routes never show one. And plans whose longest order
// would end past year 9999 are refused, so no pricing path meets an invalid date.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, type TestOrg } from '../support/fixtures.js';
import { addToCart, billingState, makeBuyer, makePlan, makeProvider } from './checkout-helpers.js';
import { cartCookieOf } from './cart-helpers.js';
import { addPeriods } from '../../src/core/billing/periods.js';
import { Invalid } from '../../src/core/errors.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

/** A claim coupon as checkout mints it (100%, one use), written straight to the database. */
async function makeClaim(provider: TestOrg): Promise<{ id: number; code: string }> {
  return s.core.db.insertInto('coupons').values({
    organization_id: provider.id, code: `cpn_${unique('c').replace(/[^a-zA-Z0-9]/g, '')}`, discount_type: 'percentage', discount_value: 10000,
    nb_attempts: 1, description: 'Group buy claim',
  }).returning(['id', 'code']).executeTakeFirstOrThrow();
}

const attemptsOf = async (id: number) => (await s.core.db.selectFrom('coupons').select('nb_attempts').where('id', '=', id).executeTakeFirstOrThrow()).nb_attempts;
const couponIdsInCart = async (userId: number) => (await s.core.db.selectFrom('cart_items').select('coupon_id')
  .where('user_id', '=', userId).where('recorded_at', 'is', null).execute()).map((r) => r.coupon_id);

/** A buyer pays one seat for someone new: checkout mints a real claim code. */
async function paidClaim(plan: { slug: string }): Promise<string> {
  const buyer = await makeBuyer(s);
  const added = await s.request({ method: 'POST', url: '/api/cart/', token: buyer.user.token, body: { plan: plan.slug, full_name: 'Friend', email: `${unique('f')}@example.com` } });
  assert.equal(added.statusCode, 200, added.body);
  const paid = await s.request({ method: 'POST', url: `/api/billing/${buyer.org.slug}/checkout/`, token: buyer.user.token, body: { processor_token: 'tok_visa' } });
  assert.equal(paid.statusCode, 200, paid.body);
  const row = await s.core.db.selectFrom('cart_items').select('claim_code').where('user_id', '=', buyer.user.id).where('claim_code', 'is not', null).executeTakeFirstOrThrow();
  assert.ok(row.claim_code?.startsWith('cpn_'), String(row.claim_code));
  return row.claim_code!;
}

describe('a claim coupon pays one seat (F1)', () => {
  test('a paid claim redeemed on a cart of 4 seats (3 for others) is refused: nothing applied, nothing spent, nothing minted', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider, { periodAmount: 10000 });
    const code = await paidClaim(plan);
    const { user, org } = await makeBuyer(s);
    const items = [{ plan: plan.slug }, ...[1, 2, 3].map((i) => ({ plan: plan.slug, full_name: `P${i}`, email: `${unique('p')}@example.com` }))];
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: items })).statusCode, 200);
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: user.token, body: { code } });
    assert.equal(redeem.statusCode, 400, redeem.body);
    assert.equal(redeem.json().error_code, 'coupon.claim_single_seat');
    assert.ok(redeem.json().code[0]);
    const claim = await s.core.db.selectFrom('coupons').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    assert.equal(claim.nb_attempts, 1);
    assert.ok((await couponIdsInCart(user.id)).every((id) => id === null));
    // Checking out now charges the full price of the 4 seats: the claim paid for none.
    const before = await billingState(s);
    const placed = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: {} });
    assert.notEqual(placed.statusCode, 200, 'an unpaid 4-seat cart must not check out for free');
    assert.equal((await billingState(s)).subscriptions, before.subscriptions);
  });

  test('on a cart of exactly its one own seat it applies, and checkout gives one subscription for free', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider, { periodAmount: 10000 });
    const code = await paidClaim(plan);
    const { user, org } = await makeBuyer(s);
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan: plan.slug } })).statusCode, 200);
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: user.token, body: { code } });
    assert.equal(redeem.statusCode, 200, redeem.body);
    // The item holding it stays one seat for the redeemer.
    const grow = await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan: plan.slug, quantity: 3 } });
    assert.equal(grow.statusCode, 400, grow.body);
    assert.equal(grow.json().error_code, 'coupon.claim_single_seat');
    assert.ok(grow.json().quantity[0]);
    const rows = await s.core.db.selectFrom('cart_items').selectAll().where('user_id', '=', user.id).where('recorded_at', 'is', null).execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.quantity, 1);
    assert.equal(rows[0]!.email, null);
    const placed = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: {} });
    assert.equal(placed.statusCode, 200, placed.body);
    const subs = await s.core.db.selectFrom('subscriptions').selectAll().where('organization_id', '=', org.id).execute();
    assert.equal(subs.length, 1);
    assert.equal((await s.core.db.selectFrom('charges').selectAll().where('organization_id', '=', org.id).execute()).length, 0);
    assert.equal(await attemptsOf((await s.core.db.selectFrom('coupons').select('id').where('code', '=', code).executeTakeFirstOrThrow()).id), 0);
  });

  test('refused on one item of quantity 2, on one item for someone else, and on two items', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider);
    const other = await makePlan(s, provider);
    const carts: [string, (u: TestUser) => Promise<void>][] = [
      ['quantity 2', async (u) => { await addToCart(s, u, plan, { quantity: 2 }); }],
      ['email', async (u) => { await addToCart(s, u, plan, { fullName: 'F', email: `${unique('g')}@example.com` }); }],
      ['sync_on', async (u) => { await addToCart(s, u, plan, { syncOn: `${unique('g')}@example.com` }); }],
      ['two plans', async (u) => { await addToCart(s, u, plan); await addToCart(s, u, other); }],
    ];
    for (const [name, fill] of carts) {
      const claim = await makeClaim(provider);
      const user = await s.user();
      await fill(user);
      const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: user.token, body: { code: claim.code } });
      assert.equal(redeem.statusCode, 400, `${name}: ${redeem.body}`);
      assert.equal(redeem.json().error_code, 'coupon.claim_single_seat', name);
      assert.ok(redeem.json().code[0], name);
      assert.equal(await attemptsOf(claim.id), 1, name);
      assert.ok((await couponIdsInCart(user.id)).every((id) => id === null), name);
    }
  });

  test('a visitor\'s cookie cart of two seats is refused too; one seat takes it', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider);
    const claim = await makeClaim(provider);
    const add = await s.request({ method: 'POST', url: '/api/cart/', body: [{ plan: plan.slug }, { plan: plan.slug, sync_on: `${unique('v')}@example.com` }] });
    assert.equal(add.statusCode, 200, add.body);
    const cookie = cartCookieOf(add)!;
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', headers: { cookie: `cart=${cookie}` }, body: { code: claim.code } });
    assert.equal(redeem.statusCode, 400, redeem.body);
    assert.equal(redeem.json().error_code, 'coupon.claim_single_seat');
    const single = await s.request({ method: 'POST', url: '/api/cart/', body: { plan: plan.slug } });
    const ok = await s.request({ method: 'POST', url: '/api/cart/redeem/', headers: { cookie: `cart=${cartCookieOf(single)!}` }, body: { code: claim.code } });
    assert.equal(ok.statusCode, 200, ok.body);
  });

  test('a normal coupon still discounts every eligible item for one use', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider);
    const other = await makePlan(s, provider);
    const coupon = await s.core.db.insertInto('coupons').values({
      organization_id: provider.id, code: unique('SPRING').replace(/[^a-zA-Z0-9]/g, ''), discount_type: 'percentage', discount_value: 5000, nb_attempts: 2,
    }).returning(['id', 'code']).executeTakeFirstOrThrow();
    const user = await s.user();
    await addToCart(s, user, plan, { quantity: 3 });
    await addToCart(s, user, other, { fullName: 'F', email: `${unique('n')}@example.com` });
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: user.token, body: { code: coupon.code } });
    assert.equal(redeem.statusCode, 200, redeem.body);
    assert.deepEqual(await couponIdsInCart(user.id), [coupon.id, coupon.id]);
    assert.equal(await attemptsOf(coupon.id), 1);
  });
});

describe('the cpn_ prefix is reserved and claim coupons stay out of the provider\'s coupon routes (F1, F3)', () => {
  test('a provider may not create or rename a coupon to cpn_...', async () => {
    const provider = await makeProvider(s);
    const manager = await s.user();
    await grantRole(s, provider, manager.id, 'manager');
    const base = `/api/billing/${provider.slug}/coupons/`;
    const before = await billingState(s);
    for (const code of ['cpn_mine', 'CPN_Mine']) {
      const res = await s.request({ method: 'POST', url: base, token: manager.token, body: { code, discount_value: 10000 } });
      assert.equal(res.statusCode, 400, `${code}: ${res.body}`);
      assert.equal(res.json().error_code, 'coupon.code_reserved');
      assert.ok(res.json().code[0]);
    }
    assert.equal((await billingState(s)).coupons, before.coupons);
    // cpn without the underscore is an ordinary code.
    assert.equal((await s.request({ method: 'POST', url: base, token: manager.token, body: { code: 'cpnsale', discount_value: 100 } })).statusCode, 201);
    const rename = await s.request({ method: 'PATCH', url: `${base}cpnsale/`, token: manager.token, body: { code: 'cpn_sale' } });
    assert.equal(rename.statusCode, 400, rename.body);
    assert.equal(rename.json().error_code, 'coupon.code_reserved');
    assert.ok(rename.json().code[0]);
  });

  test('a paid claim code is not in the list, GET, PUT, PATCH or DELETE of any member of the provider', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider, { periodAmount: 10000 });
    const manager = await s.user();
    await grantRole(s, provider, manager.id, 'manager');
    const contributor = await s.user();
    await grantRole(s, provider, contributor.id, 'contributor');
    const code = await paidClaim(plan);
    const base = `/api/billing/${provider.slug}/coupons/`;
    for (const who of [manager, contributor, s.admin]) {
      const list = await s.request({ method: 'GET', url: base, token: who.token });
      assert.equal(list.statusCode, 200, list.body);
      assert.ok(list.json().results.every((c: { code: string }) => !c.code.toLowerCase().startsWith('cpn_')), list.body);
      assert.equal(list.json().count, list.json().results.length);
      const searched = await s.request({ method: 'GET', url: `${base}?q=cpn_`, token: who.token });
      assert.equal(searched.json().results.length, 0, searched.body);
      for (const url of [`${base}${code}/`, `${base}${code.toUpperCase()}/`]) {
        const one = await s.request({ method: 'GET', url, token: who.token });
        assert.equal(one.statusCode, 404, one.body);
        assert.equal(one.json().error_code, 'coupon.not_found');
      }
    }
    for (const [method, body] of [['PUT', { discount_type: 'percentage', discount_value: 100 }], ['PATCH', { nb_attempts: 100 }], ['DELETE', undefined]] as const) {
      const res = await s.request({ method, url: `${base}${code}/`, token: manager.token, ...(body ? { body } : {}) });
      assert.equal(res.statusCode, 404, `${method}: ${res.body}`);
    }
    const claim = await s.core.db.selectFrom('coupons').selectAll().where('code', '=', code).executeTakeFirstOrThrow();
    assert.equal(claim.nb_attempts, 1);
    assert.equal(claim.discount_value, 10000);
    assert.equal(claim.is_active, true);
  });
});

describe('no plan reaches past year 9999 (F4)', () => {
  test('addPeriods refuses an end that is not a date before year 10000 with Invalid', () => {
    const start = new Date(Date.UTC(2026, 0, 1));
    assert.throws(() => addPeriods(start, 'yearly', 1000 * 1000), Invalid);
    assert.throws(() => addPeriods(start, 'monthly', 12 * 8000), Invalid);
    assert.throws(() => addPeriods(start, 'daily', 365 * 8000), Invalid);
    assert.equal(addPeriods(start, 'yearly', 1000).getUTCFullYear(), 3026);
  });

  test('creating or changing a plan so its longest order ends past 9999 is a 400 naming the field; nothing changes', async () => {
    const provider = await makeProvider(s);
    const manager = await s.user();
    await grantRole(s, provider, manager.id, 'manager');
    const base = `/api/profile/${provider.slug}/plans/`;
    const far = { title: unique('Far'), period_amount: 100, period_type: 'yearly', period_length: 1000,
      advance_discounts: [{ discount_type: 'percentage', discount_value: 1000, length: 1000 }] };
    const created = await s.request({ method: 'POST', url: base, token: manager.token, body: far });
    assert.equal(created.statusCode, 400, created.body);
    assert.ok(created.json().period_length[0], created.body);
    assert.equal((await s.core.db.selectFrom('plans').select('id').where('organization_id', '=', provider.id).execute()).length, 0);
    // 1000 years alone is fine; a discount of 1000 orders of it is not.
    const ok = await s.request({ method: 'POST', url: base, token: manager.token, body: { ...far, advance_discounts: [] } });
    assert.equal(ok.statusCode, 201, ok.body);
    const slug = ok.json().slug as string;
    const patched = await s.request({ method: 'PATCH', url: `${base}${slug}/`, token: manager.token, body: { advance_discounts: far.advance_discounts } });
    assert.equal(patched.statusCode, 400, patched.body);
    assert.ok(patched.json().advance_discounts[0], patched.body);
    const monthly = await s.request({ method: 'POST', url: base, token: manager.token, body: { title: unique('M'), period_amount: 100, period_type: 'monthly', period_length: 100,
      advance_discounts: [{ discount_type: 'percentage', discount_value: 1000, length: 1000 }] } });
    assert.equal(monthly.statusCode, 400, monthly.body);
    const plan = await s.core.db.selectFrom('plans').selectAll().where('slug', '=', slug).executeTakeFirstOrThrow();
    assert.deepEqual(plan.advance_discounts, []);
  });

  test('a plan already stored that reaches too far prices and checks out as a 400, never a 500 or NaN', async () => {
    const provider = await makeProvider(s);
    const plan = await makePlan(s, provider, { periodAmount: 100, periodType: 'yearly', periodLength: 1000,
      advanceDiscounts: [{ discount_type: 'percentage', discount_value: 1000, length: 1000 }] });
    const { user, org } = await makeBuyer(s);
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: user.token, body: { plan: plan.slug } })).statusCode, 200);
    const priced = await s.request({ method: 'GET', url: `/api/billing/${org.slug}/checkout/`, token: user.token });
    assert.ok(priced.statusCode < 500, priced.body);
    assert.ok(!priced.body.includes('NaN'), priced.body);
    const before = await billingState(s);
    const placed = await s.request({ method: 'POST', url: `/api/billing/${org.slug}/checkout/`, token: user.token, body: { items: [{ option: 2 }], processor_token: 'tok_visa' } });
    assert.equal(placed.statusCode, 400, placed.body);
    assert.deepEqual(await billingState(s), before);
    assert.ok((await s.request({ method: 'GET', url: '/api/cart/', token: user.token })).statusCode < 500);
  });
});
