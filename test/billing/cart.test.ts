// /api/cart/...: a visitor's cart (anonymous in a cookie, a user's in the database),
// coupons redeemed on it, the cookie joining the user's cart at login, and what checkout
// reads from it (cartOf, recordCart).
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { cartCookieOf, providerWorld, type ProviderWorld } from './cart-helpers.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { cartOf, parseAnonymousCart } from '../../src/core/billing/cart.js';

let s: TestService;
let w: ProviderWorld;

before(async () => {
  s = await startService();
  w = await providerWorld(s);
  const coupons = `/api/billing/${w.provider.slug}/coupons/`;
  for (const body of [
    { code: 'LABORDAY', discount_value: 2000 },
    { code: 'ONCE', discount_value: 1000, nb_attempts: 1 },
    { code: 'OTHERPLAN', discount_value: 1000, plan: w.otherPlan.slug },
  ]) assert.equal((await s.request({ method: 'POST', url: coupons, token: w.manager.token, body })).statusCode, 201);
  await s.request({ method: 'POST', url: `/api/billing/${w.foreign.slug}/coupons/`, token: s.admin.token, body: { code: 'FOREIGN', discount_value: 1000 } });
  await s.core.db.insertInto('coupons').values({
    organization_id: w.provider.id, code: 'EXPIRED', discount_type: 'percentage', discount_value: 1000, ends_at: new Date(Date.now() - 1000),
  }).execute();
});
after(async () => { await s.stop(); });

const cartItems = async (userId: number) => s.core.db.selectFrom('cart_items').selectAll().where('user_id', '=', userId).where('recorded_at', 'is', null).execute();
const attemptsOf = async (code: string) => (await s.core.db.selectFrom('coupons').select('nb_attempts').where('code', '=', code).executeTakeFirstOrThrow()).nb_attempts;

describe('POST /api/cart/ as a user', () => {
  test('seed example: adds a plan with an option; the same plan again updates it', async () => {
    const u = await s.user();
    const res = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.plan.slug, option: 1 } });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().plan, w.plan.slug);
    assert.equal(res.json().option, 1);
    assert.equal(res.json().full_name, null);
    assert.equal(cartCookieOf(res), undefined, 'a user\'s cart is not a cookie');
    const again = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.plan.slug, option: 2 } });
    assert.equal(again.json().option, 2);
    assert.equal((await cartItems(u.id)).length, 1);
    const list = await s.request({ method: 'GET', url: '/api/cart/', token: u.token });
    assert.deepEqual(list.json().map((i: { plan: string; option: number }) => [i.plan, i.option]), [[w.plan.slug, 2]]);
    // Again with nothing new (found by the fuzz test: an UPDATE with no column was a 500).
    const same = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.plan.slug, option: 0, full_name: null, email: null } });
    assert.equal(same.statusCode, 200, same.body);
    assert.equal(same.json().option, 2);
  });

  test('a list of items, group buy for other people', async () => {
    const u = await s.user();
    const res = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [
      { plan: w.plan.slug, full_name: 'Joe Smith', email: 'joe@example.com' },
      { plan: w.plan.slug, full_name: 'Marie Johnson', email: 'marie@example.com', sync_on: 'marie-org' },
      { plan: w.otherPlan.slug },
    ] });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().length, 3);
    assert.equal(res.json()[0].sync_on, 'joe@example.com', 'the e-mail names the beneficiary when sync_on is absent');
    assert.equal(res.json()[1].sync_on, 'marie-org');
    assert.equal((await cartItems(u.id)).length, 3);
  });

  test('bad items are a 400 naming the field, and nothing is added (all or none)', async () => {
    const u = await s.user();
    const cases: [unknown, string][] = [
      [{ option: 1 }, 'plan'],
      [{ plan: 'no-such-plan' }, 'plan'],
      [{ plan: w.inactivePlan.slug }, 'plan'],
      [{ plan: w.plan.slug, option: 3 }, 'option'],
      [{ plan: w.otherPlan.slug, option: 2 }, 'option'],
      [{ plan: w.plan.slug, option: 'one' }, 'option'],
      [{ plan: w.plan.slug, option: -1 }, 'option'],
      [{ plan: w.plan.slug, quantity: 0 }, 'quantity'],
      [{ plan: w.plan.slug, email: 'not-an-email' }, 'email'],
      [{ plan: w.plan.slug, color: 'red' }, 'color'],
      [[{ plan: w.plan.slug }, { plan: 'no-such-plan' }], 'plan'],
    ];
    for (const [body, field] of cases) {
      const res = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      assert.ok(JSON.stringify(res.json()).includes(field), `${JSON.stringify(body)} names ${field}: ${res.body}`);
    }
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: '[{"plan":' })).statusCode, 400);
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [] })).statusCode, 400);
    assert.equal((await cartItems(u.id)).length, 0);
  });
});

describe('DELETE /api/cart/', () => {
  test('removes the items of a plan, or of a beneficiary, or all', async () => {
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [
      { plan: w.plan.slug }, { plan: w.plan.slug, email: 'joe@example.com' }, { plan: w.otherPlan.slug },
    ] });
    const byEmail = await s.request({ method: 'DELETE', url: '/api/cart/?email=joe@example.com', token: u.token });
    assert.equal(byEmail.statusCode, 204);
    assert.equal((await cartItems(u.id)).length, 2);
    assert.equal((await s.request({ method: 'DELETE', url: `/api/cart/?plan=${w.otherPlan.slug}`, token: u.token })).statusCode, 204);
    assert.deepEqual((await cartItems(u.id)).map((i) => i.plan_id), [w.plan.id]);
    // Not in the cart: nothing changes. No such plan: 404.
    assert.equal((await s.request({ method: 'DELETE', url: `/api/cart/?plan=${w.foreignPlan.slug}`, token: u.token })).statusCode, 204);
    const unknown = await s.request({ method: 'DELETE', url: '/api/cart/?plan=no-such-plan', token: u.token });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'plan.not_found');
    assert.equal((await cartItems(u.id)).length, 1);
    assert.equal((await s.request({ method: 'DELETE', url: '/api/cart/?plan=bad%20slug', token: u.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'DELETE', url: '/api/cart/', token: u.token })).statusCode, 204);
    assert.equal((await cartItems(u.id)).length, 0);
  });
});

describe('POST /api/cart/redeem/', () => {
  test('seed example: applies the coupon to the items it fits and takes one use', async () => {
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [{ plan: w.plan.slug }, { plan: w.otherPlan.slug }, { plan: w.foreignPlan.slug }] });
    const res = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code: 'LABORDAY' } });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { detail: "Coupon 'LABORDAY' was successfully applied." });
    const list = (await s.request({ method: 'GET', url: '/api/cart/', token: u.token })).json() as { plan: string; coupon: string | null }[];
    const byPlan = Object.fromEntries(list.map((i) => [i.plan, i.coupon]));
    assert.deepEqual(byPlan, { [w.plan.slug]: 'LABORDAY', [w.otherPlan.slug]: 'LABORDAY', [w.foreignPlan.slug]: null });
  });

  test('a coupon restricted to a plan discounts only that plan; codes match ignoring case', async () => {
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [{ plan: w.plan.slug }, { plan: w.otherPlan.slug }] });
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code: 'otherplan' } })).statusCode, 200);
    const items = await cartItems(u.id);
    assert.deepEqual(items.map((i) => [i.plan_id, i.coupon_id !== null]).sort(), [[w.plan.id, false], [w.otherPlan.id, true]].sort());
  });

  test('two carts racing for a coupon\'s last use: one gets it', async () => {
    await s.request({ method: 'POST', url: `/api/billing/${w.provider.slug}/coupons/`, token: w.manager.token, body: { code: 'LASTONE', discount_value: 1000, nb_attempts: 1 } });
    const users = await Promise.all([s.user(), s.user(), s.user()]);
    for (const u of users) await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.plan.slug } });
    const answers = await Promise.all(users.map((u) => s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code: 'LASTONE' } })));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 400, 400]);
    assert.equal(await attemptsOf('LASTONE'), 0);
    const discounted = await s.core.db.selectFrom('cart_items').select('id').where('user_id', 'in', users.map((u) => u.id)).where('coupon_id', 'is not', null).execute();
    assert.equal(discounted.length, 1);
  });

  test('used up, expired, another provider\'s or unknown: 400, and the cart is unchanged', async () => {
    const first = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: first.token, body: { plan: w.plan.slug } });
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: first.token, body: { code: 'ONCE' } })).statusCode, 200);
    assert.equal(await attemptsOf('ONCE'), 0);
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.plan.slug } });
    for (const code of ['ONCE', 'EXPIRED', 'FOREIGN', 'NOSUCHCODE']) {
      const res = await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code } });
      assert.equal(res.statusCode, 400, code);
      assert.equal(res.json().detail, `No items can be discounted using this coupon: ${code}.`);
      assert.equal(res.json().error_code, 'coupon.not_applicable');
    }
    assert.equal(await attemptsOf('ONCE'), 0);
    assert.ok((await cartItems(u.id)).every((i) => i.coupon_id === null));
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: {} })).statusCode, 400);
    assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code: 42 } })).statusCode, 400);
  });
});

describe('an anonymous visitor\'s cart', () => {
  test('lives in a cookie, takes a coupon, and joins the user\'s cart at login (the coupon\'s use counted then)', async () => {
    const add = await s.request({ method: 'POST', url: '/api/cart/', body: { plan: w.plan.slug, option: 1 } });
    assert.equal(add.statusCode, 200, add.body);
    assert.deepEqual([add.json().plan, add.json().option], [w.plan.slug, 1]);
    let cookie = cartCookieOf(add)!;
    assert.ok(cookie);
    const second = await s.request({ method: 'POST', url: '/api/cart/', headers: { cookie: `cart=${cookie}` }, body: { plan: w.otherPlan.slug } });
    cookie = cartCookieOf(second)!;
    assert.equal(parseAnonymousCart(cookie).length, 2);
    const list = await s.request({ method: 'GET', url: '/api/cart/', headers: { cookie: `cart=${cookie}` } });
    assert.deepEqual(list.json().map((i: { plan: string }) => i.plan).sort(), [w.plan.slug, w.otherPlan.slug].sort());

    await s.request({ method: 'POST', url: `/api/billing/${w.provider.slug}/coupons/`, token: w.manager.token, body: { code: 'VISITOR', discount_value: 500, nb_attempts: 5 } });
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', headers: { cookie: `cart=${cookie}` }, body: { code: 'VISITOR' } });
    assert.equal(redeem.statusCode, 200, redeem.body);
    cookie = cartCookieOf(redeem)!;
    assert.ok(parseAnonymousCart(cookie).every((i) => i.coupon === 'VISITOR'));
    assert.equal(await attemptsOf('VISITOR'), 5, 'not counted before login');
    const removed = await s.request({ method: 'DELETE', url: `/api/cart/?plan=${w.otherPlan.slug}`, headers: { cookie: `cart=${cookie}` } });
    assert.equal(removed.statusCode, 204);
    cookie = cartCookieOf(removed)!;
    assert.equal(parseAnonymousCart(cookie).length, 1);

    // The user had the plan already, for someone else, and another plan.
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [{ plan: w.plan.slug, email: 'joe@example.com' }, { plan: w.otherPlan.slug }] });
    const login = await s.request({ method: 'POST', url: '/api/auth/', headers: { cookie: `cart=${cookie}` }, body: { username: u.username, password: u.password } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(cartCookieOf(login), '', 'the cookie is cleared');
    const items = await cartItems(u.id);
    assert.equal(items.length, 3);
    const joined = items.find((i) => i.plan_id === w.plan.id && i.sync_on === null)!;
    assert.equal(joined.option, 1);
    assert.ok(joined.coupon_id !== null);
    assert.equal(await attemptsOf('VISITOR'), 4);
  });

  test('joins the new account\'s cart when it is activated', async () => {
    const add = await s.request({ method: 'POST', url: '/api/cart/', body: { plan: w.otherPlan.slug, full_name: 'Ann Lee', email: 'ann@example.com' } });
    const cookie = cartCookieOf(add)!;
    const username = unique('joe');
    const email = `${username}@example.com`;
    assert.equal((await s.request({ method: 'POST', url: '/api/auth/register/', headers: { cookie: `cart=${cookie}` }, body: { username, email, full_name: 'Joe' } })).statusCode, 200);
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/'));
    const act = await s.request({ method: 'POST', url: pathOf(linkIn(mail, '/api/auth/activate/')), headers: { cookie: `cart=${cookie}` }, body: { new_password: 'Correct-Horse-Battery-77' } });
    assert.equal(act.statusCode, 200, act.body);
    assert.equal(cartCookieOf(act), '');
    const user = await s.core.db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirstOrThrow();
    assert.deepEqual((await cartItems(user.id)).map((i) => [i.plan_id, i.full_name, i.sync_on]), [[w.otherPlan.id, 'Ann Lee', 'ann@example.com']]);
  });

  test('a forged or broken cookie is ignored, never trusted', async () => {
    for (const cookie of ['garbage', Buffer.from('{"plan":1}').toString('base64url'), Buffer.from(JSON.stringify([{ plan: w.inactivePlan.slug }, { plan: w.plan.slug, option: 99, quantity: -4 }])).toString('base64url')]) {
      const res = await s.request({ method: 'GET', url: '/api/cart/', headers: { cookie: `cart=${cookie}` } });
      assert.equal(res.statusCode, 200);
      for (const item of res.json()) assert.ok(item.plan === w.plan.slug && item.option === 0 && item.quantity === 1, JSON.stringify(item));
    }
    const u = await s.user();
    const forged = Buffer.from(JSON.stringify([{ plan: w.inactivePlan.slug }, { plan: w.foreignPlan.slug, coupon: 'LABORDAY' }])).toString('base64url');
    const login = await s.request({ method: 'POST', url: '/api/auth/', headers: { cookie: `cart=${forged}` }, body: { username: u.username, password: u.password } });
    assert.equal(login.statusCode, 200);
    const items = await cartItems(u.id);
    assert.deepEqual(items.map((i) => [i.plan_id, i.coupon_id]), [[w.foreignPlan.id, null]]);
  });

  test('a full cart does not stop its user from logging in; the visitor\'s items wait in the cookie no more', async () => {
    const u = await s.user();
    await s.core.db.insertInto('cart_items').values(Array.from({ length: 1000 }, (_, i) => ({
      user_id: u.id, plan_id: w.plan.id, email: `seat${i}@example.com`, sync_on: `seat${i}@example.com`,
    }))).execute();
    const add = await s.request({ method: 'POST', url: '/api/cart/', body: { plan: w.otherPlan.slug } });
    const login = await s.request({ method: 'POST', url: '/api/auth/', headers: { cookie: `cart=${cartCookieOf(add)!}` }, body: { username: u.username, password: u.password } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal((await cartItems(u.id)).length, 1000);
    const more = await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: { plan: w.otherPlan.slug } });
    assert.equal(more.statusCode, 400);
    assert.equal(more.json().error_code, 'cart.too_large');
  });

  test('at most a few items fit in the cookie', async () => {
    let cookie = '';
    let last = 0;
    for (let i = 0; i < 12; i += 1) {
      const res = await s.request({ method: 'POST', url: '/api/cart/', headers: cookie ? { cookie: `cart=${cookie}` } : {}, body: { plan: w.plan.slug, email: `p${i}@example.com` } });
      last = res.statusCode;
      if (res.statusCode !== 200) {
        assert.equal(res.json().error_code, 'cart.too_large');
        break;
      }
      cookie = cartCookieOf(res)!;
    }
    assert.equal(last, 400);
  });
});

describe('POST /api/cart/{plan}/upload/', () => {
  const form = (csv: string, name = 'file') => {
    const boundary = 'xBOUNDARYx';
    return {
      headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
      body: `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="names.csv"\r\nContent-Type: text/csv\r\n\r\n${csv}\r\n--${boundary}--\r\n`,
    };
  };

  test('seed example: one group-buy item per row; again, they are updated', async () => {
    const u = await s.user();
    const csv = 'Joe,Smith,joesmith@example.com\nMarie,Johnson,mariejohnson@example.com\n';
    const res = await s.request({ method: 'POST', url: `/api/cart/${w.plan.slug}/upload/`, token: u.token, ...form(csv) });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), {
      created: [
        { first_name: 'Joe', last_name: 'Smith', email: 'joesmith@example.com' },
        { first_name: 'Marie', last_name: 'Johnson', email: 'mariejohnson@example.com' },
      ],
      updated: [],
      failed: [],
    });
    const items = await cartItems(u.id);
    assert.deepEqual(items.map((i) => [i.full_name, i.sync_on]).sort(), [['Joe Smith', 'joesmith@example.com'], ['Marie Johnson', 'mariejohnson@example.com']]);
    const again = await s.request({ method: 'POST', url: `/api/cart/${w.plan.slug}/upload/`, token: u.token, ...form('"Smith, Jr.",joesmith@example.com\r\nbad-row\r\nAnn,Lee,not-an-email\r\n') });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().created.length, 0);
    assert.deepEqual(again.json().updated, [{ first_name: 'Smith,', last_name: 'Jr.', email: 'joesmith@example.com' }]);
    assert.equal(again.json().failed.length, 2);
    assert.equal((await cartItems(u.id)).length, 2);
  });

  test('refusals: anonymous, unknown or withdrawn plan, no file, not multipart', async () => {
    const u = await s.user();
    assert.equal((await s.request({ method: 'POST', url: `/api/cart/${w.plan.slug}/upload/`, ...form('a,b,c@example.com') })).statusCode, 401);
    const unknown = await s.request({ method: 'POST', url: '/api/cart/no-such-plan/upload/', token: u.token, ...form('a,b,c@example.com') });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'plan.not_found');
    assert.equal((await s.request({ method: 'POST', url: `/api/cart/${w.inactivePlan.slug}/upload/`, token: u.token, ...form('a,b,c@example.com') })).statusCode, 400);
    const wrongPart = await s.request({ method: 'POST', url: `/api/cart/${w.plan.slug}/upload/`, token: u.token, ...form('a,b,c@example.com', 'other') });
    assert.equal(wrongPart.statusCode, 400);
    assert.ok(wrongPart.json().file);
    const json = await s.request({ method: 'POST', url: `/api/cart/${w.plan.slug}/upload/`, token: u.token, body: { file: 'a,b,c@example.com' } });
    assert.equal(json.statusCode, 400);
    assert.ok(json.json().file);
    assert.equal((await cartItems(u.id)).length, 0);
  });
});

describe('cartOf: the cart as its readers see it', () => {
  test('the lines with their plan and a coupon that still applies; an anonymous caller\'s from the cookie', async () => {
    const u = await s.user();
    await s.request({ method: 'POST', url: '/api/cart/', token: u.token, body: [{ plan: w.plan.slug, option: 2 }, { plan: w.otherPlan.slug }] });
    await s.request({ method: 'POST', url: '/api/cart/redeem/', token: u.token, body: { code: 'OTHERPLAN' } });
    const caller = { kind: 'user' as const, userId: u.id, username: u.username, via: 'jwt' as const };
    const lines = await cartOf(s.core, caller, []);
    assert.equal(lines.length, 2);
    assert.equal(lines.find((l) => l.plan.id === w.otherPlan.id)!.coupon?.code, 'OTHERPLAN');
    assert.equal(lines.find((l) => l.plan.id === w.plan.id)!.option, 2);
    // A coupon that ended since it was redeemed no longer applies.
    await s.core.db.updateTable('coupons').set({ ends_at: new Date(Date.now() - 1000) }).where('code', '=', 'OTHERPLAN').execute();
    assert.equal((await cartOf(s.core, caller, [])).find((l) => l.plan.id === w.otherPlan.id)!.coupon, null);
    await s.core.db.updateTable('coupons').set({ ends_at: null }).where('code', '=', 'OTHERPLAN').execute();
    // A plan withdrawn since stays in a user's cart, for them to see and remove.
    await s.core.db.updateTable('plans').set({ is_active: false }).where('id', '=', w.otherPlan.id).execute();
    const listed = (await s.request({ method: 'GET', url: '/api/cart/', token: u.token })).json() as { plan: string }[];
    await s.core.db.updateTable('plans').set({ is_active: true }).where('id', '=', w.otherPlan.id).execute();
    assert.deepEqual(listed.map((i) => i.plan).sort(), [w.plan.slug, w.otherPlan.slug].sort());
    const anonymous = await cartOf(s.core, { kind: 'anonymous' }, parseAnonymousCart(Buffer.from(JSON.stringify([{ plan: w.plan.slug, option: 1, coupon: 'LABORDAY' }])).toString('base64url')));
    assert.deepEqual(anonymous.map((l) => [l.id, l.plan.slug, l.option, l.coupon?.code]), [[null, w.plan.slug, 1, 'LABORDAY']]);
  });
});

describe('from a visitor\'s cart to an order', () => {
  test('added anonymously, coupon redeemed, joined at login, checked out at its discount; the coupon then counts as used', async () => {
    await s.request({ method: 'POST', url: `/api/billing/${w.provider.slug}/coupons/`, token: w.manager.token, body: { code: 'E2E', discount_value: 2500, nb_attempts: 10 } });
    const add = await s.request({ method: 'POST', url: '/api/cart/', body: { plan: w.otherPlan.slug, option: 1 } });
    const redeem = await s.request({ method: 'POST', url: '/api/cart/redeem/', headers: { cookie: `cart=${cartCookieOf(add)!}` }, body: { code: 'E2E' } });
    assert.equal(redeem.statusCode, 200, redeem.body);
    const u = await s.user();
    const buyer = await makeOrganization(s, { email: `${unique('billing')}@example.com` });
    await grantRole(s, buyer, u.id, 'manager');
    const login = await s.request({ method: 'POST', url: '/api/auth/', headers: { cookie: `cart=${cartCookieOf(redeem)!}` }, body: { username: u.username, password: u.password } });
    assert.equal(login.statusCode, 200, login.body);
    assert.equal(await attemptsOf('E2E'), 9);

    const checkout = await s.request({ method: 'POST', url: `/api/billing/${buyer.slug}/checkout/`, token: u.token, body: { processor_token: 'tok_visa' } });
    assert.equal(checkout.statusCode, 200, checkout.body);
    assert.equal(checkout.json().amount, 1500, '2000 less 25%');
    assert.deepEqual((await s.request({ method: 'GET', url: '/api/cart/', token: u.token })).json(), []);
    const recorded = await s.core.db.selectFrom('cart_items').select(['recorded_at', 'coupon_id']).where('user_id', '=', u.id).execute();
    assert.equal(recorded.length, 1);
    assert.ok(recorded[0]!.recorded_at && recorded[0]!.coupon_id);

    assert.equal((await s.request({ method: 'DELETE', url: `/api/billing/${w.provider.slug}/coupons/E2E/`, token: w.manager.token })).statusCode, 204);
    assert.equal((await s.request({ method: 'GET', url: `/api/billing/${w.provider.slug}/coupons/E2E/`, token: w.manager.token })).json().is_active, false);
  });
});
