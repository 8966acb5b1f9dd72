import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { createCharge } from '../../src/core/billing/charges.js';
import { recoverRefunds } from '../../src/core/billing/refunds.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { bookOrder, makeProvider, payByCard, processorFee, processorOrganization, subscribe, type TestPlan } from './ledger-helpers.js';

let s: TestService;
let providerManager: TestUser;
let providerMember: TestUser;
let subscriberManager: TestUser;
let subscriberMember: TestUser;
let stranger: TestUser;
let provider: TestOrg;
let plan: TestPlan;
let plan2: TestPlan;

before(async () => {
  s = await startService();
  [providerManager, providerMember, subscriberManager, subscriberMember, stranger] = await Promise.all([1, 2, 3, 4, 5].map(() => quickUser(s)));
  ({ org: provider, plan } = await makeProvider(s, 2000));
  await giveRole(s, provider, providerManager.id, 'manager');
  await giveRole(s, provider, providerMember.id, 'contributor');
  const slug = `${provider.slug}-plus`;
  const row = await s.core.db.insertInto('plans').values({
    organization_id: provider.id, slug, title: `Plus of ${provider.slug}`, is_active: true, period_amount: 8000, period_type: 'yearly', unit: 'usd',
  }).returning('id').executeTakeFirstOrThrow();
  plan2 = { id: row.id, slug, providerId: provider.id, amount: 8000, unit: 'usd' };
});
after(async () => {
  await assertLedgerInvariants(s);
  await s.stop();
});

/** A subscriber with two subscriptions ordered and paid in one charge of two lines ($20 + $80). */
async function paidTwoLines(token = 'tok_visa') {
  const xia = await makeOrganization(s);
  await giveRole(s, xia, subscriberManager.id, 'manager');
  await giveRole(s, xia, subscriberMember.id, 'contributor');
  const first = await subscribe(s, xia, plan);
  const second = await subscribe(s, xia, plan2);
  const orders = [await bookOrder(s, xia.id, plan, first.eventId), await bookOrder(s, xia.id, plan2, second.eventId)];
  const charge = await payByCard(s, xia.id, orders, token);
  return { xia, charge };
}

const refund = (key: string, lines: unknown, token?: string) =>
  s.request({ method: 'POST', url: `/api/billing/charges/${key}/refund/`, token, body: lines === undefined ? undefined : { lines } });

describe('GET /api/billing/charges/{charge}/', () => {
  test('the seed\'s shape, for the payer, its providers and the broker; 404 for anyone else', async () => {
    const { xia, charge } = await paidTwoLines();
    assert.equal(charge.state, 'done');
    const res = await s.request({ method: 'GET', url: `/api/billing/charges/${charge.processor_key}/`, token: subscriberMember.token });
    assert.equal(res.statusCode, 200, res.body);
    // The seed's fields, and ours: the lines paid for (the receipt page shows them).
    const { line_items: lines, ...seedFields } = res.json();
    assert.deepEqual(seedFields, {
      created_at: new Date(charge.created_at).toISOString(), readable_amount: '$100.00', amount: 10000, unit: 'usd',
      description: charge.description, last4: '4242', exp_date: charge.exp_date, processor_key: charge.processor_key, state: 'done',
    });
    assert.deepEqual((lines as Array<{ num: number; amount: number; readable_amount: string }>)
      .map(({ num, amount, readable_amount }) => ({ num, amount, readable_amount })), [
      { num: 0, amount: 2000, readable_amount: '$20.00' },
      { num: 1, amount: 8000, readable_amount: '$80.00' },
    ]);
    assert.match(charge.description, new RegExp(`on credit card of Org ${xia.slug}`));
    for (const [who, status] of [[providerMember, 200], [s.admin, 200], [subscriberManager, 200], [stranger, 404], [null, 401]] as const) {
      const answer = await s.request({ method: 'GET', url: `/api/billing/charges/${charge.processor_key}/`, token: who?.token });
      assert.equal(answer.statusCode, status, answer.body);
    }
    const unknown = await s.request({ method: 'GET', url: '/api/billing/charges/ch_nosuchcharge/', token: s.admin.token });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'charge.not_found');
    const hostile = await s.request({ method: 'GET', url: `/api/billing/charges/${encodeURIComponent("x' or 1=1")}/`, token: s.admin.token });
    assert.equal(hostile.statusCode, 400);
  });

  test('a charge the processor made but we never settled (a crash) is settled when read, once', async () => {
    const xia = await makeOrganization(s);
    await giveRole(s, xia, subscriberManager.id, 'manager');
    const sub = await subscribe(s, xia, plan);
    const order = await bookOrder(s, xia.id, plan, sub.eventId);
    const created = await s.core.transact(() => createCharge(s.core, { payerId: xia.id, invoicedIds: [order], token: 'tok_visa', rememberCard: false, createdBy: null }));
    // The processor charged the card; our process died before writing the ledger.
    await s.core.processor.charge({
      amount: 2000, unit: 'usd', description: 'crash', customer: { customerKey: null, email: null, name: xia.slug },
      token: 'tok_visa', idempotencyKey: created.idempotency_key, brokerFee: 0, metadata: {},
    });
    const balance = () => s.request({ method: 'GET', url: `/api/billing/${xia.slug}/balance/`, token: subscriberManager.token });
    assert.equal((await balance()).json().balance_amount, '2000');
    // Settling gives the charge the processor's key; read again under it, it is not booked twice.
    let key = created.processor_key;
    for (let i = 0; i < 2; i += 1) {
      const res = await s.request({ method: 'GET', url: `/api/billing/charges/${key}/`, token: subscriberManager.token });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().state, 'done');
      key = res.json().processor_key;
    }
    assert.equal((await balance()).json().balance_amount, '0');
    const payments = await s.core.db.selectFrom('ledger_transactions').select('id').where('event_id', '=', `cha_${created.id}/`)
      .where('orig_account', '=', 'Liability').execute();
    assert.equal(payments.length, 1);
    await assertLedgerInvariants(s);
  });
});

describe('GET /api/billing/charges/', () => {
  test('the broker lists every charge with the total of the paid ones', async () => {
    const { charge } = await paidTwoLines();
    const res = await s.request({ method: 'GET', url: `/api/billing/charges/?q=${charge.processor_key}&o=date&ot=desc`, token: s.admin.token });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.count, 1);
    assert.equal(body.total, '10000');
    assert.equal(body.unit, 'usd');
    assert.equal(body.results[0].processor_key, charge.processor_key);
    assert.equal(body.results[0].readable_amount, '$100.00');
    for (const [who, status] of [[providerManager, 403], [subscriberManager, 403], [null, 401]] as const) {
      assert.equal((await s.request({ method: 'GET', url: '/api/billing/charges/', token: who?.token })).statusCode, status);
    }
    assert.equal((await s.request({ method: 'GET', url: '/api/billing/charges/?o=secret', token: s.admin.token })).statusCode, 400);
  });
});

describe('POST /api/billing/charges/{charge}/refund/', () => {
  test('lines are refunded up to what is left on each; the provider gives back its part, the processor its fee', async () => {
    const { xia, charge } = await paidTwoLines();
    const key = charge.processor_key;
    const res = await refund(key, [{ num: 0, refunded_amount: 500 }, { num: 1, refunded_amount: 8000 }], providerManager.token);
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().processor_key, key);
    assert.equal(res.json().state, 'done');
    assert.equal(res.json().amount, 10000);

    const processor = await processorOrganization(s);
    const rows = await s.core.db.selectFrom('ledger_transactions').selectAll().where('event_id', 'like', `cha_${charge.id}/%/`).orderBy('id').execute();
    const refunded = rows.filter((r) => r.orig_account === 'Refunded');
    assert.deepEqual(refunded.map((r) => [r.orig_organization_id, r.dest_organization_id, r.dest_account, Number(r.dest_amount)]),
      [[xia.id, provider.id, 'Refund', 500], [xia.id, provider.id, 'Refund', 8000]]);
    // Into the processor's Refund: the card is credited with exactly what was refunded.
    const toCard = rows.filter((r) => r.dest_account === 'Refund' && r.dest_organization_id === processor.id).reduce((sum, r) => sum + Number(r.dest_amount), 0);
    assert.equal(toCard, 8500);
    const feeBack = rows.filter((r) => r.orig_organization_id === processor.id && r.orig_account === 'Funds').reduce((sum, r) => sum + Number(r.dest_amount), 0);
    assert.equal(feeBack, Math.floor(processorFee(10000) * 500 / 10000) + Math.floor(processorFee(10000) * 8000 / 10000));

    // What is left: $15.00 on line 0, nothing on line 1.
    const tooMuch = await refund(key, [{ num: 0, refunded_amount: 1501 }], providerManager.token);
    assert.equal(tooMuch.statusCode, 400, tooMuch.body);
    assert.equal(tooMuch.json().error_code, 'refund.exceeds_line');
    assert.match(tooMuch.json().lines[0], /only \$15\.00 left/);
    assert.equal((await refund(key, [{ num: 1, refunded_amount: 1 }], providerManager.token)).statusCode, 400);
    assert.equal((await refund(key, [{ num: 2, refunded_amount: 1 }], providerManager.token)).statusCode, 400);
    const rest = await refund(key, [{ num: 0, refunded_amount: 1500 }], s.admin.token);
    assert.equal(rest.statusCode, 200, rest.body);
    assert.equal((await refund(key, [{ num: 0, refunded_amount: 1 }], providerManager.token)).statusCode, 400);
    // The processor refunded the card once per line refunded: 3 times, for $100.
    const atProcessor = await s.core.db.selectFrom('test_processor_records').select('data').where('kind', '=', 'refund').execute();
    const mine = atProcessor.map((r) => (typeof r.data === 'string' ? JSON.parse(r.data) : r.data) as { charge: string; amount: number }).filter((d) => d.charge === key);
    assert.equal(mine.reduce((sum, d) => sum + d.amount, 0), 10000);
    // The subscriber's history shows the refunds; its balance due is untouched.
    const history = await s.request({ method: 'GET', url: `/api/billing/${xia.slug}/history/?selector=x&o=-created_at`, token: subscriberManager.token });
    assert.equal(history.statusCode, 200, history.body);
    assert.equal(history.json().results.filter((r: { orig_account: string }) => r.orig_account === 'Refunded').length, 3);
    assert.equal(history.json().balance, 0);
    await assertLedgerInvariants(s);
  });

  test('who may refund, and bad input: 4xx that changes nothing', async () => {
    const { xia, charge } = await paidTwoLines();
    const key = charge.processor_key;
    const count = async () => Number((await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
    const before = await count();
    const line = [{ num: 0, refunded_amount: 100 }];
    for (const [who, status] of [[subscriberManager, 403], [subscriberMember, 403], [providerMember, 403], [stranger, 404], [null, 401]] as const) {
      const res = await refund(key, line, who?.token);
      assert.equal(res.statusCode, status, `${who?.username}: ${res.body}`);
    }
    // The managers of a partner above the payer see the charge but may not refund it.
    const partner = await makeOrganization(s);
    const partnerManager = await quickUser(s);
    await giveRole(s, partner, partnerManager.id, 'manager');
    await placeOrganization(s, xia, { partner });
    assert.equal((await s.request({ method: 'GET', url: `/api/billing/charges/${key}/`, token: partnerManager.token })).statusCode, 200);
    assert.equal((await refund(key, line, partnerManager.token)).statusCode, 403);
    assert.equal((await refund('ch_nosuchcharge', line, s.admin.token)).statusCode, 404);
    const bodies: unknown[] = [
      '{"lines": [',
      {},
      { lines: [] },
      { lines: 'all' },
      { lines: [{ num: 0 }] },
      { lines: [{ refunded_amount: 100 }] },
      { lines: [{ num: 0, refunded_amount: -100 }] },
      { lines: [{ num: 0, refunded_amount: 0 }] },
      { lines: [{ num: 0, refunded_amount: 1.5 }] },
      { lines: [{ num: 0, refunded_amount: '100' }] },
      { lines: [{ num: -1, refunded_amount: 100 }] },
      { lines: [{ num: 0, refunded_amount: 1e300 }] },
      { lines: [{ num: 0, refunded_amount: 100, extra: 1 }] },
      { lines: [{ num: 0, refunded_amount: 100 }, { num: 0, refunded_amount: 100 }] },
      { lines: [{ num: 0, refunded_amount: 2001 }] },
    ];
    for (const body of bodies) {
      const res = await s.request({ method: 'POST', url: `/api/billing/charges/${key}/refund/`, token: providerManager.token, body });
      assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
      if (typeof body === 'object') assert.ok(res.json().lines || res.json().detail, res.body);
    }
    assert.equal(await count(), before);
    assert.equal(await s.core.db.selectFrom('charge_refunds').select('id').where('charge_id', '=', charge.id).executeTakeFirst(), undefined);
  });

  test('a declined charge is not refundable (405); neither is a refund the provider\'s funds cannot cover', async () => {
    const { charge: declined } = await paidTwoLines('tok_chargeDeclined');
    assert.equal(declined.state, 'failed');
    const res = await refund(declined.processor_key, [{ num: 0, refunded_amount: 100 }], providerManager.token);
    assert.equal(res.statusCode, 405, res.body);
    assert.equal(res.json().error_code, 'charge.not_refundable');

    // The provider was paid out everything it had: nothing to take a refund back from.
    const { charge } = await paidTwoLines();
    const processor = await processorOrganization(s);
    const { funds } = await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.sum<string>(
      eb.case().when('dest_account', '=', 'Funds').then(eb.ref('dest_amount')).else(0).end()).as('funds'))
      .where('dest_organization_id', '=', provider.id).executeTakeFirstOrThrow();
    const { out } = await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.sum<string>('orig_amount').as('out'))
      .where('orig_organization_id', '=', provider.id).where('orig_account', '=', 'Funds').executeTakeFirstOrThrow();
    await book(s.core, [move(Number(funds) - Number(out ?? 0), 'usd', { organizationId: provider.id, account: 'Funds' },
      { organizationId: processor.id, account: 'Withdraw' }, 'Payout to the bank', 'po_test')]);
    const broke = await refund(charge.processor_key, [{ num: 1, refunded_amount: 8000 }], providerManager.token);
    assert.equal(broke.statusCode, 405, broke.body);
    assert.equal(broke.json().error_code, 'refund.insufficient_funds');
    await assertLedgerInvariants(s);
  });

  test('two refunds of the same line at once: one goes through, the other is refused', async () => {
    const { charge } = await paidTwoLines();
    const answers = await Promise.all([0, 1].map(() => refund(charge.processor_key, [{ num: 1, refunded_amount: 6000 }], providerManager.token)));
    assert.deepEqual(answers.map((a) => a.statusCode).sort(), [200, 400]);
    const refunded = await s.core.db.selectFrom('ledger_transactions').select('dest_amount').where('orig_account', '=', 'Refunded')
      .where('event_id', 'like', `cha_${charge.id}/%`).execute();
    assert.deepEqual(refunded.map((r) => Number(r.dest_amount)), [6000]);
  });

  test('Idempotency-Key: a replayed refund answers the first answer and refunds once; the key with other lines is a 409', async () => {
    const { charge } = await paidTwoLines();
    const send = (amount: number) => s.request({
      method: 'POST', url: `/api/billing/charges/${charge.processor_key}/refund/`, token: providerManager.token,
      headers: { 'idempotency-key': `refund-${charge.id}` }, body: { lines: [{ num: 1, refunded_amount: amount }] },
    });
    const first = await send(3000);
    assert.equal(first.statusCode, 200, first.body);
    const replay = await send(3000);
    assert.equal(replay.statusCode, 200, replay.body);
    assert.deepEqual(replay.json(), first.json());
    assert.equal((await send(3001)).statusCode, 409);
    const refunded = await s.core.db.selectFrom('ledger_transactions').select('dest_amount').where('orig_account', '=', 'Refunded')
      .where('event_id', 'like', `cha_${charge.id}/%`).execute();
    assert.deepEqual(refunded.map((r) => Number(r.dest_amount)), [3000]);
  });

  test('a refund left pending by a crash is finished by the recovery, once', async () => {
    const { charge } = await paidTwoLines();
    const item = await s.core.db.selectFrom('charge_items').select('id').where('charge_id', '=', charge.id).where('position', '=', 0).executeTakeFirstOrThrow();
    // Reserved, then the process died before (or after) asking the processor.
    const reserved = await s.core.db.insertInto('charge_refunds').values({ charge_id: charge.id, charge_item_id: item.id, amount: 700 })
      .returning('id').executeTakeFirstOrThrow();
    await s.core.processor.refund(charge.processor_key, 700, `refund_${reserved.id}`);
    assert.deepEqual(await recoverRefunds(s.core), { done: 1, pending: 0 });
    assert.deepEqual(await recoverRefunds(s.core), { done: 0, pending: 0 });
    const state = await s.core.db.selectFrom('charge_refunds').select('state').where('id', '=', reserved.id).executeTakeFirstOrThrow();
    assert.equal(state.state, 'done');
    const atProcessor = await s.core.db.selectFrom('test_processor_records').select('key').where('idempotency_key', '=', `refund_${reserved.id}`).execute();
    assert.equal(atProcessor.length, 1);
    const booked = await s.core.db.selectFrom('ledger_transactions').select('dest_amount').where('orig_account', '=', 'Refunded')
      .where('event_id', '=', `cha_${charge.id}/${item.id}/`).execute();
    assert.deepEqual(booked.map((r) => Number(r.dest_amount)), [700]);
    // What is left on the line counts it.
    const tooMuch = await refund(charge.processor_key, [{ num: 0, refunded_amount: 1301 }], providerManager.token);
    assert.equal(tooMuch.statusCode, 400, tooMuch.body);
    await assertLedgerInvariants(s);
  });
});
