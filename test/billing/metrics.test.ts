// /api/metrics/...: the provider's tables (balances, funds, customers, plans), a coupon's
// uses, the registered users who subscribe to nothing, and the broker's balance sheets with
// their lines. Every case of refusal per endpoint, the shapes, and a checkout seen in them.
// The figures over a whole year, checked by hand: metrics-year.test.ts.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { monthPeriods } from '../../src/core/billing/metrics/index.js';

let s: TestService;
let provider: TestOrg;
let manager: TestUser;
let contributor: TestUser;
let outsider: TestUser;
let plan: string;
let code: string;
let buyerUser: TestUser;
let buyerOrg: string;

before(async () => {
  s = await startService();
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  [manager, contributor, outsider, buyerUser] = await Promise.all([s.user(), s.user(), s.user(), s.user()]);
  await grantRole(s, provider, manager.id, 'manager');
  await grantRole(s, provider, contributor.id, 'contributor');
  const created = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: manager.token, body: {
    title: `Desk ${unique('p')}`, period_amount: 2000, period_type: 'monthly', is_active: true,
  } });
  assert.equal(created.statusCode, 201, created.body);
  plan = created.json().slug;
  code = unique('SAVE').toUpperCase();
  const coupon = await s.request({ method: 'POST', url: `/api/billing/${provider.slug}/coupons/`, token: manager.token,
    body: { code, discount_type: 'percentage', discount_value: 1000 } });
  assert.equal(coupon.statusCode, 201, coupon.body);
  const profile = await s.request({ method: 'POST', url: '/api/profile/', token: buyerUser.token, body: { full_name: 'Buyer', email: `${unique('bill')}@example.com` } });
  assert.equal(profile.statusCode, 201, profile.body);
  buyerOrg = profile.json().slug;
  assert.ok([200, 201].includes((await s.request({ method: 'POST', url: '/api/cart/', token: buyerUser.token, body: { plan } })).statusCode));
  assert.equal((await s.request({ method: 'POST', url: '/api/cart/redeem/', token: buyerUser.token, body: { code } })).statusCode, 200);
  const placed = await s.request({ method: 'POST', url: `/api/billing/${buyerOrg}/checkout/`, token: buyerUser.token,
    body: { items: [{ option: 1 }], processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, placed.body);
  assert.equal(placed.json().amount, 1800);
});
after(async () => { await assertLedgerInvariants(s); await s.stop(); });

type Table = { title: string; unit?: string; scale?: number; table: { key: string; values: [string, number][] }[]; extra?: { key: string; values: [string, number][] }[] };

function last(table: Table, key: string): number {
  const row = table.table.find((r) => r.key === key) ?? table.extra?.find((r) => r.key === key);
  assert.ok(row, `${key} in ${JSON.stringify(table)}`);
  return row.values[row.values.length - 1]![1];
}

describe('month periods', () => {
  test('12 whole months when ends_at starts a month, else 11 and the partial one; cut in the timezone', () => {
    const whole = monthPeriods(new Date('2026-03-01T00:00:00Z'), 'UTC');
    assert.equal(whole.length, 13);
    assert.equal(whole[0]!.toISOString(), '2025-03-01T00:00:00.000Z');
    const partial = monthPeriods(new Date('2026-03-15T12:00:00Z'), 'UTC');
    assert.deepEqual([partial[0]!.toISOString(), partial[11]!.toISOString(), partial[12]!.toISOString()],
      ['2025-04-01T00:00:00.000Z', '2026-03-01T00:00:00.000Z', '2026-03-15T12:00:00.000Z']);
    // New York: midnight is 05:00Z in winter and 04:00Z in summer.
    const ny = monthPeriods(new Date('2026-03-15T12:00:00Z'), 'America/New_York');
    assert.equal(ny[11]!.toISOString(), '2026-03-01T05:00:00.000Z');
    assert.equal(ny[6]!.toISOString(), '2025-10-01T04:00:00.000Z');
    // Still February in New York.
    const feb = monthPeriods(new Date('2026-03-01T03:00:00Z'), 'America/New_York');
    assert.equal(feb[11]!.toISOString(), '2026-02-01T05:00:00.000Z');
  });
});

describe('the provider\'s tables', () => {
  const paths = ['balances', 'funds', 'customers', 'plans'] as const;

  test('shapes: titles, keys, 12 periods up to now; a checkout shows', async () => {
    const answers: Record<string, Table> = {};
    for (const path of paths) {
      const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/`, token: contributor.token });
      assert.equal(res.statusCode, 200, res.body);
      answers[path] = res.json();
    }
    const { balances, funds, customers, plans } = answers as Record<typeof paths[number], Table>;
    assert.equal(balances.title, 'Balances');
    assert.deepEqual(balances.table.map((r) => r.key), ['Income', 'Backlog', 'Receivable']);
    assert.equal(balances.unit, 'usd');
    assert.equal(balances.scale, 0.01);
    assert.equal(balances.table[0]!.values.length, 13);
    assert.equal(funds.title, 'Amount');
    assert.deepEqual(funds.table.map((r) => r.key), ['Total Sales', 'New Sales', 'Churned Sales', 'Payments', 'Refunds']);
    assert.equal(funds.table[0]!.values.length, 12);
    assert.equal(last(funds, 'Total Sales'), 1800);
    assert.equal(last(funds, 'New Sales'), 1800);
    assert.equal(last(funds, 'Payments'), 1800);
    assert.equal(last(funds, 'Refunds'), 0);
    // Paid at once: nothing receivable; the payment waits in Backlog until recognised as income.
    assert.equal(last(balances, 'Receivable'), 0);
    assert.equal(last(balances, 'Backlog'), 1800);
    assert.equal(customers.title, 'Customers');
    assert.equal(customers.unit, undefined);
    assert.deepEqual(customers.table.map((r) => r.key), ['Total # of Customers', '# of new Customers', '# of churned Customers', 'Net New Customers']);
    assert.deepEqual(customers.extra?.map((r) => r.key), ['% Customer Churn']);
    assert.equal(last(customers, 'Total # of Customers'), 1);
    assert.equal(last(customers, 'Net New Customers'), 1);
    assert.equal(plans.title, 'Active Subscribers');
    const row = plans.table.find((r) => r.key === plan) as unknown as { title: string; is_active: boolean; location: string; values: [string, number][] };
    assert.ok(row, JSON.stringify(plans));
    assert.equal(row.is_active, true);
    assert.equal(row.location, `/api/profile/${provider.slug}/plans/${plan}/`);
    assert.equal(row.values.length, 13);
    assert.equal(row.values[12]![1], 1);
    assert.deepEqual(plans.extra?.map((r) => r.key), ['churn']);
    assert.equal(plans.extra![0]!.values.length, 13);
    // Every date is an ISO instant, the last one is ends_at.
    const at = '2026-01-15T10:00:00.000Z';
    const fixed = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/funds/?ends_at=${at}&timezone=Europe/Paris`, token: manager.token });
    assert.equal(fixed.statusCode, 200, fixed.body);
    const dates = (fixed.json() as Table).table[0]!.values.map(([date]) => date);
    assert.equal(dates[11], at);
    assert.equal(dates[10], '2025-12-31T23:00:00.000Z');
  });

  test('a malformed or wrongly typed parameter is a 400 naming it', async () => {
    for (const path of paths) {
      for (const [query, field] of [['ends_at=yesterday', 'ends_at'], ['ends_at=0001-01-01T00:00:00Z', 'ends_at'], ['timezone=Mars/Olympus', 'timezone'], ['timezone=', 'timezone']] as const) {
        const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/?${query}`, token: manager.token });
        assert.equal(res.statusCode, 400, `${path}?${query}: ${res.body}`);
        assert.ok(res.json()[field], `${path}?${query} names ${field}: ${res.body}`);
      }
    }
  });

  test('an unknown organization is a 404; outsiders get the same; without a credential, 401', async () => {
    for (const path of paths) {
      assert.equal((await s.request({ method: 'GET', url: `/api/metrics/no-such-org/${path}/`, token: manager.token })).statusCode, 404);
      assert.equal((await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/`, token: outsider.token })).statusCode, 404);
      assert.equal((await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/`, token: buyerUser.token })).statusCode, 404);
      assert.equal((await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/` })).statusCode, 401);
    }
  });
});

describe('GET /api/metrics/{organization}/coupons/{coupon}/', () => {
  test('the checked-out uses, with the user and the plan', async () => {
    const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/coupons/${code.toLowerCase()}/`, token: contributor.token });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.count, 1);
    assert.equal(body.results[0].plan, plan);
    assert.equal(body.results[0].user.slug, buyerUser.username);
    assert.deepEqual(Object.keys(body.results[0].user).sort(), ['created_at', 'email', 'full_name', 'slug']);
    // A contributor sees who used it, not their address, and cannot search by it.
    assert.equal(body.results[0].user.email, null);
    const byAddress = `/api/metrics/${provider.slug}/coupons/${code}/?q=${encodeURIComponent(buyerUser.email)}`;
    assert.equal((await s.request({ method: 'GET', url: byAddress, token: contributor.token })).json().count, 0);
    // The provider's managers (who manage its sales) see it, and find it.
    const managed = await s.request({ method: 'GET', url: byAddress, token: manager.token });
    assert.equal(managed.json().count, 1, managed.body);
    assert.equal(managed.json().results[0].user.email, buyerUser.email);
    const none = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/coupons/${code}/?q=nobody-matches`, token: manager.token });
    assert.equal(none.json().count, 0);
  });

  test('refusals: unknown coupon or organization 404, bad parameters 400, outsiders 404, anonymous 401', async () => {
    const base = `/api/metrics/${provider.slug}/coupons/${code}/`;
    assert.equal((await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/coupons/NOPE/`, token: manager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/metrics/no-such-org/coupons/${code}/`, token: manager.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/coupons/bad%20code/`, token: manager.token })).statusCode, 400);
    const order = await s.request({ method: 'GET', url: `${base}?o=password`, token: manager.token });
    assert.equal(order.statusCode, 400);
    assert.ok(order.json().o);
    const page = await s.request({ method: 'GET', url: `${base}?page=zero`, token: manager.token });
    assert.equal(page.statusCode, 400);
    assert.ok(page.json().page);
    assert.equal((await s.request({ method: 'GET', url: base, token: outsider.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'GET', url: base })).statusCode, 401);
  });
});

describe('GET /api/metrics/registered/', () => {
  test('users who subscribe to nothing, for the broker\'s managers', async () => {
    const fresh = await s.user();
    const res = await s.request({ method: 'GET', url: `/api/metrics/registered/?page_size=1000`, token: s.admin.token });
    assert.equal(res.statusCode, 200, res.body);
    const slugs = (res.json().results as { slug: string }[]).map((u) => u.slug);
    assert.ok(slugs.includes(fresh.username));
    assert.ok(!slugs.includes(buyerUser.username), 'the buyer manages a subscriber');
    const search = await s.request({ method: 'GET', url: `/api/metrics/registered/?q=${fresh.username}`, token: s.admin.token });
    assert.equal(search.json().count, 1);
    assert.deepEqual(Object.keys(search.json().results[0]).sort(), ['created_at', 'email', 'full_name', 'slug']);
  });

  test('refusals: others 403, anonymous 401, bad parameters 400', async () => {
    assert.equal((await s.request({ method: 'GET', url: '/api/metrics/registered/', token: manager.token })).statusCode, 403);
    assert.equal((await s.request({ method: 'GET', url: '/api/metrics/registered/' })).statusCode, 401);
    for (const [query, field] of [['o=password', 'o'], ['start_at=soon', 'start_at'], ['page_size=-1', 'page_size']] as const) {
      const res = await s.request({ method: 'GET', url: `/api/metrics/registered/?${query}`, token: s.admin.token });
      assert.equal(res.statusCode, 400, `${query}: ${res.body}`);
      assert.ok(res.json()[field], `${query} names ${field}: ${res.body}`);
    }
  });
});

describe('the broker\'s balance sheets', () => {
  const report = 'taxes';
  const lines = `/api/metrics/balances/${report}/lines/`;
  const list = async () => (await s.request({ method: 'GET', url: lines, token: s.admin.token })).json().results as { title: string; selector: string; rank: number }[];

  test('lines: add, read, change, move, remove; the table follows them', async () => {
    const first = await s.request({ method: 'POST', url: lines, token: s.admin.token, body: { title: 'Sales', selector: 'Receivable', rank: 1 } });
    assert.equal(first.statusCode, 201, first.body);
    assert.deepEqual(first.json(), { title: 'Sales', selector: 'Receivable', rank: 1 });
    assert.equal((await s.request({ method: 'POST', url: lines, token: s.admin.token, body: { title: 'Cash', selector: 'funds' } })).json().rank, 2);
    // At rank 1: the others move down.
    assert.equal((await s.request({ method: 'POST', url: lines, token: s.admin.token, body: { title: 'Income', selector: 'Income', rank: 1 } })).json().rank, 1);
    assert.deepEqual((await list()).map((l) => l.title), ['Income', 'Sales', 'Cash']);
    const read = await s.request({ method: 'GET', url: `${lines}2/`, token: s.admin.token });
    assert.deepEqual(read.json(), { title: 'Sales', selector: 'Receivable', rank: 2 });
    const put = await s.request({ method: 'PUT', url: `${lines}2/`, token: s.admin.token, body: { title: 'Receivables', selector: 'Receivable', rank: 3 } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { title: 'Receivables', selector: 'Receivable', rank: 3 });
    assert.deepEqual((await list()).map((l) => l.title), ['Income', 'Cash', 'Receivables']);
    const moved = await s.request({ method: 'PATCH', url: lines, token: s.admin.token, body: [{ oldpos: 3, newpos: 1 }, { oldpos: 3, newpos: 2 }] });
    assert.equal(moved.statusCode, 200, moved.body);
    assert.deepEqual(moved.json().results.map((l: { title: string; rank: number }) => `${l.rank}:${l.title}`), ['1:Receivables', '2:Cash', '3:Income']);

    const sheet = await s.request({ method: 'GET', url: `/api/metrics/balances/${report}/`, token: s.admin.token });
    assert.equal(sheet.statusCode, 200, sheet.body);
    const body = sheet.json();
    assert.equal(body.title, 'Balances: taxes');
    assert.equal(body.scale, 0.01);
    assert.deepEqual(body.table.map((r: { key: string; selector: string }) => [r.key, r.selector]), [['Receivables', 'Receivable'], ['Cash', 'funds'], ['Income', 'Income']]);
    assert.equal(body.table[0].values.length, 13);
    // Every Funds account of every organization: the buyer's 18.00 went to the processor, then to the provider net of fees.
    const cash = body.table[1].values.at(-1)[1];
    const funds = await s.core.db.selectFrom('ledger_transactions').select((eb) => [
      eb.fn.sum<string>(eb.case().when('dest_account', '=', 'Funds').then(eb.ref('dest_amount')).else(0).end()).as('into'),
      eb.fn.sum<string>(eb.case().when('orig_account', '=', 'Funds').then(eb.ref('orig_amount')).else(0).end()).as('out'),
    ]).executeTakeFirstOrThrow();
    assert.equal(cash, Number(funds.into) - Number(funds.out));
    assert.ok(cash > 0);

    const removed = await s.request({ method: 'DELETE', url: `${lines}1/`, token: s.admin.token });
    assert.equal(removed.statusCode, 204);
    assert.deepEqual((await list()).map((l) => `${l.rank}:${l.title}`), ['1:Cash', '2:Income']);
    const empty = await s.request({ method: 'GET', url: '/api/metrics/balances/nothing-here/', token: s.admin.token });
    assert.deepEqual(empty.json().table, []);
  });

  test('refusals: malformed, missing, wrong type, unknown rank, not the broker; nothing changes', async () => {
    const report2 = 'refusals';
    const base = `/api/metrics/balances/${report2}/lines/`;
    assert.equal((await s.request({ method: 'POST', url: base, token: s.admin.token, body: { title: 'Kept', selector: 'Funds' } })).statusCode, 201);
    const snapshot = async () => JSON.stringify((await s.request({ method: 'GET', url: base, token: s.admin.token })).json());
    const before = await snapshot();
    const cases: [string, 'POST' | 'PUT' | 'PATCH', unknown, string][] = [
      [base, 'POST', { selector: 'Funds' }, 'title'],
      [base, 'POST', { title: 5 }, 'title'],
      [base, 'POST', { title: '' }, 'title'],
      [base, 'POST', { title: 'T', rank: 'first' }, 'rank'],
      [base, 'POST', { title: 'T', rank: 0 }, 'rank'],
      [base, 'POST', { title: 'T', selector: 7 }, 'selector'],
      [base, 'POST', { title: 'T', surprise: 1 }, 'surprise'],
      [`${base}1/`, 'PUT', { selector: 'Funds' }, 'title'],
      [`${base}1/`, 'PUT', { title: ['x'] }, 'title'],
      [base, 'PATCH', [{ oldpos: 1 }], 'newpos'],
      [base, 'PATCH', [{ oldpos: 'one', newpos: 1 }], 'oldpos'],
      [base, 'PATCH', [{ oldpos: 2, newpos: 1 }], 'oldpos'],
      [base, 'PATCH', { oldpos: 1, newpos: 1 }, 'non_field_errors'],
    ];
    for (const [url, method, body, field] of cases) {
      const res = await s.request({ method, url, token: s.admin.token, body });
      assert.equal(res.statusCode, 400, `${method} ${JSON.stringify(body)}: ${res.body}`);
      assert.ok(JSON.stringify(res.json()).includes(field), `${method} ${JSON.stringify(body)} names ${field}: ${res.body}`);
    }
    for (const method of ['POST', 'PUT', 'PATCH'] as const) {
      const res = await s.request({ method, url: method === 'PUT' ? `${base}1/` : base, token: s.admin.token, body: '{"title": ' });
      assert.equal(res.statusCode, 400, `${method} malformed: ${res.body}`);
    }
    for (const method of ['GET', 'PUT', 'DELETE'] as const) {
      const res = await s.request({ method, url: `${base}9/`, token: s.admin.token, body: method === 'PUT' ? { title: 'X' } : undefined });
      assert.equal(res.statusCode, 404, `${method} unknown rank: ${res.body}`);
      assert.equal(res.json().error_code, 'balance_line.not_found');
    }
    assert.equal((await s.request({ method: 'GET', url: `${base}first/`, token: s.admin.token })).statusCode, 400);
    assert.equal((await s.request({ method: 'GET', url: '/api/metrics/balances/bad%20name/', token: s.admin.token })).statusCode, 400);
    const sheet = await s.request({ method: 'GET', url: `/api/metrics/balances/${report2}/?timezone=Nowhere/Else`, token: s.admin.token });
    assert.equal(sheet.statusCode, 400);
    assert.ok(sheet.json().timezone);
    for (const [method, url, body] of [
      ['GET', `/api/metrics/balances/${report2}/`, undefined], ['GET', base, undefined], ['POST', base, { title: 'No' }],
      ['PATCH', base, [{ oldpos: 1, newpos: 1 }]], ['GET', `${base}1/`, undefined], ['PUT', `${base}1/`, { title: 'No' }], ['DELETE', `${base}1/`, undefined],
    ] as const) {
      assert.equal((await s.request({ method, url, token: manager.token, body })).statusCode, 403, `${method} ${url} as a provider's manager`);
      assert.equal((await s.request({ method, url, body })).statusCode, 401, `${method} ${url} anonymous`);
    }
    assert.equal(await snapshot(), before);
  });
});
