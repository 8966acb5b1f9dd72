// A known year, built through the API with the test processor (checkouts at set moments, a
// coupon, a refund, subscribers who stop and one who comes back), and every figure of the
// metrics tables checked against numbers worked out by hand below.
//
// Provider P, plans desk (100.00/month) and suite (300.00/month), all in 2025, UTC:
//   A  desk: Jan 3, then Feb 1 02:00 (still January in New York), Mar 1, ..., Dec 1: 12 orders,
//      each extending the one subscription by a month (Jan 3 2025 to Jan 3 2026).
//   B  desk: Jan 15, Feb 10, Mar 10 (ends Apr 15); back in July on suite: Jul 20, Aug 10 (ends Sep 20).
//   C  desk: Mar 20, Apr 10 (ends May 20); the April charge refunded in full on Apr 25.
//   D  desk: Jun 5 with a 50% coupon, 50.00 (ends Jul 5).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';

let s: TestService;
let provider: TestOrg;
let manager: TestUser;
let coupon: string;
let managerToken: string;

const DESK = 10_000;
const SUITE = 30_000;

/** Moves the test clock to `iso` (it runs on from there). */
function setClock(iso: string): void {
  s.clock.advance((new Date(iso).getTime() - s.clock.now.getTime()) / 1000);
}

interface Buyer { user: TestUser; org: string }

let logins = 0;
/** A token issued at the clock's moment (tokens expire as the clock moves through the year). */
async function tokenOf(user: TestUser): Promise<string> {
  logins += 1;
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: user.username, password: user.password }, ip: `10.9.${Math.floor(logins / 250)}.${logins % 250}` });
  assert.ok([200, 201].includes(res.statusCode), res.body);
  return res.json().token;
}

async function buyer(name: string): Promise<Buyer> {
  const user = await s.user();
  const profile = await s.request({ method: 'POST', url: '/api/profile/', token: await tokenOf(user), body: { full_name: `Buyer ${name}`, email: `${unique(name)}@example.com` } });
  assert.equal(profile.statusCode, 201, profile.body);
  return { user, org: profile.json().slug };
}

/** A checkout of one period of `plan` at `iso`; answers the charge's processor key. */
async function buy(who: Buyer, plan: string, iso: string, options: { coupon?: string; amount: number }): Promise<string> {
  setClock(iso);
  const token = await tokenOf(who.user);
  const added = await s.request({ method: 'POST', url: '/api/cart/', token, body: { plan, option: 1 } });
  assert.ok([200, 201].includes(added.statusCode), added.body);
  if (options.coupon) {
    const redeemed = await s.request({ method: 'POST', url: '/api/cart/redeem/', token, body: { code: options.coupon } });
    assert.equal(redeemed.statusCode, 200, redeemed.body);
  }
  const placed = await s.request({ method: 'POST', url: `/api/billing/${who.org}/checkout/`, token,
    body: { items: [{ option: 1 }], processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, `${iso}: ${placed.body}`);
  assert.equal(placed.json().amount, options.amount);
  return placed.json().processor_key;
}

let desk: string;
let suite: string;

before(async () => {
  s = await startService();
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  manager = await s.user();
  await grantRole(s, provider, manager.id, 'manager');
  setClock('2024-12-20T12:00:00Z');
  const setupToken = await tokenOf(manager);
  for (const [title, amount] of [['Desk', DESK], ['Suite', SUITE]] as const) {
    const created = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: setupToken, body: {
      title: `${title} ${unique('y')}`, period_amount: amount, period_type: 'monthly', is_active: true,
    } });
    assert.equal(created.statusCode, 201, created.body);
    if (title === 'Desk') desk = created.json().slug;
    else suite = created.json().slug;
  }
  coupon = unique('HALF').toUpperCase();
  const made = await s.request({ method: 'POST', url: `/api/billing/${provider.slug}/coupons/`, token: setupToken,
    body: { code: coupon, discount_type: 'percentage', discount_value: 5000, ends_at: '2026-12-31T00:00:00Z' } });
  assert.equal(made.statusCode, 201, made.body);

  const [a, b, c, d] = [await buyer('a'), await buyer('b'), await buyer('c'), await buyer('d')];
  // In the order they happen: the clock only moves forward through the year.
  const events: [string, () => Promise<unknown>][] = [
    ['2025-01-03T12:00:00Z', () => buy(a, desk, '2025-01-03T12:00:00Z', { amount: DESK })],
    ['2025-01-15T12:00:00Z', () => buy(b, desk, '2025-01-15T12:00:00Z', { amount: DESK })],
    ['2025-02-01T02:00:00Z', () => buy(a, desk, '2025-02-01T02:00:00Z', { amount: DESK })],
    ['2025-02-10T12:00:00Z', () => buy(b, desk, '2025-02-10T12:00:00Z', { amount: DESK })],
    ['2025-03-01T12:00:00Z', () => buy(a, desk, '2025-03-01T12:00:00Z', { amount: DESK })],
    ['2025-03-10T12:00:00Z', () => buy(b, desk, '2025-03-10T12:00:00Z', { amount: DESK })],
    ['2025-03-20T12:00:00Z', () => buy(c, desk, '2025-03-20T12:00:00Z', { amount: DESK })],
    ['2025-04-01T12:00:00Z', () => buy(a, desk, '2025-04-01T12:00:00Z', { amount: DESK })],
    ['2025-04-10T12:00:00Z', async () => {
      const key = await buy(c, desk, '2025-04-10T12:00:00Z', { amount: DESK });
      setClock('2025-04-25T12:00:00Z');
      const refunded = await s.request({ method: 'POST', url: `/api/billing/charges/${key}/refund/`, token: await tokenOf(manager),
        body: { lines: [{ num: 0, refunded_amount: DESK }] } });
      assert.equal(refunded.statusCode, 200, refunded.body);
    }],
    ['2025-05-01T12:00:00Z', () => buy(a, desk, '2025-05-01T12:00:00Z', { amount: DESK })],
    ['2025-06-01T12:00:00Z', () => buy(a, desk, '2025-06-01T12:00:00Z', { amount: DESK })],
    ['2025-06-05T12:00:00Z', () => buy(d, desk, '2025-06-05T12:00:00Z', { amount: DESK / 2, coupon })],
    ['2025-07-01T12:00:00Z', () => buy(a, desk, '2025-07-01T12:00:00Z', { amount: DESK })],
    ['2025-07-20T12:00:00Z', () => buy(b, suite, '2025-07-20T12:00:00Z', { amount: SUITE })],
    ['2025-08-01T12:00:00Z', () => buy(a, desk, '2025-08-01T12:00:00Z', { amount: DESK })],
    ['2025-08-10T12:00:00Z', () => buy(b, suite, '2025-08-10T12:00:00Z', { amount: SUITE })],
    ...['09', '10', '11', '12'].map((month): [string, () => Promise<unknown>] => {
      const at = `2025-${month}-01T12:00:00Z`;
      return [at, () => buy(a, desk, at, { amount: DESK })];
    }),
  ];
  for (const [, run] of events) await run();
  setClock('2026-01-02T12:00:00Z');
  managerToken = await tokenOf(manager);
});
after(async () => { await assertLedgerInvariants(s); await s.stop(); });

type Values = [string, number][];
type Table = { title: string; table: { key: string; values: Values }[]; extra?: { key: string; values: Values }[] };

async function table(path: string, query = 'ends_at=2026-01-01T00:00:00Z&timezone=UTC'): Promise<Table> {
  const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/${path}/?${query}`, token: managerToken });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

function series(t: Table, key: string): Values {
  const row = t.table.find((r) => r.key === key) ?? t.extra?.find((r) => r.key === key);
  assert.ok(row, `${key} in ${t.title}`);
  return row.values;
}

/** The first of each month from `from` (YYYY-MM), `n` of them, as the API writes instants. */
function months(from: string, n: number): string[] {
  const [year, month] = from.split('-').map(Number) as [number, number];
  return Array.from({ length: n }, (_, i) => new Date(Date.UTC(year, month - 1 + i, 1)).toISOString());
}

/** Period ends Feb 1 2025 .. Jan 1 2026 paired with the figures Jan .. Dec. */
const perMonth = (figures: number[]): Values => months('2025-02', 12).map((end, i) => [end, figures[i]!]);

test('funds: sales, new and churned sales, payments and refunds, month by month', async () => {
  const funds = await table('funds');
  //                                 Jan     Feb     Mar     Apr     May     Jun     Jul     Aug     Sep     Oct     Nov     Dec
  const total = /* A + others */ [2 * DESK, 2 * DESK, 3 * DESK, 2 * DESK, DESK, DESK + DESK / 2, DESK + SUITE, DESK + SUITE, DESK, DESK, DESK, DESK];
  assert.deepEqual(series(funds, 'Total Sales'), perMonth(total));
  // New: A and B in January, C in March, D in June, B again in July (absent in June).
  assert.deepEqual(series(funds, 'New Sales'), perMonth([2 * DESK, 0, DESK, 0, 0, DESK / 2, SUITE, 0, 0, 0, 0, 0]));
  // Churned: what the leavers paid the month before: B in April (March's desk), C in May
  // (April's order, refunded or not), D in July, B in September (August's suite).
  assert.deepEqual(series(funds, 'Churned Sales'), perMonth([0, 0, 0, DESK, DESK, 0, DESK / 2, 0, SUITE, 0, 0, 0]));
  // Every order was paid by card at once.
  assert.deepEqual(series(funds, 'Payments'), perMonth(total));
  assert.deepEqual(series(funds, 'Refunds'), perMonth([0, 0, 0, DESK, 0, 0, 0, 0, 0, 0, 0, 0]));
  assert.equal((funds as Table & { unit: string }).unit, 'usd');
});

test('customers: payers, new, churned, net and the churn rate', async () => {
  const customers = await table('customers');
  assert.deepEqual(series(customers, 'Total # of Customers'), perMonth([2, 2, 3, 2, 1, 2, 2, 2, 1, 1, 1, 1]));
  assert.deepEqual(series(customers, '# of new Customers'), perMonth([2, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0]));
  assert.deepEqual(series(customers, '# of churned Customers'), perMonth([0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0]));
  assert.deepEqual(series(customers, 'Net New Customers'), perMonth([2, 0, 1, -1, -1, 1, 0, 0, -1, 0, 0, 0]));
  // Churned over the month before's payers: 1 of 3 in April, 1 of 2 in May, July, September.
  assert.deepEqual(series(customers, '% Customer Churn'), perMonth([0, 0, 0, 33.33, 50, 0, 50, 0, 50, 0, 0, 0]));
});

test('balances: every payment waits in Backlog (no income recognised yet), nothing stays receivable', async () => {
  const balances = await table('balances');
  const dates = months('2025-01', 13);
  const paidBefore = [0, 20_000, 40_000, 70_000, 90_000, 100_000, 115_000, 155_000, 195_000, 205_000, 215_000, 225_000, 235_000];
  assert.deepEqual(series(balances, 'Backlog'), dates.map((date, i) => [date, paidBefore[i]!]));
  assert.deepEqual(series(balances, 'Receivable'), dates.map((date) => [date, 0]));
  assert.deepEqual(series(balances, 'Income'), dates.map((date) => [date, 0]));
});

test('plans: subscribers active at each month\'s start; churn per month', async () => {
  const plans = await table('plans');
  const dates = months('2025-01', 13);
  //                       Jan1 Feb1 Mar1 Apr1 May1 Jun1 Jul1 Aug1 Sep1 Oct1 Nov1 Dec1 Jan1
  assert.deepEqual(series(plans, desk), dates.map((date, i) => [date, [0, 2, 2, 3, 2, 1, 2, 1, 1, 1, 1, 1, 1][i]!]));
  assert.deepEqual(series(plans, suite), dates.map((date, i) => [date, [0, 0, 0, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0][i]!]));
  // Ended: B's desk Apr 15, C's May 20, D's Jul 5, B's suite Sep 20 (each labelled by the month's end).
  assert.deepEqual(series(plans, 'churn'), dates.map((date, i) => [date, [0, 0, 0, 0, 1, 1, 0, 1, 0, 1, 0, 0, 0][i]!]));
});

test('months cut in New York: A\'s February order (Feb 1 02:00 UTC) falls in January', async () => {
  const query = 'ends_at=2026-01-01T05:00:00Z&timezone=America/New_York';
  const funds = await table('funds', query);
  const ends = series(funds, 'Total Sales').map(([date]) => date);
  assert.equal(ends[0], '2025-02-01T05:00:00.000Z');
  assert.equal(ends[5], '2025-07-01T04:00:00.000Z');
  assert.equal(ends[11], '2026-01-01T05:00:00.000Z');
  const sales = series(funds, 'Total Sales').map(([, v]) => v);
  assert.deepEqual(sales.slice(0, 3), [3 * DESK, DESK, 3 * DESK]);
  const customers = await table('customers', query);
  // February: only B paid, so A churned; March: A comes back and C is new.
  assert.deepEqual(series(customers, '# of churned Customers').map(([, v]) => v).slice(0, 3), [0, 1, 0]);
  assert.deepEqual(series(customers, '# of new Customers').map(([, v]) => v).slice(0, 3), [2, 0, 2]);
  assert.deepEqual(series(funds, 'Churned Sales').map(([, v]) => v).slice(0, 3), [0, 2 * DESK, 0]);
});

test('the coupon\'s one use', async () => {
  const res = await s.request({ method: 'GET', url: `/api/metrics/${provider.slug}/coupons/${coupon}/`, token: managerToken });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().count, 1);
  assert.equal(res.json().results[0].plan, desk);
});
