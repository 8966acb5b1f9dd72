// /api/billing/{organization}/coupons/...: a provider's discount codes, through the API.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { providerWorld, type ProviderWorld } from './cart-helpers.js';

let s: TestService;
let w: ProviderWorld;
let base: string;

before(async () => {
  s = await startService();
  w = await providerWorld(s);
  base = `/api/billing/${w.provider.slug}/coupons/`;
});
after(async () => { await s.stop(); });

const countCoupons = async () => Number((await s.core.db.selectFrom('coupons').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);

describe('POST /api/billing/{organization}/coupons/', () => {
  test('creates a coupon; it expires 30 days later unless told otherwise', async () => {
    const res = await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'DIS100', discount_type: 'percentage', discount_value: 10000, description: 'All off' } });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json();
    assert.equal(body.code, 'DIS100');
    assert.equal(body.discount_type, 'percentage');
    assert.equal(body.discount_value, 10000);
    assert.equal(body.amount, 10000);
    assert.equal(body.description, 'All off');
    assert.equal(body.nb_attempts, null);
    assert.equal(body.plan, null);
    assert.equal(body.is_active, true);
    const days = (Date.parse(body.ends_at) - Date.parse(body.created_at)) / 86_400_000;
    assert.equal(days, 30);
  });

  test('restricted to a plan, with uses and an expiry; `amount` and `percent` are accepted for discount_value', async () => {
    const endsAt = new Date(Date.now() + 7 * 86_400_000).toISOString();
    const res = await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'plan-only', discount_type: 'currency', amount: 500, plan: w.plan.slug, nb_attempts: 3, ends_at: endsAt } });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual([res.json().discount_value, res.json().plan, res.json().nb_attempts, res.json().ends_at], [500, w.plan.slug, 3, endsAt]);
    const pct = await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'PCT15', percent: 15 } });
    assert.equal(pct.statusCode, 201, pct.body);
    assert.deepEqual([pct.json().discount_type, pct.json().discount_value], ['percentage', 1500]);
  });

  test('a code is unique per provider, ignoring case; another provider may reuse it', async () => {
    const before = await countCoupons();
    const res = await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'dis100', discount_value: 50 } });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().error_code, 'coupon.code_taken');
    assert.ok(res.json().code[0]);
    assert.equal(await countCoupons(), before);
    const other = await s.request({ method: 'POST', url: `/api/billing/${w.foreign.slug}/coupons/`, token: s.admin.token, body: { code: 'DIS100', discount_value: 50 } });
    assert.equal(other.statusCode, 201, other.body);
  });

  test('bad input is a 400 naming the field, and creates nothing', async () => {
    const before = await countCoupons();
    const cases: [unknown, string][] = [
      [{ discount_value: 100 }, 'code'],
      [{ code: 'X1' }, 'discount_value'],
      [{ code: 'has space', discount_value: 100 }, 'code'],
      [{ code: 'X'.repeat(51), discount_value: 100 }, 'code'],
      [{ code: 'X2', discount_value: 'ten' }, 'discount_value'],
      [{ code: 'X3', discount_value: -5 }, 'discount_value'],
      [{ code: 'X4', discount_value: 1e20 }, 'discount_value'],
      [{ code: 'X5', discount_type: 'percentage', discount_value: 10001 }, 'discount_value'],
      [{ code: 'X6', discount_type: 'period', discount_value: 5000 }, 'discount_value'],
      [{ code: 'X7', discount_type: 'bogus', discount_value: 1 }, 'discount_type'],
      [{ code: 'X8', discount_value: 1, nb_attempts: -1 }, 'nb_attempts'],
      [{ code: 'X9', discount_value: 1, ends_at: 'tomorrow' }, 'ends_at'],
      [{ code: 'X10', discount_value: 1, ends_at: '2001-01-01T00:00:00Z' }, 'ends_at'],
      [{ code: 'X11', discount_value: 1, plan: w.foreignPlan.slug }, 'plan'],
      [{ code: 'X12', discount_value: 1, plan: w.inactivePlan.slug }, 'plan'],
      [{ code: 'X13', discount_value: 1, plan: 'no-such-plan' }, 'plan'],
      [{ code: 'X14', discount_value: 1, amount: 2 }, 'discount_value'],
      [{ code: 'X15', discount_value: 1, surprise: true }, 'surprise'],
    ];
    for (const [body, field] of cases) {
      const res = await s.request({ method: 'POST', url: base, token: w.manager.token, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.ok(res.json()[field], `${JSON.stringify(body)} names ${field}: ${res.body}`);
    }
    const malformed = await s.request({ method: 'POST', url: base, token: w.manager.token, body: '{"code": ' });
    assert.equal(malformed.statusCode, 400);
    assert.equal(await countCoupons(), before);
  });

  test('only those who manage the provider may create; nothing is created otherwise', async () => {
    const before = await countCoupons();
    const body = { code: 'NOPE', discount_value: 100 };
    assert.equal((await s.request({ method: 'POST', url: base, body })).statusCode, 401);
    assert.equal((await s.request({ method: 'POST', url: base, token: w.contributor.token, body })).statusCode, 403);
    assert.equal((await s.request({ method: 'POST', url: base, token: w.outsider.token, body })).statusCode, 404);
    assert.equal((await s.request({ method: 'POST', url: '/api/billing/no-such-org/coupons/', token: w.manager.token, body })).statusCode, 404);
    assert.equal(await countCoupons(), before);
    const partner = await s.request({ method: 'POST', url: base, token: w.partnerManager.token, body: { code: 'PARTNER', discount_value: 100 } });
    assert.equal(partner.statusCode, 201, partner.body);
    const broker = await s.request({ method: 'POST', url: base, token: s.admin.token, body: { code: 'BROKER', discount_value: 100 } });
    assert.equal(broker.statusCode, 201, broker.body);
  });
});

describe('GET /api/billing/{organization}/coupons/', () => {
  test('seed example: search and order', async () => {
    await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'DIS50', discount_value: 5000 } });
    const res = await s.request({ method: 'GET', url: `${base}?o=code&ot=asc&q=DIS`, token: w.manager.token });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.count, 2);
    assert.equal(body.next, null);
    assert.equal(body.previous, null);
    assert.deepEqual(body.results.map((c: { code: string }) => c.code), ['DIS100', 'DIS50']);
    assert.deepEqual(Object.keys(body.results[0]).sort(),
      ['amount', 'code', 'created_at', 'description', 'discount_type', 'discount_value', 'ends_at', 'is_active', 'nb_attempts', 'plan']);
    const desc = await s.request({ method: 'GET', url: `${base}?o=code&ot=desc&q=DIS`, token: w.manager.token });
    assert.deepEqual(desc.json().results.map((c: { code: string }) => c.code), ['DIS50', 'DIS100']);
  });

  test('members read; others do not; a bad ordering is a 400', async () => {
    assert.equal((await s.request({ method: 'GET', url: base, token: w.contributor.token })).statusCode, 200);
    assert.equal((await s.request({ method: 'GET', url: base, token: w.partnerManager.token })).statusCode, 200);
    assert.equal((await s.request({ method: 'GET', url: base, token: w.outsider.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: base })).statusCode, 401);
    const bad = await s.request({ method: 'GET', url: `${base}?o=password`, token: w.manager.token });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().o);
    // Another provider's coupons are not listed here.
    const all = await s.request({ method: 'GET', url: `${base}?page_size=100`, token: w.manager.token });
    assert.ok(all.json().results.every((c: { code: string }) => c.code !== 'X'));
  });
});

describe('GET/PUT/PATCH/DELETE /api/billing/{organization}/coupons/{coupon}/', () => {
  test('reads one coupon, its code matched ignoring case', async () => {
    const res = await s.request({ method: 'GET', url: `${base}dis100/`, token: w.contributor.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().code, 'DIS100');
    const missing = await s.request({ method: 'GET', url: `${base}NOSUCH/`, token: w.manager.token });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error_code, 'coupon.not_found');
    // Another provider's coupon of the same code is not this one.
    const foreign = await s.request({ method: 'GET', url: `/api/billing/${w.foreign.slug}/coupons/DIS100/`, token: w.manager.token });
    assert.equal(foreign.statusCode, 404);
    assert.equal(foreign.json().error_code, 'organization.not_found');
    assert.equal((await s.request({ method: 'GET', url: `${base}bad%20code/`, token: w.manager.token })).statusCode, 400);
  });

  test('PUT (seed example): discount_type required; ends_at left out means never; the code cannot change', async () => {
    const res = await s.request({ method: 'PUT', url: `${base}DIS100/`, token: w.manager.token, body: { discount_type: 'percentage', amount: 10000, ends_at: null, description: null } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().code, res.json().discount_type, res.json().amount, res.json().ends_at, res.json().description], ['DIS100', 'percentage', 10000, null, null]);
    const missing = await s.request({ method: 'PUT', url: `${base}DIS100/`, token: w.manager.token, body: { discount_value: 10 } });
    assert.equal(missing.statusCode, 400);
    assert.ok(missing.json().discount_type);
    const rename = await s.request({ method: 'PUT', url: `${base}DIS100/`, token: w.manager.token, body: { code: 'OTHER', discount_type: 'percentage' } });
    assert.equal(rename.statusCode, 400);
    assert.ok(rename.json().code);
    const tooMuch = await s.request({ method: 'PUT', url: `${base}DIS100/`, token: w.manager.token, body: { discount_type: 'period' } });
    assert.equal(tooMuch.statusCode, 400, 'percentage value 10000 is no number of periods');
    assert.equal((await s.request({ method: 'PUT', url: `${base}DIS100/`, token: w.contributor.token, body: { discount_type: 'currency', discount_value: 1 } })).statusCode, 403);
    assert.equal((await s.request({ method: 'PUT', url: `${base}NOSUCH/`, token: w.manager.token, body: { discount_type: 'currency', discount_value: 1 } })).statusCode, 404);
    const after = (await s.request({ method: 'GET', url: `${base}DIS100/`, token: w.manager.token })).json();
    assert.deepEqual([after.discount_type, after.discount_value], ['percentage', 10000]);
  });

  test('PATCH changes only what is sent', async () => {
    const endsAt = new Date(Date.now() + 86_400_000).toISOString();
    await s.request({ method: 'PATCH', url: `${base}DIS50/`, token: w.manager.token, body: { ends_at: endsAt } });
    const res = await s.request({ method: 'PATCH', url: `${base}DIS50/`, token: w.manager.token, body: { description: 'Half', nb_attempts: 10, plan: w.otherPlan.slug } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual([res.json().description, res.json().nb_attempts, res.json().plan, res.json().ends_at, res.json().discount_value], ['Half', 10, w.otherPlan.slug, endsAt, 5000]);
    const anyPlan = await s.request({ method: 'PATCH', url: `${base}DIS50/`, token: w.manager.token, body: { plan: null } });
    assert.equal(anyPlan.json().plan, null);
    const bad = await s.request({ method: 'PATCH', url: `${base}DIS50/`, token: w.manager.token, body: { nb_attempts: 'many' } });
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().nb_attempts);
  });

  test('DELETE removes a coupon never used; one used on an order is deactivated and kept', async () => {
    await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'GONE', discount_value: 100 } });
    assert.equal((await s.request({ method: 'DELETE', url: `${base}GONE/`, token: w.contributor.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'DELETE', url: `${base}GONE/`, token: w.manager.token })).statusCode, 204);
    assert.equal((await s.request({ method: 'GET', url: `${base}GONE/`, token: w.manager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'DELETE', url: `${base}GONE/`, token: w.manager.token })).statusCode, 404);

    const used = (await s.request({ method: 'POST', url: base, token: w.manager.token, body: { code: 'USED', discount_value: 100 } })).json();
    assert.equal(used.code, 'USED');
    const buyer = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: buyer.token, body: { plan: w.plan.slug } });
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: buyer.token, body: { code: 'USED' } })).statusCode, 200);
    await s.core.db.updateTable('cart_items').set({ recorded_at: new Date() }).where('user_id', '=', buyer.id).execute();
    assert.equal((await s.request({ method: 'DELETE', url: `${base}USED/`, token: w.manager.token })).statusCode, 204);
    const kept = await s.request({ method: 'GET', url: `${base}USED/`, token: w.manager.token });
    assert.equal(kept.statusCode, 200);
    assert.equal(kept.json().is_active, false);
    const other = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: other.token, body: { plan: w.plan.slug } });
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: other.token, body: { code: 'USED' } });
    assert.equal(redeem.statusCode, 400);
    assert.equal(redeem.json().error_code, 'coupon.not_applicable');
  });
});
