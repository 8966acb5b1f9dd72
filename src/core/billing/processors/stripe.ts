// Stripe (PROCESSOR=stripe), on the official `stripe` package: a customer per payer with
// its card as the default PaymentMethod, charges as confirmed PaymentIntents carrying our
// idempotency key (as Stripe's Idempotency-Key and in their metadata, so a charge is found
// again after Stripe forgot the key), refunds, and webhook events verified by signature.
// Charges are made on the broker's account; the processor fee is read from the charge's
// balance transaction.
import Stripe from 'stripe';
import type { Config } from '../../../config.js';
import {
  CardDeclinedError, ProcessorNotFound, ProcessorUnavailable, WebhookSignatureError,
  type CardDeclined, type ProcessorEvent, type CardOnFile, type ChargeRequest, type PaymentProcessor, type ProcessorCharge, type ProcessorCustomer,
} from './processor.js';

type StripeSettings = NonNullable<Config['stripe']>;

interface StripeFailure { type?: string; code?: string; decline_code?: string; message?: string; statusCode?: number; payment_intent?: { id?: string } }

function failureOf(error: unknown): StripeFailure | null {
  return error instanceof Error && typeof (error as StripeFailure).type === 'string' ? error as StripeFailure : null;
}

/** Network trouble, Stripe's own failures, rate limits and a key still in use: the outcome is unknown. */
function isUnavailable(failure: StripeFailure): boolean {
  return ['StripeConnectionError', 'StripeAPIError', 'StripeRateLimitError', 'StripeIdempotencyError'].includes(failure.type ?? '')
    || (failure.statusCode ?? 0) >= 500;
}

function declineOf(failure: StripeFailure): CardDeclined {
  const message = failure.message || 'The card was declined.';
  const reason = failure.decline_code || failure.code;
  if (reason === 'insufficient_funds' || reason === 'expired_card' || reason === 'incorrect_cvc' || reason === 'processing_error') {
    return { code: reason, message };
  }
  if (failure.type === 'StripeInvalidRequestError') return { code: 'invalid_token', message };
  return { code: 'card_declined', message };
}

/** Runs a call to Stripe; failures of reach become ProcessorUnavailable, unknown objects ProcessorNotFound. */
async function call<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    const failure = failureOf(error);
    if (!failure) throw error;
    if (isUnavailable(failure)) throw new ProcessorUnavailable(failure.message ?? 'Stripe could not be reached');
    if (failure.type === 'StripeInvalidRequestError' && failure.code === 'resource_missing') throw new ProcessorNotFound(failure.message ?? 'No such object');
    throw error;
  }
}

function cardOf(card: { last4?: string | null; exp_month?: number | null; exp_year?: number | null; brand?: string | null } | null | undefined, name: string | null): CardOnFile | null {
  if (!card?.last4) return null;
  return {
    last4: card.last4,
    expDate: `${String(card.exp_month ?? 0).padStart(2, '0')}/${card.exp_year ?? 0}`,
    brand: card.brand ?? null,
    name,
  };
}

const EXPAND_CHARGE = ['latest_charge.balance_transaction'];

export class StripeProcessor implements PaymentProcessor {
  readonly name = 'stripe';
  readonly #stripe: Stripe;
  readonly #webhookSecret: string | null;

  constructor(settings: StripeSettings) {
    const target = settings.apiUrl ? new URL(settings.apiUrl) : null;
    this.#stripe = new Stripe(settings.secretKey, {
      // A retry carries the same Idempotency-Key: it never makes a second charge.
      maxNetworkRetries: 2,
      timeout: 20_000,
      ...(target ? {
        host: target.hostname,
        port: target.port || (target.protocol === 'https:' ? 443 : 80),
        protocol: target.protocol === 'https:' ? 'https' : 'http',
      } : {}),
    });
    this.#webhookSecret = settings.webhookSecret;
  }

  async saveCard(customer: ProcessorCustomer, token: string): Promise<{ customerKey: string; card: CardOnFile }> {
    const customerKey = customer.customerKey
      ?? (await call(() => this.#stripe.customers.create({ email: customer.email ?? undefined, name: customer.name }))).id;
    try {
      const method = await call(() => this.#stripe.paymentMethods.create({
        type: 'card', card: { token }, billing_details: { name: customer.name, email: customer.email ?? undefined },
      }));
      // Attaching checks the card with its bank: a card that would be declined is refused here.
      await call(() => this.#stripe.paymentMethods.attach(method.id, { customer: customerKey }));
      await call(() => this.#stripe.customers.update(customerKey, { invoice_settings: { default_payment_method: method.id } }));
      const card = cardOf(method.card, method.billing_details?.name ?? customer.name);
      if (!card) throw new CardDeclinedError({ code: 'invalid_token', message: 'This token does not stand for a card.' });
      return { customerKey, card };
    } catch (error) {
      const failure = failureOf(error);
      if (failure && !isUnavailable(failure)) throw new CardDeclinedError(declineOf(failure));
      if (error instanceof ProcessorNotFound) throw new CardDeclinedError({ code: 'invalid_token', message: error.message });
      throw error;
    }
  }

  async #defaultMethod(customerKey: string): Promise<Stripe.PaymentMethod | null> {
    let customer: Stripe.Customer | Stripe.DeletedCustomer;
    try {
      customer = await call(() => this.#stripe.customers.retrieve(customerKey, { expand: ['invoice_settings.default_payment_method'] }));
    } catch (error) {
      if (error instanceof ProcessorNotFound) return null;
      throw error;
    }
    if ('deleted' in customer && customer.deleted) return null;
    const method = (customer as Stripe.Customer).invoice_settings?.default_payment_method;
    return method && typeof method === 'object' ? method : null;
  }

  async retrieveCard(customerKey: string): Promise<CardOnFile | null> {
    const method = await this.#defaultMethod(customerKey);
    return method ? cardOf(method.card, method.billing_details?.name ?? null) : null;
  }

  async deleteCard(customerKey: string): Promise<void> {
    const method = await this.#defaultMethod(customerKey);
    if (method) await call(() => this.#stripe.paymentMethods.detach(method.id));
  }

  async charge(request: ChargeRequest): Promise<ProcessorCharge> {
    let paymentMethod: string | undefined;
    if (!request.token) {
      const method = request.customer.customerKey ? await this.#defaultMethod(request.customer.customerKey) : null;
      if (!method) {
        return failed(request, request.idempotencyKey, { code: 'card_declined', message: 'There is no card on file to charge.' });
      }
      paymentMethod = method.id;
    }
    try {
      const intent = await call(() => this.#stripe.paymentIntents.create({
        amount: request.amount,
        currency: request.unit,
        description: request.description,
        ...(request.customer.customerKey ? { customer: request.customer.customerKey } : {}),
        ...(paymentMethod
          ? { payment_method: paymentMethod, off_session: true }
          : { payment_method_data: { type: 'card', card: { token: request.token! } } as Stripe.PaymentIntentCreateParams.PaymentMethodData }),
        // Cards only, confirmed at once: nothing may send the payer to another page.
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
        confirm: true,
        metadata: { ...request.metadata, idempotency_key: request.idempotencyKey, broker_fee: String(request.brokerFee) },
        expand: EXPAND_CHARGE,
      }, { idempotencyKey: request.idempotencyKey }));
      return chargeOf(intent, request.brokerFee);
    } catch (error) {
      const failure = failureOf(error);
      if (failure && !isUnavailable(failure)) {
        return failed(request, failure.payment_intent?.id ?? request.idempotencyKey, declineOf(failure));
      }
      if (error instanceof ProcessorNotFound) return failed(request, request.idempotencyKey, { code: 'invalid_token', message: error.message });
      throw error;
    }
  }

  async retrieveCharge(processorKey: string): Promise<ProcessorCharge> {
    const intent = await call(() => this.#stripe.paymentIntents.retrieve(processorKey, { expand: EXPAND_CHARGE }));
    return chargeOf(intent, Number(intent.metadata?.broker_fee ?? 0));
  }

  async findCharge(idempotencyKey: string): Promise<ProcessorCharge | null> {
    const found = await call(() => this.#stripe.paymentIntents.search({
      query: `metadata['idempotency_key']:'${idempotencyKey.replace(/'/g, '')}'`, limit: 1,
    }));
    const intent = found.data[0];
    if (!intent) return null;
    return this.retrieveCharge(intent.id);
  }

  async refund(processorKey: string, amount: number, idempotencyKey: string): Promise<{ refundKey: string; processorFeeReturned: number }> {
    const refund = await call(() => this.#stripe.refunds.create(
      { payment_intent: processorKey, amount, expand: ['balance_transaction'] }, { idempotencyKey },
    ));
    // Stripe keeps its fee on a refund unless the balance transaction says otherwise.
    const transaction = refund.balance_transaction;
    const returned = transaction && typeof transaction === 'object' ? Math.max(0, -transaction.fee) : 0;
    return { refundKey: refund.id, processorFeeReturned: returned };
  }

  async retrieveBank(accountKey: string | null): Promise<{ bankName: string; last4: string; balance: number; unit: string }> {
    return { bankName: 'Stripe', last4: accountKey ? `***-${accountKey.slice(-4)}` : 'N/A', balance: 0, unit: 'usd' };
  }

  /** Verifies a webhook event's signature (`Stripe-Signature`) and says what it is about. */
  parseWebhook(payload: string, signature: string): ProcessorEvent {
    if (!this.#webhookSecret) throw new WebhookSignatureError('No STRIPE_WEBHOOK_SECRET is set: webhook events cannot be verified.');
    let event: Stripe.Event;
    try {
      event = this.#stripe.webhooks.constructEvent(payload, signature, this.#webhookSecret);
    } catch (error) {
      throw new WebhookSignatureError(error instanceof Error ? error.message : 'The signature does not verify.');
    }
    const object = event.data.object as { id?: string; object?: string; status?: string | null; payment_intent?: string | { id: string } | null; metadata?: Record<string, string> | null };
    let chargeKey: string | null = null;
    if (object.object === 'payment_intent') chargeKey = object.id ?? null;
    else if (object.payment_intent) chargeKey = typeof object.payment_intent === 'string' ? object.payment_intent : object.payment_intent.id;
    return {
      eventKey: event.id, kind: event.type, chargeKey, idempotencyKey: object.metadata?.idempotency_key ?? null, status: object.status ?? null,
    };
  }
}

function failed(request: ChargeRequest, processorKey: string, declined: CardDeclined): ProcessorCharge {
  return {
    processorKey, createdAt: new Date(), amount: request.amount, unit: request.unit, state: 'failed', card: null, declined,
    processorFee: 0, brokerFee: 0,
  };
}

function chargeOf(intent: Stripe.PaymentIntent, brokerFee: number): ProcessorCharge {
  const latest = intent.latest_charge && typeof intent.latest_charge === 'object' ? intent.latest_charge : null;
  const transaction = latest?.balance_transaction && typeof latest.balance_transaction === 'object' ? latest.balance_transaction : null;
  const card = cardOf(latest?.payment_method_details?.card, latest?.billing_details?.name ?? null);
  let state: ProcessorCharge['state'] = 'created';
  let declined: CardDeclined | null = null;
  if (intent.status === 'succeeded') state = latest?.disputed ? 'disputed' : 'done';
  else if (intent.status === 'canceled' || intent.status === 'requires_payment_method' || intent.status === 'requires_action') {
    // Off-session charges cannot ask the payer to authenticate: that is a decline too.
    state = 'failed';
    const error = intent.last_payment_error;
    declined = error ? declineOf({ type: 'StripeCardError', code: error.code, decline_code: error.decline_code, message: error.message })
      : { code: 'card_declined', message: `The payment could not be completed (${intent.status}).` };
  }
  return {
    processorKey: intent.id,
    createdAt: new Date(intent.created * 1000),
    amount: intent.amount,
    unit: intent.currency,
    state,
    card,
    declined,
    processorFee: state === 'done' || state === 'disputed' ? (transaction?.fee ?? 0) : 0,
    brokerFee: state === 'done' || state === 'disputed' ? brokerFee : 0,
  };
}
