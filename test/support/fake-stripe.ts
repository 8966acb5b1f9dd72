// An offline stand-in for Stripe's API, enough for the Stripe processor: customers, card
// PaymentMethods from test tokens, confirmed PaymentIntents with their charge and balance
// transaction (fee 2.9% + 30c), search by metadata, refunds, Idempotency-Key replays, and
// a switch that makes it fail like an outage. The `stripe` package talks to it over HTTP
// exactly as it talks to api.stripe.com; only the answers are made up here.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { cardFee } from '../../src/core/billing/processors/processor.js';

type Params = { [key: string]: string | Params };
type Json = Record<string, unknown>;

interface TokenCard { brand: string; last4: string; decline: { code: string; decline_code?: string; message: string } | null }
const TOKENS: Record<string, TokenCard> = {
  tok_visa: { brand: 'visa', last4: '4242', decline: null },
  tok_mastercard: { brand: 'mastercard', last4: '4444', decline: null },
  tok_chargeDeclined: { brand: 'visa', last4: '0002', decline: { code: 'card_declined', decline_code: 'generic_decline', message: 'Your card was declined.' } },
  tok_chargeDeclinedInsufficientFunds: {
    brand: 'visa', last4: '9995', decline: { code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' },
  },
  tok_chargeDeclinedExpiredCard: { brand: 'visa', last4: '0069', decline: { code: 'expired_card', message: 'Your card has expired.' } },
};

/** `a[b][0]=x&c=y` as Stripe's clients encode it, into nested objects. */
function parseParams(text: string): Params {
  const out: Params = {};
  for (const [rawKey, value] of new URLSearchParams(text)) {
    const parts = rawKey.replace(/\]/g, '').split('[');
    let node: Params = out;
    parts.forEach((part, i) => {
      if (i === parts.length - 1) node[part] = value;
      else {
        if (typeof node[part] !== 'object') node[part] = {};
        node = node[part] as Params;
      }
    });
  }
  return out;
}

const str = (value: string | Params | undefined): string | undefined => (typeof value === 'string' ? value : undefined);
const values = (value: string | Params | undefined): string[] => (value === undefined ? [] : typeof value === 'string' ? [value] : Object.values(value).filter((v): v is string => typeof v === 'string'));
const id = (prefix: string) => `${prefix}_${randomBytes(10).toString('hex')}`;

class StripeFailure extends Error {
  constructor(readonly status: number, readonly body: Json) { super(String(body.message)); }
}

export class FakeStripe {
  readonly secretKey = 'sk_test_fake_0123456789';
  readonly webhookSecret = 'whsec_fake_0123456789abcdef';
  readonly customers = new Map<string, Json>();
  readonly paymentMethods = new Map<string, Json & { token: string }>();
  readonly paymentIntents = new Map<string, Json>();
  readonly refunds = new Map<string, Json>();
  /** Answers kept per Idempotency-Key: a repeat gets the first answer, as Stripe does. */
  readonly #replays = new Map<string, { status: number; body: Json }>();
  #server: Server | null = null;
  /** While > 0, every request fails with a 500 (and counts down). */
  failures = 0;
  /** Requests received, as `METHOD /path`. */
  readonly log: string[] = [];
  url = '';

  async start(): Promise<string> {
    this.#server = createServer((req, res) => { void this.#handle(req, res); });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
    return this.url;
  }

  async stop(): Promise<void> {
    if (!this.#server) return;
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server!.close(() => resolve()));
  }

  /** The settings that point the service at this server. */
  env(): Record<string, string> {
    return { PROCESSOR: 'stripe', STRIPE_SECRET_KEY: this.secretKey, STRIPE_WEBHOOK_SECRET: this.webhookSecret, STRIPE_API_URL: this.url };
  }

  /** A webhook delivery as Stripe signs it: the body and its Stripe-Signature header. */
  signedEvent(type: string, object: Json, secret = this.webhookSecret): { payload: string; signature: string } {
    const payload = JSON.stringify({ id: id('evt'), object: 'event', type, created: Math.floor(Date.now() / 1000), data: { object } });
    const signature = new Stripe(this.secretKey).webhooks.generateTestHeaderString({ payload, secret });
    return { payload, signature };
  }

  /** A confirmed PaymentIntent made here directly (what a request we never heard back from left). */
  createIntent(params: { amount: number; currency: string; token: string; idempotencyKey: string }): Json {
    return this.#createIntent({
      amount: String(params.amount), currency: params.currency,
      payment_method_data: { type: 'card', card: { token: params.token } }, confirm: 'true',
      metadata: { idempotency_key: params.idempotencyKey },
    });
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const url = new URL(req.url ?? '/', 'http://fake');
    const method = req.method ?? 'GET';
    const params = parseParams(method === 'GET' || method === 'DELETE' ? url.search.slice(1) : Buffer.concat(chunks).toString());
    this.log.push(`${method} ${url.pathname}`);
    const send = (status: number, body: Json) => {
      res.writeHead(status, { 'content-type': 'application/json', 'request-id': id('req') });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${this.secretKey}`) {
      return send(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided.' } });
    }
    if (this.failures > 0) {
      this.failures -= 1;
      return send(500, { error: { type: 'api_error', message: 'An unknown error occurred (fake outage).' } });
    }
    const key = req.headers['idempotency-key'];
    const replayKey = typeof key === 'string' && method === 'POST' ? `${url.pathname} ${key}` : null;
    if (replayKey && this.#replays.has(replayKey)) {
      const first = this.#replays.get(replayKey)!;
      res.setHeader('idempotent-replayed', 'true');
      return send(first.status, first.body);
    }
    let answer: { status: number; body: Json };
    try {
      answer = { status: 200, body: this.#route(method, url.pathname, params) };
    } catch (error) {
      if (!(error instanceof StripeFailure)) throw error;
      answer = { status: error.status, body: error.body };
    }
    if (replayKey) this.#replays.set(replayKey, answer);
    send(answer.status, answer.body);
  }

  #route(method: string, path: string, params: Params): Json {
    const expand = values(params.expand);
    let match: RegExpMatchArray | null;
    if (method === 'POST' && path === '/v1/customers') {
      const customer = { id: id('cus'), object: 'customer', email: str(params.email) ?? null, name: str(params.name) ?? null, invoice_settings: { default_payment_method: null } };
      this.customers.set(customer.id, customer);
      return customer;
    }
    if ((match = path.match(/^\/v1\/customers\/([^/]+)$/))) {
      const customer = this.customers.get(match[1]!);
      if (!customer) throw missing('customer', match[1]!);
      if (method === 'POST') {
        const settings = params.invoice_settings;
        if (typeof settings === 'object' && 'default_payment_method' in settings) {
          customer.invoice_settings = { default_payment_method: str(settings.default_payment_method) || null };
        }
      }
      const pm = (customer.invoice_settings as { default_payment_method: string | null }).default_payment_method;
      return expand.includes('invoice_settings.default_payment_method')
        ? { ...customer, invoice_settings: { default_payment_method: pm ? this.#pmJson(pm) : null } }
        : customer;
    }
    if (method === 'POST' && path === '/v1/payment_methods') {
      const card = typeof params.card === 'object' ? params.card : {};
      const token = str(card.token) ?? '';
      const known = TOKENS[token];
      if (!known) throw missing('token', token, 'card[token]');
      const details = typeof params.billing_details === 'object' ? params.billing_details : {};
      const pm = {
        id: id('pm'), object: 'payment_method', type: 'card', token, customer: null,
        card: { brand: known.brand, last4: known.last4, exp_month: 12, exp_year: 2034 },
        billing_details: { name: str(details.name) ?? null, email: str(details.email) ?? null },
      };
      this.paymentMethods.set(pm.id, pm);
      return this.#pmJson(pm.id);
    }
    if ((match = path.match(/^\/v1\/payment_methods\/([^/]+)(\/attach|\/detach)?$/))) {
      const pm = this.paymentMethods.get(match[1]!);
      if (!pm) throw missing('payment_method', match[1]!);
      if (match[2] === '/attach') {
        const decline = TOKENS[pm.token]!.decline;
        if (decline) throw cardError(decline);
        pm.customer = str(params.customer) ?? null;
      }
      if (match[2] === '/detach') {
        const owner = pm.customer ? this.customers.get(pm.customer as string) : undefined;
        if (owner && (owner.invoice_settings as { default_payment_method: string | null }).default_payment_method === pm.id) {
          owner.invoice_settings = { default_payment_method: null };
        }
        pm.customer = null;
      }
      return this.#pmJson(pm.id as string);
    }
    if (method === 'POST' && path === '/v1/payment_intents') return this.#intentJson(this.#createIntent(params).id as string, expand);
    if (method === 'GET' && path === '/v1/payment_intents/search') {
      const wanted = /metadata\['idempotency_key'\]:'([^']*)'/.exec(str(params.query) ?? '')?.[1];
      const data = [...this.paymentIntents.values()]
        .filter((pi) => (pi.metadata as Record<string, string>).idempotency_key === wanted)
        .map((pi) => this.#intentJson(pi.id as string, []));
      return { object: 'search_result', data, has_more: false, url: '/v1/payment_intents/search' };
    }
    if (method === 'GET' && (match = path.match(/^\/v1\/payment_intents\/([^/]+)$/))) {
      if (!this.paymentIntents.has(match[1]!)) throw missing('payment_intent', match[1]!);
      return this.#intentJson(match[1]!, expand);
    }
    if (method === 'POST' && path === '/v1/refunds') {
      const intent = this.paymentIntents.get(str(params.payment_intent) ?? '');
      if (!intent) throw missing('payment_intent', str(params.payment_intent) ?? '');
      const refund = {
        id: id('re'), object: 'refund', amount: Number(params.amount), payment_intent: intent.id, status: 'succeeded',
        balance_transaction: { id: id('txn'), object: 'balance_transaction', fee: 0, amount: -Number(params.amount) },
      };
      this.refunds.set(refund.id, refund);
      return refund;
    }
    throw new StripeFailure(404, { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}).` } });
  }

  #pmJson(pmId: string): Json {
    const { token: _token, ...pm } = this.paymentMethods.get(pmId)!;
    return pm;
  }

  #createIntent(params: Params): Json {
    let card: { brand: string; last4: string; exp_month: number; exp_year: number } | null = null;
    let decline: TokenCard['decline'] = null;
    let name: string | null = null;
    const data = params.payment_method_data;
    if (typeof data === 'object') {
      const token = str((data.card as Params | undefined)?.token as string | undefined) ?? '';
      const known = TOKENS[token];
      if (!known) throw missing('token', token, 'payment_method_data[card][token]');
      card = { brand: known.brand, last4: known.last4, exp_month: 12, exp_year: 2034 };
      decline = known.decline;
    } else {
      const pm = this.paymentMethods.get(str(params.payment_method) ?? '');
      if (!pm) throw missing('payment_method', str(params.payment_method) ?? '');
      card = pm.card as typeof card;
      decline = TOKENS[pm.token]!.decline;
      name = (pm.billing_details as { name: string | null }).name;
    }
    const amount = Number(params.amount);
    const intent: Json = {
      id: id('pi'), object: 'payment_intent', amount, currency: str(params.currency), created: Math.floor(Date.now() / 1000),
      customer: str(params.customer) ?? null, description: str(params.description) ?? null,
      metadata: typeof params.metadata === 'object' ? params.metadata : {},
      status: decline ? 'requires_payment_method' : 'succeeded',
      last_payment_error: decline ? { type: 'card_error', ...decline } : null,
      latest_charge: {
        id: id('ch'), object: 'charge', amount, paid: !decline, status: decline ? 'failed' : 'succeeded', disputed: false,
        payment_method_details: { type: 'card', card },
        billing_details: { name },
        balance_transaction: decline ? null : { id: id('txn'), object: 'balance_transaction', amount, fee: cardFee(amount), net: amount - cardFee(amount) },
      },
    };
    this.paymentIntents.set(intent.id as string, intent);
    if (decline) throw cardError(decline, this.#intentJson(intent.id as string, []));
    return intent;
  }

  #intentJson(piId: string, expand: string[]): Json {
    const intent = this.paymentIntents.get(piId)!;
    const charge = intent.latest_charge as Json;
    if (expand.includes('latest_charge.balance_transaction')) return intent;
    if (expand.includes('latest_charge')) return { ...intent, latest_charge: { ...charge, balance_transaction: (charge.balance_transaction as Json | null)?.id ?? null } };
    return { ...intent, latest_charge: charge.id };
  }
}

function missing(kind: string, value: string, param?: string): StripeFailure {
  return new StripeFailure(400, { error: { type: 'invalid_request_error', code: 'resource_missing', param, message: `No such ${kind}: '${value}'` } });
}

function cardError(decline: NonNullable<TokenCard['decline']>, paymentIntent?: Json): StripeFailure {
  return new StripeFailure(402, { error: { type: 'card_error', ...decline, ...(paymentIntent ? { payment_intent: paymentIntent } : {}) } });
}
