// The metrics read whole months from the ledger's monthly roll-up (ledger_month_sums) and
// only the rest from the rows: every figure that does so is compared here with the same
// figure recomputed in plain code from every ledger row, for several end dates and
// timezones (whose month starts lie hours away from UTC's), over checkouts, a refund,
// rows booked back-dated into closed months, a correction reversing an order, and before
// and after the roll-up's closed months are folded.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants, ledgerRows, type LedgerRowData } from '../support/ledger.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { mergeLedgerMonthSums } from '../../src/core/billing/ledger-sums.js';
import { monthsBefore } from '../../src/core/billing/metrics/periods.js';

let s: TestService;
let provider: TestOrg;
let manager: TestUser;
let managerToken: string;
/** An organization that has bought nothing: the late orders' payer. */
let lateSlug: string;
const REPORT = `rollup-${unique('r')}`;
const PRICE = 2_000;

function setClock(iso: string): void {
  s.clock.advance((new Date(iso).getTime() - s.clock.now.getTime()) / 1000);
}

let logins = 0;
async function tokenOf(user: TestUser): Promise<string> {
  logins += 1;
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: user.username, password: user.password }, ip: `10.8.${Math.floor(logins / 250)}.${logins % 250}` });
  assert.ok([200, 201].includes(res.statusCode), res.body);
  return res.json().token;
}

async function buy(user: TestUser, org: string, plan: string, iso: string): Promise<string> {
  setClock(iso);
  const token = await tokenOf(user);
  const added = await s.request({ method: 'POST', url: '/api/cart/', token, body: { plan, option: 1 } });
  assert.ok([200, 201].includes(added.statusCode), added.body);
  const placed = await s.request({ method: 'POST', url: `/api/billing/${org}/checkout/`, token, body: { items: [{ option: 1 }], processor_token: 'tok_visa' } });
  assert.equal(placed.statusCode, 200, `${iso}: ${placed.body}`);
  return placed.json().processor_key;
}

before(async () => {
  s = await startService();
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  manager = await s.user();
  await grantRole(s, provider, manager.id, 'manager');
  setClock('2024-12-20T12:00:00Z');
  const created = await s.request({ method: 'POST', url: `/api/profile/${provider.slug}/plans/`, token: await tokenOf(manager), body: {
    title: `Roll ${unique('p')}`, period_amount: PRICE, period_type: 'monthly', is_active: true,
  } });
  assert.equal(created.statusCode, 201, created.body);
  const plan = created.json().slug;
  const buyers = await Promise.all([s.user(), s.user()]);
  const orgs: string[] = [];
  for (const [index, user] of buyers.entries()) {
    const profile = await s.request({ method: 'POST', url: '/api/profile/', token: await tokenOf(user), body: { full_name: `Roller ${index}`, email: `${unique('roll')}@example.com` } });
    assert.equal(profile.statusCode, 201, profile.body);
    orgs.push(profile.json().slug);
  }
  // Checkouts close to month starts: in UTC, New York (-5/-4 h), Kolkata (+5:30) and Auckland (+13/+12 h) they fall in different months.
  await buy(buyers[0]!, orgs[0]!, plan, '2025-01-31T23:30:00Z');
  await buy(buyers[1]!, orgs[1]!, plan, '2025-02-28T20:00:00Z');
  await buy(buyers[0]!, orgs[0]!, plan, '2025-03-01T02:00:00Z');
  const refunded = await buy(buyers[1]!, orgs[1]!, plan, '2025-04-01T00:00:00Z');
  await buy(buyers[0]!, orgs[0]!, plan, '2025-04-30T18:45:00Z');
  setClock('2025-05-12T09:00:00Z');
  const refund = await s.request({ method: 'POST', url: `/api/billing/charges/${refunded}/refund/`, token: await tokenOf(manager),
    body: { lines: [{ num: 0, refunded_amount: PRICE }] } });
  assert.equal(refund.statusCode, 200, refund.body);
  await buy(buyers[0]!, orgs[0]!, plan, '2025-06-15T12:00:00Z');
  lateSlug = (await makeOrganization(s)).slug;
  setClock('2025-07-10T12:00:00Z');
  for (const [title, selector] of [['Receivables', 'Receivable'], ['Cash', 'Funds'], ['Income', 'Income'], ['Owed', 'Payable'], ['Refunds', 'Refund']]) {
    const res = await s.request({ method: 'POST', url: `/api/metrics/balances/${REPORT}/lines/`, token: s.admin.token, body: { title, selector } });
    assert.equal(res.statusCode, 201, res.body);
  }
  managerToken = await tokenOf(manager);
});
after(async () => { await assertLedgerInvariants(s); await s.stop(); });

type Values = [string, number][];
type Table = { table: { key: string; values: Values }[] };

const QUERIES = [
  '', // now (2025-07-10, the open month read from rows)
  'ends_at=2025-06-01T00:00:00Z&timezone=UTC',
  'ends_at=2025-05-20T07:30:00Z&timezone=UTC',
  'ends_at=2025-06-01T00:00:00Z&timezone=America/New_York',
  'ends_at=2025-07-01T00:00:00Z&timezone=Asia/Kolkata',
  'timezone=Pacific/Auckland',
  'ends_at=2025-03-01T01:00:00Z&timezone=America/New_York',
];

async function get(url: string, token: string): Promise<Table> {
  const res = await s.request({ method: 'GET', url, token });
  assert.equal(res.statusCode, 200, `${url}: ${res.body}`);
  return res.json();
}

/** Σ over rows before `at` (the raw recomputation). */
function before_(rows: LedgerRowData[], at: string, pick: (row: LedgerRowData) => number): number {
  const limit = new Date(at).getTime();
  return rows.filter((row) => row.created_at.getTime() < limit).reduce((total, row) => total + pick(row), 0);
}

function balanceOf(organizationId: number | null, accounts: string[], unit: string) {
  return (row: LedgerRowData) =>
    (accounts.includes(row.dest_account) && row.dest_unit === unit && (organizationId === null || row.dest_organization_id === organizationId) ? row.dest_amount : 0)
    - (accounts.includes(row.orig_account) && row.orig_unit === unit && (organizationId === null || row.orig_organization_id === organizationId) ? row.orig_amount : 0);
}

/** Every roll-up figure against the rows, for every query. */
async function assertSameAsRows(step: string): Promise<void> {
  const rows = await ledgerRows(s);
  const P = provider.id;
  for (const query of QUERIES) {
    const balances = await get(`/api/metrics/${provider.slug}/balances/?${query}`, managerToken);
    for (const line of balances.table) {
      const expected = line.values.map(([at]): [string, number] => [at, Math.abs(before_(rows, at, balanceOf(P, [line.key], 'usd')))]);
      assert.deepEqual(line.values, expected, `${step}: balances ${line.key} ?${query}`);
    }
    const funds = await get(`/api/metrics/${provider.slug}/funds/?${query}`, managerToken);
    const inflow = (account: string, from: string | null) => (row: LedgerRowData) =>
      row.dest_organization_id === P && row.dest_account === account && row.dest_unit === 'usd'
      && (from === null || (row.orig_organization_id === P && row.orig_account === from)) ? row.dest_amount : 0;
    for (const [key, pick] of [['Payments', inflow('Receivable', 'Backlog')], ['Refunds', inflow('Refund', null)]] as const) {
      const values = funds.table.find((line) => line.key === key)!.values;
      const ends = [balances.table[0]!.values[0]![0], ...values.map(([at]) => at)];
      const expected = values.map(([at], index): [string, number] => [at, before_(rows, at, pick) - before_(rows, ends[index]!, pick)]);
      assert.deepEqual(values, expected, `${step}: funds ${key} ?${query}`);
    }
    // Payers per period against the month before (the provider's plans are monthly), in the query's timezone.
    const timeZone = new URLSearchParams(query).get('timezone') ?? 'UTC';
    const first = balances.table[0]!.values[0]![0];
    const payers = (lo: Date, hi: Date) => {
      const sums = new Map<number, number>();
      for (const row of rows) {
        const at = row.created_at.getTime();
        if (row.orig_organization_id !== P || row.orig_account !== 'Receivable' || row.dest_account === 'Canceled' || row.dest_unit !== 'usd') continue;
        if (at >= lo.getTime() && at < hi.getTime()) sums.set(row.dest_organization_id, (sums.get(row.dest_organization_id) ?? 0) + row.dest_amount);
      }
      return sums;
    };
    // The periods of a table, from its own period ends (with no ends_at, each read has its own now).
    const periodsOf = (values: Values) => values.map(([end], index) => {
      const [lo, hi] = [new Date(index ? values[index - 1]![0] : first), new Date(end)];
      const cur = payers(lo, hi);
      const prev = payers(monthsBefore(lo, 1, timeZone), monthsBefore(hi, 1, timeZone));
      const only = (a: Map<number, number>, b: Map<number, number>) => [...a].filter(([payer]) => !b.has(payer));
      const total = (entries: [number, number][]) => entries.reduce((sum, [, amount]) => sum + amount, 0);
      const churned = only(prev, cur);
      return {
        end, total: cur.size, totalAmount: total([...cur]), new: only(cur, prev).length, newAmount: total(only(cur, prev)),
        churned: churned.length, churnedAmount: total(churned), previous: prev.size,
      };
    });
    const customers = await get(`/api/metrics/${provider.slug}/customers/?${query}`, managerToken) as Table & { extra: Table['table'] };
    type Period = ReturnType<typeof periodsOf>[number];
    const expectCustomers: [string, (p: Period) => number][] = [
      ['Total # of Customers', (p) => p.total], ['# of new Customers', (p) => p.new], ['# of churned Customers', (p) => p.churned],
      ['Net New Customers', (p) => p.new - p.churned], ['% Customer Churn', (p) => (p.previous ? Math.round((p.churned * 10_000) / p.previous) / 100 : 0)],
      ['Total Sales', (p) => p.totalAmount], ['New Sales', (p) => p.newAmount], ['Churned Sales', (p) => p.churnedAmount],
    ];
    for (const [key, pick] of expectCustomers) {
      const line = [...customers.table, ...customers.extra, ...funds.table].find((l) => l.key === key)!;
      assert.deepEqual(line.values, periodsOf(line.values).map((p): [string, number] => [p.end, pick(p)]), `${step}: ${key} ?${query}`);
    }
    const sheet = await get(`/api/metrics/balances/${REPORT}/?${query}`, s.admin.token);
    for (const line of sheet.table) {
      // As the selectors read: "Refund" names Refund and Refunded.
      const accounts = { Receivables: ['Receivable'], Cash: ['Funds'], Income: ['Income'], Owed: ['Payable'], Refunds: ['Refund', 'Refunded'] }[line.key]!;
      const expected = line.values.map(([at]): [string, number] => [at, before_(rows, at, balanceOf(null, accounts, 'usd'))]);
      assert.deepEqual(line.values, expected, `${step}: balance sheet ${line.key} ?${query}`);
    }
  }
}

test('checkouts and a refund: the roll-up (and the kept customer figures) answer as the rows do', async () => {
  const balances = await get(`/api/metrics/${provider.slug}/balances/?ends_at=2025-06-01T00:00:00Z&timezone=UTC`, managerToken);
  assert.ok(balances.table.some((line) => line.values.some(([, value]) => value !== 0)), 'the figures are not all zero');
  await assertSameAsRows('as booked');
  const kept = await s.core.db.selectFrom('metrics_customer_periods' as never).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  assert.ok(Number(kept.n) > 0, 'closed periods\' customer figures are kept');
  // Read again: from what was kept, the same answers.
  await assertSameAsRows('as booked, read again');
});

test('rows back-dated into closed months, and corrections reversing them in other months', async () => {
  const P = provider.id;
  const backlog = { organizationId: P, account: 'Backlog' } as const;
  const receivable = { organizationId: P, account: 'Receivable' } as const;
  const income = { organizationId: P, account: 'Income' } as const;
  // Booked late into closed months: a payment in February, income recognised at March's start in UTC and in New York.
  await book(s.core, [
    move(500, 'usd', backlog, receivable, 'late payment', null, new Date('2025-02-14T10:00:00Z')),
    move(700, 'usd', income, backlog, 'late income', null, new Date('2025-03-01T00:00:00Z')),
    move(300, 'usd', income, backlog, 'late income', null, new Date('2025-03-01T05:00:00Z')),
    // Into the provider's Refund account, in the last hours of May in Auckland.
    move(250, 'usd', { organizationId: P, account: 'Funds' }, { organizationId: P, account: 'Refund' }, 'late refund', null, new Date('2025-05-31T13:00:00Z')),
  ]);
  // Their corrections, each reversing a row in another month (so every account ends as it was).
  await book(s.core, [
    move(500, 'usd', receivable, backlog, 'correction', null, new Date('2025-03-31T22:00:00Z')),
    move(700, 'usd', backlog, income, 'correction', null, new Date('2025-04-30T23:00:00Z')),
    move(300, 'usd', backlog, income, 'correction', null, new Date('2025-06-01T00:00:00Z')),
  ]);
  // Orders booked late: a new payer in March (New York's March too), an order in a month the first buyer had paid,
  // and their reversals months later (so each account ends as it was).
  const [late] = await s.core.db.selectFrom('organizations').select('id').where('slug', '=', lateSlug).execute();
  const payable = { organizationId: late!.id, account: 'Payable' } as const;
  await book(s.core, [
    move(PRICE, 'usd', receivable, payable, 'late order', null, new Date('2025-03-01T04:00:00Z')),
    move(PRICE, 'usd', receivable, payable, 'late order', null, new Date('2025-05-02T00:00:00Z')),
  ]);
  await book(s.core, [move(2 * PRICE, 'usd', payable, receivable, 'correction', null, new Date('2025-06-20T00:00:00Z'))]);
  // A row in another unit, which every figure leaves out, and its correction.
  await book(s.core, [move(900, 'eur', backlog, receivable, 'other unit', null, new Date('2025-03-15T00:00:00Z'))]);
  await book(s.core, [move(900, 'eur', receivable, backlog, 'correction', null, new Date('2025-05-15T00:00:00Z'))]);
  await assertSameAsRows('back-dated');
});

test('folding the closed months changes no figure; rows back-dated after the fold still count', async () => {
  const before = await s.core.db.selectFrom('ledger_month_sums' as never).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  const report = await mergeLedgerMonthSums(s.core);
  assert.ok(report.folded >= report.kept, JSON.stringify(report));
  const after = await s.core.db.selectFrom('ledger_month_sums' as never).select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow();
  assert.ok(Number(after.n) <= Number(before.n));
  await assertSameAsRows('folded');
  // Folding again finds nothing left to fold.
  assert.deepEqual(await mergeLedgerMonthSums(s.core), { folded: 0, kept: 0 });
  const backlog = { organizationId: provider.id, account: 'Backlog' } as const;
  const receivable = { organizationId: provider.id, account: 'Receivable' } as const;
  await book(s.core, [move(111, 'usd', backlog, receivable, 'later still', null, new Date('2025-01-02T00:00:00Z'))]);
  await book(s.core, [move(111, 'usd', receivable, backlog, 'correction', null, new Date('2025-06-30T23:59:59Z'))]);
  await assertSameAsRows('back-dated after the fold');
  await mergeLedgerMonthSums(s.core);
  await assertSameAsRows('folded again');
});
