import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { balancesDue } from '../../src/core/billing/statements.js';
import { bookOrder, makeProvider, payByCard, processorFee, processorOrganization, subscribe, type TestPlan } from './ledger-helpers.js';

let s: TestService;
let providerManager: TestUser;
let providerMember: TestUser;
let subscriberManager: TestUser;
let subscriberMember: TestUser;
let stranger: TestUser;
let provider: TestOrg;
let plan: TestPlan;

async function newSubscriber(): Promise<TestOrg> {
  const org = await makeOrganization(s);
  await giveRole(s, org, subscriberManager.id, 'manager');
  await giveRole(s, org, subscriberMember.id, 'contributor');
  return org;
}

before(async () => {
  s = await startService();
  [providerManager, providerMember, subscriberManager, subscriberMember, stranger] = await Promise.all(
    [1, 2, 3, 4, 5].map(() => quickUser(s)));
  ({ org: provider, plan } = await makeProvider(s));
  await giveRole(s, provider, providerManager.id, 'manager');
  await giveRole(s, provider, providerMember.id, 'contributor');
});
after(async () => {
  await assertLedgerInvariants(s);
  await s.stop();
});

const get = (url: string, token?: string) => s.request({ method: 'GET', url, token });

describe('balance due and history', () => {
  test('an order is due; once paid, the history shows the order and the payment', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    const orderId = await bookOrder(s, xia.id, plan, sub.eventId);

    let balance = await get(`/api/billing/${xia.slug}/balance/`, subscriberMember.token);
    assert.equal(balance.statusCode, 200, balance.body);
    assert.deepEqual(balance.json(), { balance_amount: '2000', balance_unit: 'usd' });
    const dues = await balancesDue(s.core, xia.id);
    assert.deepEqual(dues.map((d) => [d.eventId, d.subscriptionId, d.providerId, d.amount, d.unit]), [[sub.eventId, sub.id, provider.id, 2000, 'usd']]);

    const charge = await payByCard(s, xia.id, [orderId]);
    assert.equal(charge.state, 'done');
    const processor = await processorOrganization(s);
    balance = await get(`/api/billing/${xia.slug}/balance/`, subscriberManager.token);
    assert.deepEqual(balance.json(), { balance_amount: '0', balance_unit: 'usd' });
    assert.deepEqual(await balancesDue(s.core, xia.id), []);

    const history = await get(`/api/billing/${xia.slug}/history/?o=date&ot=desc`, subscriberManager.token);
    assert.equal(history.statusCode, 200, history.body);
    const body = history.json();
    assert.equal(body.count, 2);
    assert.equal(body.balance, 0);
    assert.equal(body.unit, 'usd');
    assert.equal(body.next, null);
    assert.equal(body.previous, null);
    assert.equal(body.start_at, null);
    assert.ok(body.ends_at);
    // Newest first: the payment, a debit for the subscriber, then the order.
    assert.deepEqual(body.results[0], {
      created_at: body.results[0].created_at, description: charge.description, amount: '($20.00)', is_debit: true,
      orig_account: 'Liability', orig_organization: xia.slug, orig_amount: 2000, orig_unit: 'usd',
      dest_account: 'Funds', dest_organization: processor.slug, dest_amount: 2000, dest_unit: 'usd',
    });
    assert.equal(body.results[1].amount, '$20.00');
    assert.equal(body.results[1].is_debit, false);
    assert.equal(body.results[1].orig_account, 'Receivable');
    assert.equal(body.results[1].dest_account, 'Payable');
    assert.equal(body.results[1].orig_organization, provider.slug);

    // The provider sees the sale in its receivables and the distribution in its transfers.
    const receivables = await get(`/api/billing/${provider.slug}/receivables/?q=${xia.slug}`, providerMember.token);
    assert.equal(receivables.statusCode, 200, receivables.body);
    assert.equal(receivables.json().count, 1);
    assert.equal(receivables.json().total, '2000');
    assert.equal(receivables.json().unit, 'usd');
    const transfers = await get(`/api/billing/${provider.slug}/transfers/`, providerManager.token);
    assert.equal(transfers.statusCode, 200, transfers.body);
    const distribution = transfers.json().results.find((r: { description: string }) => r.description.startsWith(`Charge ${charge.processor_key} distribution`));
    assert.equal(distribution.dest_amount, 2000 - processorFee(2000));
    assert.equal(distribution.is_debit, false);
    assert.deepEqual(Object.keys(transfers.json()).sort(), ['count', 'next', 'previous', 'results']);
    await assertLedgerInvariants(s);
  });

  test('lists page, search and refuse unknown orderings', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    for (let i = 0; i < 3; i += 1) await bookOrder(s, xia.id, plan, sub.eventId, 100 * (i + 1));
    const first = await get(`/api/billing/${xia.slug}/history/?page_size=2&o=amount`, subscriberManager.token);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().count, 3);
    assert.deepEqual(first.json().results.map((r: { dest_amount: number }) => r.dest_amount), [100, 200]);
    assert.ok(first.json().next.includes('page=2'));
    assert.equal(first.json().balance, 600);
    const past = await get(`/api/billing/${xia.slug}/history/?ends_at=2000-01-01T00:00:00Z`, subscriberManager.token);
    assert.equal(past.json().count, 0);
    assert.equal(past.json().balance, 0);
    const bad = await get(`/api/billing/${xia.slug}/history/?o=password`, subscriberManager.token);
    assert.equal(bad.statusCode, 400);
    assert.ok(bad.json().o);
    const badDate = await get(`/api/billing/${xia.slug}/history/?start_at=yesterday`, subscriberManager.token);
    assert.equal(badDate.statusCode, 400);
  });

  test('who may read which statement', async () => {
    const xia = await newSubscriber();
    // A partner organization above the subscriber: its managers act for it.
    const partner = await makeOrganization(s);
    const partnerManager = await quickUser(s);
    await giveRole(s, partner, partnerManager.id, 'manager');
    await placeOrganization(s, xia, { partner });
    const cases: [string, TestUser | null, number][] = [
      [`/api/billing/${xia.slug}/balance/`, partnerManager, 200],
      [`/api/billing/${xia.slug}/history/`, partnerManager, 200],
      [`/api/billing/${provider.slug}/receivables/`, partnerManager, 404],
      ['/api/billing/transactions/', partnerManager, 403],
      [`/api/billing/${xia.slug}/balance/`, subscriberMember, 200],
      [`/api/billing/${xia.slug}/balance/`, providerManager, 404],
      [`/api/billing/${xia.slug}/balance/`, stranger, 404],
      [`/api/billing/${xia.slug}/balance/`, null, 401],
      [`/api/billing/${xia.slug}/balance/`, s.admin, 200],
      [`/api/billing/${xia.slug}/history/`, subscriberMember, 200],
      [`/api/billing/${xia.slug}/history/`, providerManager, 404],
      [`/api/billing/${xia.slug}/history/`, null, 401],
      [`/api/billing/${provider.slug}/receivables/`, providerMember, 200],
      [`/api/billing/${provider.slug}/receivables/`, subscriberManager, 404],
      [`/api/billing/${provider.slug}/receivables/`, null, 401],
      [`/api/billing/${provider.slug}/transfers/`, providerMember, 200],
      [`/api/billing/${provider.slug}/transfers/`, stranger, 404],
      [`/api/billing/${provider.slug}/transfers/`, s.admin, 200],
      ['/api/billing/no-such-org/balance/', s.admin, 404],
      ['/api/billing/no-such-org/history/', s.admin, 404],
      ['/api/billing/no-such-org/receivables/', s.admin, 404],
      ['/api/billing/no-such-org/transfers/', s.admin, 404],
      ['/api/billing/transactions/', s.admin, 200],
      ['/api/billing/transactions/', providerManager, 403],
      ['/api/billing/transactions/', subscriberManager, 403],
      ['/api/billing/transactions/', null, 401],
    ];
    for (const [url, who, status] of cases) {
      const res = await get(url, who?.token);
      assert.equal(res.statusCode, status, `${url} as ${who?.username ?? 'anonymous'}: ${res.body}`);
      if (status >= 400) assert.ok(res.json().detail && res.json().error_code, res.body);
    }
  });
});

describe('GET /api/billing/transactions/', () => {
  test('the broker reads the whole ledger; a selector sums what went into those accounts', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    await bookOrder(s, xia.id, plan, sub.eventId, 1100);
    const all = await get('/api/billing/transactions/?o=date&ot=desc', s.admin.token);
    assert.equal(all.statusCode, 200, all.body);
    const body = all.json();
    assert.ok(body.count >= 1);
    assert.equal(body.balance, 0, 'the whole ledger nets to zero');
    assert.equal(body.unit, 'usd');
    assert.equal(body.results[0].dest_amount, 1100);
    assert.equal(body.results[0].is_debit, false);
    const payable = await get(`/api/billing/transactions/?selector=Payable&q=${xia.slug}`, s.admin.token);
    assert.equal(payable.statusCode, 200, payable.body);
    assert.equal(payable.json().count, 1);
    assert.equal(payable.json().balance, 1100);
    const tooLong = await get(`/api/billing/transactions/?selector=${'x'.repeat(60)}`, s.admin.token);
    assert.equal(tooLong.statusCode, 400);
  });
});

describe('DELETE /api/billing/{organization}/balance/', () => {
  test('the broker writes a balance due off: the provider books it lost, nothing is due', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    await bookOrder(s, xia.id, plan, sub.eventId, 1200);
    for (const [who, status] of [[subscriberManager, 403], [providerManager, 404], [stranger, 404], [null, 401]] as const) {
      const res = await s.request({ method: 'DELETE', url: `/api/billing/${xia.slug}/balance/`, token: who?.token });
      assert.equal(res.statusCode, status, res.body);
    }
    assert.equal((await get(`/api/billing/${xia.slug}/balance/`, subscriberManager.token)).json().balance_amount, '1200');
    const res = await s.request({ method: 'DELETE', url: `/api/billing/${xia.slug}/balance/`, token: s.admin.token });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal(res.body, '');
    assert.equal((await get(`/api/billing/${xia.slug}/balance/`, subscriberManager.token)).json().balance_amount, '0');
    const rows = await s.core.db.selectFrom('ledger_transactions').select(['orig_account', 'dest_account', 'dest_amount'])
      .where('event_id', '=', sub.eventId).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => `${r.orig_account}>${r.dest_account}:${r.dest_amount}`),
      ['Receivable>Payable:1200', 'Payable>Liability:1200', 'Liability>Writeoff:1200', 'Receivable>Canceled:1200']);
    // Written-off sales leave the receivables; a second write-off finds nothing to do.
    const receivables = await get(`/api/billing/${provider.slug}/receivables/?q=${xia.slug}`, providerManager.token);
    assert.equal(receivables.json().count, 1);
    const again = await s.request({ method: 'DELETE', url: `/api/billing/${xia.slug}/balance/cancel/`, token: s.admin.token });
    assert.equal(again.statusCode, 204);
    const count = await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll().as('n')).where('event_id', '=', sub.eventId).executeTakeFirstOrThrow();
    assert.equal(Number(count.n), 4);
    assert.equal((await s.request({ method: 'DELETE', url: '/api/billing/no-such-org/balance/', token: s.admin.token })).statusCode, 404);
    assert.equal((await s.request({ method: 'DELETE', url: `/api/billing/${xia.slug}/balance/?paid=maybe`, token: s.admin.token })).statusCode, 400);
    await assertLedgerInvariants(s);
  });

  test('with paid=1 the balance is booked as paid offline', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    await bookOrder(s, xia.id, plan, sub.eventId, 1500);
    const res = await s.request({ method: 'DELETE', url: `/api/billing/${xia.slug}/balance/?paid=1`, token: s.admin.token });
    assert.equal(res.statusCode, 204, res.body);
    assert.equal((await get(`/api/billing/${xia.slug}/balance/`, subscriberManager.token)).json().balance_amount, '0');
    const transfers = await get(`/api/billing/${provider.slug}/transfers/?q=balance%20due&o=created_at`, providerManager.token);
    const accounts = transfers.json().results.map((r: { orig_account: string; dest_account: string; dest_amount: number; is_debit: boolean }) =>
      `${r.orig_account}>${r.dest_account}:${r.dest_amount}:${r.is_debit}`);
    assert.deepEqual(accounts, ['Liability>Funds:1500:false', 'Funds>Offline:1500:true']);
    const history = await get(`/api/billing/${xia.slug}/history/`, subscriberManager.token);
    assert.deepEqual(history.json().results.map((r: { amount: string }) => r.amount), ['$15.00', '($15.00)']);
    await assertLedgerInvariants(s);
  });
});

describe('POST /api/billing/{organization}/transfers/import/', () => {
  const url = () => `/api/billing/${provider.slug}/transfers/import/`;

  test('seed example: a check pays the balance due first, the rest is a sale paid offline', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    await bookOrder(s, xia.id, plan, sub.eventId, 600);
    const body = { created_at: '2020-05-30T00:00:00Z', amount: '10.00', descr: 'Paid by check', subscription: `${xia.slug}-${plan.slug}` };
    const res = await s.request({ method: 'POST', url: url(), token: providerManager.token, body });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { created_at: '2020-05-30T00:00:00.000Z', amount: '10.00', descr: 'Paid by check', subscription: body.subscription });
    assert.equal((await get(`/api/billing/${xia.slug}/balance/`, subscriberManager.token)).json().balance_amount, '0');
    const rows = await s.core.db.selectFrom('ledger_transactions').select(['orig_account', 'dest_account', 'dest_amount', 'created_at'])
      .where('event_id', '=', sub.eventId).orderBy('id').execute();
    assert.deepEqual(rows.map((r) => `${r.orig_account}>${r.dest_account}:${r.dest_amount}`),
      ['Receivable>Payable:600', 'Receivable>Payable:400', 'Payable>Liability:1000', 'Backlog>Receivable:1000']);
    assert.equal(new Date(rows[1]!.created_at).toISOString(), '2020-05-30T00:00:00.000Z');
    // A number works as well, and subscriber:plan names the subscription unambiguously.
    const again = await s.request({ method: 'POST', url: url(), token: providerManager.token, body: { ...body, amount: 2.5, subscription: `${xia.slug}:${plan.slug}`, descr: undefined } });
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().amount, '2.50');
    assert.equal(again.json().descr, null);
    // A partner organization above the provider: its managers may book for it too.
    const partner = await makeOrganization(s);
    const partnerManager = await quickUser(s);
    await giveRole(s, partner, partnerManager.id, 'manager');
    await placeOrganization(s, provider, { partner });
    const byPartner = await s.request({ method: 'POST', url: url(), token: partnerManager.token, body: { ...body, amount: 1 } });
    assert.equal(byPartner.statusCode, 200, byPartner.body);
    await s.core.db.updateTable('organizations').set({ partner_id: null }).where('id', '=', provider.id).execute();
    await assertLedgerInvariants(s);
  });

  test('Idempotency-Key: an offline payment sent twice is booked once', async () => {
    const xia = await newSubscriber();
    const sub = await subscribe(s, xia, plan);
    const body = { created_at: '2020-05-30T00:00:00Z', amount: '12.00', descr: 'Wire', subscription: `${xia.slug}:${plan.slug}` };
    const headers = { 'idempotency-key': `import-${xia.slug}` };
    for (let i = 0; i < 2; i += 1) {
      const res = await s.request({ method: 'POST', url: url(), token: providerManager.token, headers, body });
      assert.equal(res.statusCode, 200, res.body);
    }
    const payments = await s.core.db.selectFrom('ledger_transactions').select('dest_amount').where('event_id', '=', sub.eventId)
      .where('orig_account', '=', 'Backlog').execute();
    assert.deepEqual(payments.map((r) => Number(r.dest_amount)), [1200]);
  });

  test('bad input is a 400 naming the field, and books nothing', async () => {
    const xia = await newSubscriber();
    await subscribe(s, xia, plan);
    const other = await makeProvider(s);
    const good = { created_at: '2020-05-30T00:00:00Z', amount: '10.00', subscription: `${xia.slug}:${plan.slug}` };
    const before = await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    const cases: [unknown, string][] = [
      ['{not json', ''],
      [{ ...good, amount: undefined }, 'amount'],
      [{ ...good, subscription: undefined }, 'subscription'],
      [{ ...good, created_at: undefined }, 'created_at'],
      [{ ...good, amount: -5 }, 'amount'],
      [{ ...good, amount: 0 }, 'amount'],
      [{ ...good, amount: '0.00' }, 'amount'],
      [{ ...good, amount: '1.234' }, 'amount'],
      [{ ...good, amount: 1e300 }, 'amount'],
      [{ ...good, amount: 1.234 }, 'amount'],
      [{ ...good, amount: true }, 'amount'],
      [{ ...good, created_at: 'yesterday' }, 'created_at'],
      [{ ...good, created_at: '2999-01-01T00:00:00Z' }, 'created_at'],
      [{ ...good, subscription: `${xia.slug}:no-such-plan` }, 'subscription'],
      [{ ...good, subscription: `${xia.slug}:${other.plan.slug}` }, 'subscription'],
      [{ ...good, subscription: 'nobody:at-all' }, 'subscription'],
      [{ ...good, extra: 1 }, ''],
    ];
    for (const [body, field] of cases) {
      const res = await s.request({ method: 'POST', url: url(), token: providerManager.token, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      if (field) assert.ok(res.json()[field], `${JSON.stringify(body)} names ${field}: ${res.body}`);
    }
    for (const [who, status] of [[providerMember, 403], [subscriberManager, 404], [stranger, 404], [null, 401]] as const) {
      const res = await s.request({ method: 'POST', url: url(), token: who?.token, body: good });
      assert.equal(res.statusCode, status, res.body);
    }
    const unknown = await s.request({ method: 'POST', url: '/api/billing/no-such-org/transfers/import/', token: s.admin.token, body: good });
    assert.equal(unknown.statusCode, 404);
    const after = await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });
});
