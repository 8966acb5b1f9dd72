// PROCESSOR=stripe, offline: the `stripe` package talks HTTP to a local server that
// answers as Stripe's API does (test/support/fake-stripe.ts). Cards on file, charges as
// PaymentIntents with Stripe's fee, declines, an outage, the recovery of a charge Stripe
// made but we never booked, and the signed webhook.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { makeOrganization, organizationWith, type TestOrg } from '../support/fixtures.js';
import { FakeStripe } from '../support/fake-stripe.js';
import { createCharge, executeCharge, recoverCharges } from '../../src/core/billing/charges.js';
import { balance } from '../../src/core/billing/ledger.js';
import { cardFee } from '../../src/core/billing/processors/processor.js';
import { makeOrder, netPerUnit, rowsOfEvent } from './processor-helpers.js';

let s: TestService;
let stripe: FakeStripe;
let provider: TestOrg;
let manager: TestUser;
let contributor: TestUser;

before(async () => {
  stripe = new FakeStripe();
  await stripe.start();
  s = await startService(stripe.env());
  provider = await makeOrganization(s);
  manager = await s.user();
  contributor = await s.user();
});
after(async () => {
  await s.stop();
  await stripe.stop();
});

const charge = (input: { payerId: number; invoicedIds: number[]; token: string | null; rememberCard?: boolean }) =>
  s.core.transact(() => createCharge(s.core, { rememberCard: false, createdBy: null, ...input }));

const payable = (organizationId: number) => balance(s.core, { organizationId, account: 'Payable', unit: 'usd' });

async function assertBalanced() {
  for (const [unit, net] of await netPerUnit(s)) assert.equal(net, 0, `unit ${unit} does not net to zero`);
}

test('the processor is Stripe, with its own organization in the ledger', async () => {
  assert.equal(s.core.processor.name, 'stripe');
  const org = await s.core.db.selectFrom('organizations').select(['slug', 'full_name']).where('is_processor', '=', true).executeTakeFirstOrThrow();
  assert.equal(org.slug, 'stripe');
});

describe('card on file at Stripe', () => {
  test('PUT saves the card on a Stripe customer, GET reads it back from Stripe, DELETE detaches it', async () => {
    const org = await organizationWith(s, manager, contributor);
    const url = `/api/billing/${org.slug}/card/`;
    const put = await s.request({ method: 'PUT', url, token: manager.token, body: { token: 'tok_visa', full_name: 'Joe Test' } });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(put.json(), { last4: '4242', exp_date: '12/2034', card_name: 'Joe Test' });
    const row = await s.core.db.selectFrom('payment_methods').selectAll().where('organization_id', '=', org.id).executeTakeFirstOrThrow();
    assert.equal(row.processor, 'stripe');
    assert.match(row.customer_key, /^cus_/);
    assert.ok(stripe.customers.has(row.customer_key));

    const got = await s.request({ method: 'GET', url, token: contributor.token });
    assert.deepEqual(got.json(), put.json());

    // A declined card is refused by Stripe when attached: the card on file stays.
    const declined = await s.request({ method: 'PUT', url, token: manager.token, body: { token: 'tok_chargeDeclinedExpiredCard' } });
    assert.equal(declined.statusCode, 400, declined.body);
    assert.equal(declined.json().error_code, 'card.declined');
    assert.match(declined.json().detail, /expired/);
    const unknown = await s.request({ method: 'PUT', url, token: manager.token, body: { token: 'tok_nope' } });
    assert.equal(unknown.statusCode, 400, unknown.body);
    assert.ok(unknown.json().token);
    assert.equal((await s.request({ method: 'GET', url, token: manager.token })).json().last4, '4242');

    const replaced = await s.request({ method: 'PATCH', url, token: manager.token, body: { token: 'tok_mastercard' } });
    assert.equal(replaced.json().last4, '4444');
    assert.equal((await s.request({ method: 'DELETE', url, token: manager.token })).statusCode, 204);
    assert.equal((await s.request({ method: 'GET', url, token: manager.token })).statusCode, 404);
  });

  test('Stripe out of reach: 503, nothing changed', async () => {
    const org = await organizationWith(s, manager, contributor);
    stripe.failures = 100;
    try {
      const res = await s.request({ method: 'PUT', url: `/api/billing/${org.slug}/card/`, token: manager.token, body: { token: 'tok_visa' } });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error_code, 'processor.unavailable');
    } finally {
      stripe.failures = 0;
    }
    assert.equal(await s.core.db.selectFrom('payment_methods').select('organization_id').where('organization_id', '=', org.id).executeTakeFirst(), undefined);
  });
});

describe('charges as PaymentIntents', () => {
  test('a token is charged once, with Stripe\'s fee from the balance transaction, and booked (a)-(f)', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 24900);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    const done = await executeCharge(s.core, created.id);
    assert.equal(done.state, 'done', JSON.stringify(done));
    assert.match(done.processor_key, /^pi_/);
    assert.equal(done.last4, '4242');
    assert.equal(done.exp_date, '12/2034');
    const intent = stripe.paymentIntents.get(done.processor_key)!;
    assert.equal((intent.metadata as Record<string, string>).idempotency_key, created.idempotency_key);
    assert.equal(await payable(payer.id), 0);
    assert.equal(await balance(s.core, { organizationId: provider.id, account: 'Expenses', unit: 'usd', eventId: `cha_${created.id}/` }), cardFee(24900));
    assert.equal(await balance(s.core, { organizationId: provider.id, account: 'Funds', unit: 'usd', eventId: `cha_${created.id}/` }), 24900 - cardFee(24900));
    await assertBalanced();

    // Again: Stripe replays the first answer for the same key, nothing more is booked.
    const intents = stripe.paymentIntents.size;
    await executeCharge(s.core, created.id);
    assert.equal(stripe.paymentIntents.size, intents);
    assert.equal(await rowsOfEvent(s, `cha_${created.id}/`), 3);
  });

  test('remember_card: the card goes on file first, then the customer is charged off-session', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 5000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_mastercard', rememberCard: true });
    const done = await executeCharge(s.core, created.id);
    assert.equal(done.state, 'done', JSON.stringify(done));
    const method = await s.core.db.selectFrom('payment_methods').selectAll().where('organization_id', '=', payer.id).executeTakeFirstOrThrow();
    assert.equal(method.last4, '4444');
    assert.equal(stripe.paymentIntents.get(done.processor_key)!.customer, method.customer_key);

    const next = await makeOrder(s, provider, 700, { payer });
    const onFile = await executeCharge(s.core, (await charge({ payerId: payer.id, invoicedIds: [next.orderId], token: null })).id);
    assert.equal(onFile.state, 'done');
    assert.equal(onFile.last4, '4444');
  });

  for (const [token, code] of [['tok_chargeDeclined', 'card_declined'], ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'], ['tok_chargeDeclinedExpiredCard', 'expired_card']] as const) {
    test(`${token}: failed with ${code}, nothing booked, the order stays due`, async () => {
      const { payer, orderId } = await makeOrder(s, provider, 3000);
      const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token });
      const failed = await executeCharge(s.core, created.id);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.failure_code, code);
      assert.match(failed.processor_key, /^pi_/);
      assert.equal(await rowsOfEvent(s, `cha_${created.id}/`), 0);
      assert.equal(await payable(payer.id), 3000);
    });
  }

  test('Stripe out of reach: the charge stays created, and the recovery settles it once Stripe is back, charging once', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 1200);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    stripe.failures = 100;
    const pending = await executeCharge(s.core, created.id);
    stripe.failures = 0;
    assert.equal(pending.state, 'created');
    assert.equal(await payable(payer.id), 1200);
    await recoverCharges(s.core);
    const settled = await s.core.db.selectFrom('charges').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(settled.state, 'done');
    const made = [...stripe.paymentIntents.values()].filter((pi) => (pi.metadata as Record<string, string>).idempotency_key === created.idempotency_key);
    assert.equal(made.length, 1);
    assert.equal(await payable(payer.id), 0);
  });

  test('Stripe charged but the ledger never heard (a crash): recovery finds the PaymentIntent by its key and books it once', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 9900);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    const intent = stripe.createIntent({ amount: 9900, currency: 'usd', token: 'tok_visa', idempotencyKey: created.idempotency_key });
    const before = stripe.paymentIntents.size;
    await recoverCharges(s.core);
    const settled = await s.core.db.selectFrom('charges').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(settled.state, 'done');
    assert.equal(settled.processor_key, intent.id);
    assert.equal(stripe.paymentIntents.size, before, 'nothing charged again');
    await recoverCharges(s.core);
    assert.equal(await rowsOfEvent(s, `cha_${created.id}/`), 3);
    await assertBalanced();
  });
});

describe('POST /api/billing/stripe/webhook/', () => {
  const deliver = (payload: string, signature?: string) => s.request({
    method: 'POST', url: '/api/billing/stripe/webhook/', body: payload,
    headers: { 'content-type': 'application/json', ...(signature ? { 'stripe-signature': signature } : {}) },
  });

  test('a signed payment_intent.succeeded settles the charge from Stripe\'s record, once', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 4500);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    const intent = stripe.createIntent({ amount: 4500, currency: 'usd', token: 'tok_visa', idempotencyKey: created.idempotency_key });
    const event = stripe.signedEvent('payment_intent.succeeded', intent);
    const res = await deliver(event.payload, event.signature);
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json(), { received: true, handled: true });
    const settled = await s.core.db.selectFrom('charges').select(['state', 'processor_key']).where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.deepEqual(settled, { state: 'done', processor_key: intent.id });
    assert.equal(await payable(payer.id), 0);

    const again = await deliver(event.payload, event.signature);
    assert.deepEqual(again.json(), { received: true, handled: false });
    assert.equal(await rowsOfEvent(s, `cha_${created.id}/`), 3);
  });

  test('disputes move a done charge to disputed, and back when won', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 2500);
    const done = await executeCharge(s.core, (await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' })).id);
    const opened = stripe.signedEvent('charge.dispute.created', { id: 'dp_1', object: 'dispute', payment_intent: done.processor_key, status: 'needs_response' });
    assert.equal((await deliver(opened.payload, opened.signature)).statusCode, 200);
    assert.equal((await s.core.db.selectFrom('charges').select('state').where('id', '=', done.id).executeTakeFirstOrThrow()).state, 'disputed');
    const won = stripe.signedEvent('charge.dispute.closed', { id: 'dp_1', object: 'dispute', payment_intent: done.processor_key, status: 'won' });
    assert.equal((await deliver(won.payload, won.signature)).statusCode, 200);
    assert.equal((await s.core.db.selectFrom('charges').select('state').where('id', '=', done.id).executeTakeFirstOrThrow()).state, 'done');
  });

  test('a bad or missing signature, or a tampered body, is a 400 that changes nothing', async () => {
    const { payer, orderId } = await makeOrder(s, provider, 1000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    const intent = stripe.createIntent({ amount: 1000, currency: 'usd', token: 'tok_visa', idempotencyKey: created.idempotency_key });
    const forged = stripe.signedEvent('payment_intent.succeeded', intent, 'whsec_someone_else');
    const genuine = stripe.signedEvent('payment_intent.succeeded', intent);
    for (const [payload, signature] of [
      [forged.payload, forged.signature],
      [genuine.payload, undefined],
      [genuine.payload.replace('"amount":1000', '"amount":1'), genuine.signature],
      ['{"not": "json"', genuine.signature],
      ['', 't=1,v1=00'],
    ] as const) {
      const res = await deliver(payload, signature);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error_code, 'webhook.invalid_signature');
    }
    assert.equal((await s.core.db.selectFrom('charges').select('state').where('id', '=', created.id).executeTakeFirstOrThrow()).state, 'created');
    assert.equal(await payable(payer.id), 1000);
  });
});
