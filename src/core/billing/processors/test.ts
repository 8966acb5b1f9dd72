// The built-in test processor (PROCESSOR=test, the default): offline, with Stripe's test
// tokens and a real processor's fee. It stands for the other side of the network, so it
// keeps its customers, charges and refunds in its own table, written outside our units of
// work: a charge it made survives our crash and is found again by its idempotency key.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../../db/database.js';
import { inTransaction } from '../../../db/unit-of-work.js';
import {
  CardDeclinedError, ProcessorNotFound, cardFee,
  type CardDeclined, type CardOnFile, type ChargeRequest, type PaymentProcessor, type ProcessorCharge, type ProcessorCustomer,
} from './processor.js';

interface TestCard {
  last4: string;
  brand: string;
  declined: CardDeclined | null;
  /** Saved on file all the same (its charges are declined later: a renewal's declined card). */
  attaches?: true;
}

/** Stripe's test tokens: the cards they stand for, and the decline each one gets. */
export const TEST_TOKENS: Readonly<Record<string, TestCard>> = {
  tok_visa: { last4: '4242', brand: 'Visa', declined: null },
  tok_mastercard: { last4: '4444', brand: 'MasterCard', declined: null },
  tok_chargeDeclined: { last4: '0002', brand: 'Visa', declined: { code: 'card_declined', message: 'Your card was declined.' } },
  tok_chargeDeclinedInsufficientFunds: {
    last4: '9995', brand: 'Visa', declined: { code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  tok_chargeDeclinedExpiredCard: { last4: '0069', brand: 'Visa', declined: { code: 'expired_card', message: 'Your card has expired.' } },
  tok_chargeCustomerFail: {
    last4: '0341', brand: 'Visa', declined: { code: 'card_declined', message: 'Your card was declined.' }, attaches: true,
  },
};

interface CustomerData { email: string | null; name: string; card: (CardOnFile & { declined: CardDeclined | null }) | null }
interface ChargeData {
  createdAt: string;
  amount: number;
  unit: string;
  state: ProcessorCharge['state'];
  card: CardOnFile | null;
  declined: CardDeclined | null;
  processorFee: number;
  brokerFee: number;
  refunded: number;
}

function key(prefix: string): string {
  return `${prefix}_${randomBytes(12).toString('hex')}`;
}

export class TestProcessor implements PaymentProcessor {
  readonly name = 'test';

  constructor(
    private readonly db: Db,
    private readonly now: () => Date,
    /** Crash tests: die right after a charge is recorded, before the caller books it. */
    private readonly fault: 'exit-after-charge' | null = null,
  ) {}

  /** A remote processor cannot join our transaction: calling it inside one is a bug. */
  #outsideUnitOfWork(): void {
    if (inTransaction()) throw new Error('the payment processor was called inside a unit of work');
  }

  #card(token: string, name: string | null): CardOnFile & { declined: CardDeclined | null } {
    // Own keys only: "constructor" or "toString" is an unknown token, not Object.prototype's.
    const known = Object.hasOwn(TEST_TOKENS, token) ? TEST_TOKENS[token] : undefined;
    if (!known) throw new CardDeclinedError({ code: 'invalid_token', message: `No such token: '${token}'.` });
    // Test cards expire a few years ahead, in December, as Stripe's do.
    return { last4: known.last4, expDate: `12/${this.now().getUTCFullYear() + 3}`, brand: known.brand, name, declined: known.declined };
  }

  async #read<T>(kind: 'customer' | 'charge' | 'refund', by: { key?: string; idempotencyKey?: string }): Promise<{ key: string; data: T } | null> {
    let query = this.db.selectFrom('test_processor_records').select(['key', 'data']).where('kind', '=', kind);
    if (by.key !== undefined) query = query.where('key', '=', by.key);
    if (by.idempotencyKey !== undefined) query = query.where('idempotency_key', '=', by.idempotencyKey);
    const row = await query.executeTakeFirst();
    if (!row) return null;
    const data = typeof row.data === 'string' ? JSON.parse(row.data) as T : row.data as T;
    return { key: row.key, data };
  }

  async saveCard(customer: ProcessorCustomer, token: string): Promise<{ customerKey: string; card: CardOnFile }> {
    this.#outsideUnitOfWork();
    const card = this.#card(token, customer.name);
    // Like Stripe, a card that would be declined cannot be attached to a customer (except
    // tok_chargeCustomerFail, whose charges are declined later).
    if (card.declined && !TEST_TOKENS[token]!.attaches) throw new CardDeclinedError(card.declined);
    const existing = customer.customerKey ? await this.#read<CustomerData>('customer', { key: customer.customerKey }) : null;
    const data: CustomerData = { email: customer.email, name: customer.name, card };
    if (existing) {
      await this.db.updateTable('test_processor_records').set({ data: JSON.stringify(data) }).where('key', '=', existing.key).execute();
      return { customerKey: existing.key, card: withoutDecline(card) };
    }
    const customerKey = key('cus_test');
    await this.db.insertInto('test_processor_records')
      .values({ key: customerKey, kind: 'customer', idempotency_key: null, data: JSON.stringify(data) }).execute();
    return { customerKey, card: withoutDecline(card) };
  }

  async retrieveCard(customerKey: string): Promise<CardOnFile | null> {
    this.#outsideUnitOfWork();
    const customer = await this.#read<CustomerData>('customer', { key: customerKey });
    return customer?.data.card ? withoutDecline(customer.data.card) : null;
  }

  async deleteCard(customerKey: string): Promise<void> {
    this.#outsideUnitOfWork();
    const customer = await this.#read<CustomerData>('customer', { key: customerKey });
    if (!customer) return;
    await this.db.updateTable('test_processor_records')
      .set({ data: JSON.stringify({ ...customer.data, card: null }) }).where('key', '=', customerKey).execute();
  }

  async charge(request: ChargeRequest): Promise<ProcessorCharge> {
    this.#outsideUnitOfWork();
    const seen = await this.findCharge(request.idempotencyKey);
    if (seen) return seen;
    let card: (CardOnFile & { declined: CardDeclined | null }) | null = null;
    let declined: CardDeclined | null = null;
    try {
      if (request.token) card = this.#card(request.token, request.customer.name);
      else if (request.customer.customerKey) card = (await this.#read<CustomerData>('customer', { key: request.customer.customerKey }))?.data.card ?? null;
      declined = card ? card.declined : { code: 'card_declined', message: 'There is no card on file to charge.' };
    } catch (error) {
      if (!(error instanceof CardDeclinedError)) throw error;
      declined = error.declined;
    }
    const processorFee = declined ? 0 : cardFee(request.amount);
    const data: ChargeData = {
      createdAt: this.now().toISOString(),
      amount: request.amount,
      unit: request.unit,
      state: declined ? 'failed' : 'done',
      card: card ? withoutDecline(card) : null,
      declined,
      processorFee,
      brokerFee: declined ? 0 : Math.min(request.brokerFee, request.amount - processorFee),
      refunded: 0,
    };
    // Two calls with one idempotency key make one charge: the second finds the first's.
    await this.db.insertInto('test_processor_records')
      .values({ key: key('ch_test'), kind: 'charge', idempotency_key: request.idempotencyKey, data: JSON.stringify(data) })
      .onConflict((oc) => oc.column('idempotency_key').doNothing()).execute();
    const recorded = await this.findCharge(request.idempotencyKey);
    if (!recorded) throw new Error('the test processor lost a charge it just recorded');
    if (this.fault === 'exit-after-charge') process.kill(process.pid, 'SIGKILL');
    return recorded;
  }

  async retrieveCharge(processorKey: string): Promise<ProcessorCharge> {
    this.#outsideUnitOfWork();
    const found = await this.#read<ChargeData>('charge', { key: processorKey });
    if (!found) throw new ProcessorNotFound(`No such charge: '${processorKey}'.`);
    return chargeOf(found.key, found.data);
  }

  async findCharge(idempotencyKey: string): Promise<ProcessorCharge | null> {
    this.#outsideUnitOfWork();
    const found = await this.#read<ChargeData>('charge', { idempotencyKey });
    return found ? chargeOf(found.key, found.data) : null;
  }

  async refund(processorKey: string, amount: number, idempotencyKey: string): Promise<{ refundKey: string; processorFeeReturned: number }> {
    this.#outsideUnitOfWork();
    const seen = await this.#read<{ processorFeeReturned: number }>('refund', { idempotencyKey });
    if (seen) return { refundKey: seen.key, processorFeeReturned: seen.data.processorFeeReturned };
    const charge = await this.#read<ChargeData>('charge', { key: processorKey });
    if (!charge) throw new ProcessorNotFound(`No such charge: '${processorKey}'.`);
    if (charge.data.state !== 'done' || !Number.isSafeInteger(amount) || amount <= 0 || charge.data.refunded + amount > charge.data.amount) {
      throw new ProcessorNotFound(`Charge '${processorKey}' cannot be refunded ${amount}.`);
    }
    // The fee is given back in proportion to the amount refunded.
    const processorFeeReturned = Math.floor(charge.data.processorFee * amount / charge.data.amount);
    const refundKey = key('re_test');
    await this.db.insertInto('test_processor_records')
      .values({ key: refundKey, kind: 'refund', idempotency_key: idempotencyKey, data: JSON.stringify({ charge: processorKey, amount, processorFeeReturned }) })
      .onConflict((oc) => oc.column('idempotency_key').doNothing()).execute();
    const recorded = await this.#read<{ processorFeeReturned: number }>('refund', { idempotencyKey });
    if (recorded?.key !== refundKey) return { refundKey: recorded!.key, processorFeeReturned: recorded!.data.processorFeeReturned };
    await this.db.updateTable('test_processor_records')
      .set({ data: JSON.stringify({ ...charge.data, refunded: charge.data.refunded + amount }) }).where('key', '=', processorKey).execute();
    return { refundKey, processorFeeReturned };
  }

  async retrieveBank(accountKey: string | null): Promise<{ bankName: string; last4: string; balance: number; unit: string }> {
    return { bankName: 'Test Bank', last4: accountKey ? `***-${accountKey.slice(-4)}` : '***-0000', balance: 0, unit: 'usd' };
  }
}

function withoutDecline(card: CardOnFile & { declined?: unknown }): CardOnFile {
  return { last4: card.last4, expDate: card.expDate, brand: card.brand, name: card.name };
}

function chargeOf(processorKey: string, data: ChargeData): ProcessorCharge {
  return {
    processorKey,
    createdAt: new Date(data.createdAt),
    amount: data.amount,
    unit: data.unit,
    state: data.state,
    card: data.card,
    declined: data.declined,
    processorFee: data.processorFee,
    brokerFee: data.brokerFee,
  };
}
