// The charge machinery against the real database and the built-in test processor: the
// payment's ledger rows (a)-(f), declines that leave the order due, executing twice,
// and the recovery of a charge the processor made but our ledger never booked.
import { test, before, after, describe } from 'node:test';
import assert from 'node:assert/strict';
import { sql } from 'kysely';
import { startService, type TestService } from '../support/service.js';
import { makeOrganization, type TestOrg } from '../support/fixtures.js';
import { balance } from '../../src/core/billing/ledger.js';
import { makeOrder, netPerUnit, rowsOfEvent } from './processor-helpers.js';
import { createCharge, executeCharge, recoverCharges } from '../../src/core/billing/charges.js';
import { cardFee } from '../../src/core/billing/processors/processor.js';
import type { LedgerAccount } from '../../src/db/schema.js';

let s: TestService;
let provider: TestOrg;
let brokerId: number;
let processorId: number;

before(async () => {
  s = await startService();
  provider = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ is_provider: true }).where('id', '=', provider.id).execute();
  brokerId = (await s.core.db.selectFrom('organizations').select('id').where('is_broker', '=', true).executeTakeFirstOrThrow()).id;
  processorId = (await s.core.db.selectFrom('organizations').select('id').where('is_processor', '=', true).executeTakeFirstOrThrow()).id;
});
after(async () => { await s.stop(); });

const order = (amount: number, options: { brokerFeePercent?: number; seller?: TestOrg; payer?: TestOrg; unit?: string } = {}) =>
  makeOrder(s, options.seller ?? provider, amount, options);

async function bal(organizationId: number, account: LedgerAccount, unit = 'usd', eventId?: string) {
  return balance(s.core, { organizationId, account, unit, eventId });
}

const rowsOfCharge = (chargeId: number) => rowsOfEvent(s, `cha_${chargeId}/`);

/** Every unit nets to zero over the whole ledger. */
async function assertBalanced() {
  for (const [unit, net] of await netPerUnit(s)) assert.equal(net, 0, `unit ${unit} does not net to zero`);
}

const charge = (input: { payerId: number; invoicedIds: number[]; token: string | null; rememberCard?: boolean }) =>
  s.core.transact(() => createCharge(s.core, { rememberCard: false, createdBy: null, ...input }));

describe('test processor', () => {
  test('fee: 2.9% + 30 cents, rounded to the cent', () => {
    assert.equal(cardFee(10000), 320);
    assert.equal(cardFee(24900), 752);
    assert.equal(cardFee(100), 33);
    assert.equal(cardFee(10), 10);
  });
});

describe('createCharge / executeCharge', () => {
  test('a successful charge books rows (a)-(f): the order is paid, fees go to the processor and the broker', async () => {
    const { payer, orderId, eventId } = await order(10000, { brokerFeePercent: 1000 });
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    assert.equal(created.state, 'created');
    assert.equal(Number(created.amount), 10000);
    assert.equal(created.unit, 'usd');
    const items = await s.core.db.selectFrom('charge_items').selectAll().where('charge_id', '=', created.id).execute();
    assert.deepEqual(items.map((i) => [i.position, i.invoiced_id, Number(i.amount)]), [[0, orderId, 10000]]);

    const done = await executeCharge(s.core, created.id);
    assert.equal(done.state, 'done');
    assert.equal(done.last4, '4242');
    assert.match(done.exp_date ?? '', /^12\/\d{4}$/);
    assert.match(done.processor_key, /^ch_test_/);
    assert.equal(done.description, `Charge ${done.processor_key} on credit card of Org ${payer.slug}`);
    assert.equal(done.processor_token, null);

    const fee = cardFee(10000);
    assert.equal(await bal(payer.id, 'Payable'), 0);
    assert.equal(await bal(payer.id, 'Liability'), 0);
    assert.equal(await bal(provider.id, 'Receivable', 'usd', eventId), 0, 'the payment clears the receivable of the order');
    assert.equal(await bal(provider.id, 'Backlog', 'usd', eventId), -10000);
    const chargeRows = (await s.core.db.selectFrom('ledger_transactions').selectAll()
      .where('event_id', '=', `cha_${created.id}/`).orderBy('id').execute())
      .map((r) => [r.orig_organization_id, r.orig_account, r.dest_organization_id, r.dest_account, Number(r.dest_amount)]);
    assert.deepEqual(chargeRows, [
      [payer.id, 'Liability', processorId, 'Funds', 10000],
      [processorId, 'Backlog', provider.id, 'Expenses', fee],
      [brokerId, 'Backlog', provider.id, 'Expenses', 1000],
      [processorId, 'Funds', brokerId, 'Funds', 1000],
      [processorId, 'Funds', provider.id, 'Funds', 10000 - fee - 1000],
    ]);
    assert.equal(await bal(processorId, 'Funds', 'usd', `cha_${created.id}/`), fee, 'the processor keeps exactly its fee');
    await assertBalanced();

    // Executing again (a retry, the recovery) books nothing more.
    const again = await executeCharge(s.core, created.id);
    assert.equal(again.state, 'done');
    assert.equal(await rowsOfCharge(created.id), 5);
    // And the processor holds one charge for it, in its own records.
    const records = await s.core.db.selectFrom('test_processor_records').select('key')
      .where('idempotency_key', '=', created.idempotency_key).execute();
    assert.equal(records.length, 1);
  });

  for (const [token, code] of [
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['tok_chargeDeclinedExpiredCard', 'expired_card'],
    ['tok_unknown', 'invalid_token'],
  ] as const) {
    test(`${token}: the charge fails (${code}), nothing is booked, the order stays due and can be paid later`, async () => {
      const { payer, orderId } = await order(5000);
      const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token });
      const failed = await executeCharge(s.core, created.id);
      assert.equal(failed.state, 'failed');
      assert.equal(failed.failure_code, code);
      assert.ok(failed.failure_message);
      assert.equal(await rowsOfCharge(created.id), 0);
      assert.equal(await bal(payer.id, 'Payable'), 5000);

      const retry = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_mastercard' });
      assert.equal((await executeCharge(s.core, retry.id)).state, 'done');
      assert.equal(await bal(payer.id, 'Payable'), 0);
      await assertBalanced();
    });
  }

  test('an order already paid cannot be charged again; one being charged cannot be charged twice', async () => {
    const { payer, orderId } = await order(3000);
    const first = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    await assert.rejects(charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' }),
      (error: { code?: string }) => error.code === 'charge.in_progress');
    await executeCharge(s.core, first.id);
    await assert.rejects(charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' }),
      (error: { code?: string }) => error.code === 'charge.nothing_due');
  });

  test('orders of another organization, unknown rows and mixed currencies are refused, and nothing is written', async () => {
    const mine = await order(1000);
    const theirs = await order(1000);
    const euros = await order(1000, { payer: mine.payer, unit: 'eur' });
    const before = await s.core.db.selectFrom('charges').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    for (const invoicedIds of [[theirs.orderId], [mine.orderId, theirs.orderId], [987654321], [], [mine.orderId, euros.orderId]]) {
      await assert.rejects(charge({ payerId: mine.payer.id, invoicedIds, token: 'tok_visa' }), (error: { kind?: string }) => error.kind === 'invalid');
    }
    const after = await s.core.db.selectFrom('charges').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow();
    assert.equal(Number(after.n), Number(before.n));
  });

  test('several items of several providers share the processor fee; every provider gets its part', async () => {
    const other = await makeOrganization(s);
    const first = await order(2500);
    const second = await order(7333, { payer: first.payer, seller: other });
    const created = await charge({ payerId: first.payer.id, invoicedIds: [first.orderId, second.orderId], token: 'tok_visa' });
    assert.equal(Number(created.amount), 9833);
    const done = await executeCharge(s.core, created.id);
    assert.equal(done.state, 'done');
    const fee = cardFee(9833);
    const expenses = (await bal(provider.id, 'Expenses', 'usd', `cha_${created.id}/`)) + (await bal(other.id, 'Expenses', 'usd', `cha_${created.id}/`));
    assert.equal(expenses, fee);
    assert.equal((await bal(provider.id, 'Funds', 'usd', `cha_${created.id}/`)) + (await bal(other.id, 'Funds', 'usd', `cha_${created.id}/`)), 9833 - fee);
    assert.equal(await bal(first.payer.id, 'Payable'), 0);
    await assertBalanced();
  });

  test('remember_card keeps the card on file, and a later charge without a token uses it', async () => {
    const { payer, orderId } = await order(4000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_mastercard', rememberCard: true });
    assert.equal((await executeCharge(s.core, created.id)).state, 'done');
    const card = await s.core.db.selectFrom('payment_methods').selectAll().where('organization_id', '=', payer.id).executeTakeFirstOrThrow();
    assert.equal(card.last4, '4444');
    assert.equal(card.processor, 'test');

    const next = await order(1500, { payer });
    const onFile = await charge({ payerId: payer.id, invoicedIds: [next.orderId], token: null });
    const paid = await executeCharge(s.core, onFile.id);
    assert.equal(paid.state, 'done');
    assert.equal(paid.last4, '4444');

    // Without a card on file and without a token, the charge fails and the order stays due.
    const bare = await order(1500);
    const none = await executeCharge(s.core, (await charge({ payerId: bare.payer.id, invoicedIds: [bare.orderId], token: null })).id);
    assert.equal(none.state, 'failed');
    assert.equal(await bal(bare.payer.id, 'Payable'), 1500);
  });

  test('a declined card is not kept on file', async () => {
    const { payer, orderId } = await order(4000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_chargeDeclined', rememberCard: true });
    assert.equal((await executeCharge(s.core, created.id)).state, 'failed');
    assert.equal(await s.core.db.selectFrom('payment_methods').select('organization_id').where('organization_id', '=', payer.id).executeTakeFirst(), undefined);
  });

  test('the processor is never called inside a unit of work', async () => {
    const { payer, orderId } = await order(1000);
    await assert.rejects(s.core.transact(async () => {
      const created = await createCharge(s.core, { payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa', rememberCard: false, createdBy: null });
      return executeCharge(s.core, created.id);
    }), /unit of work/);
    assert.equal(await bal(payer.id, 'Payable'), 1000);
  });
});

describe('recoverCharges', () => {
  test('the processor charged but the ledger never heard: recovery books it once, without charging again', async () => {
    const { payer, orderId } = await order(8000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    // What a crash right after the processor's answer leaves: the processor has the charge,
    // our charge is still `created` and the ledger has no payment.
    const customer = { customerKey: null, email: null, name: payer.slug };
    const made = await s.core.processor.charge({
      amount: 8000, unit: 'usd', description: 'x', customer, token: 'tok_visa', idempotencyKey: created.idempotency_key, brokerFee: 0, metadata: {},
    });
    assert.equal(made.state, 'done');
    const result = await recoverCharges(s.core);
    assert.ok(result.settled >= 1);
    const settled = await s.core.db.selectFrom('charges').selectAll().where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(settled.state, 'done');
    assert.equal(settled.processor_key, made.processorKey);
    assert.equal(await rowsOfCharge(created.id), 3);
    assert.equal(await bal(payer.id, 'Payable'), 0);
    // Run again: nothing more is booked, nothing more is charged.
    await recoverCharges(s.core);
    assert.equal(await rowsOfCharge(created.id), 3);
    const records = await s.core.db.selectFrom('test_processor_records').select('key').where('idempotency_key', '=', created.idempotency_key).execute();
    assert.equal(records.length, 1);
    await assertBalanced();
  });

  test('a charge the processor never received is executed by the recovery job', async () => {
    const { payer, orderId } = await order(2000);
    const created = await charge({ payerId: payer.id, invoicedIds: [orderId], token: 'tok_visa' });
    await s.core.jobs.enqueue('recover-charges', {});
    await s.core.jobs.idle();
    const settled = await s.core.db.selectFrom('charges').select('state').where('id', '=', created.id).executeTakeFirstOrThrow();
    assert.equal(settled.state, 'done');
    assert.equal(await bal(payer.id, 'Payable'), 0);
  });

  test('one charge that cannot be recovered does not hold back the others; the next run settles it', async () => {
    const first = await order(1100);
    const second = await order(1200);
    const stuck = await charge({ payerId: first.payer.id, invoicedIds: [first.orderId], token: 'tok_visa' });
    const fine = await charge({ payerId: second.payer.id, invoicedIds: [second.orderId], token: 'tok_visa' });
    const real = s.core.processor;
    // The processor's answer for one charge is garbled this time (only the network is faked).
    s.core.processor = new Proxy(real, {
      get(target, name) {
        if (name === 'findCharge') {
          return async (key: string) => {
            if (key === stuck.idempotency_key) throw new Error('garbled answer');
            return target.findCharge(key);
          };
        }
        const value = Reflect.get(target, name, target);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    try {
      await assert.rejects(recoverCharges(s.core), (error: unknown) => error instanceof AggregateError && error.errors.length === 1);
    } finally {
      s.core.processor = real;
    }
    const state = async (id: number) => (await s.core.db.selectFrom('charges').select('state').where('id', '=', id).executeTakeFirstOrThrow()).state;
    assert.equal(await state(fine.id), 'done');
    assert.equal(await state(stuck.id), 'created');
    await recoverCharges(s.core);
    assert.equal(await state(stuck.id), 'done');
    await assertBalanced();
  });
});
