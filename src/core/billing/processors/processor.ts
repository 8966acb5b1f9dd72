// What billing asks of a payment processor. Two implementations: the built-in test
// processor (offline, the default) and Stripe; `PROCESSOR` chooses. Nothing outside
// core/billing/processors knows which one runs.

/** A card as it may be shown: never its number. */
export interface CardOnFile {
  last4: string;
  /** MM/YYYY */
  expDate: string;
  brand: string | null;
  name: string | null;
}

export interface ProcessorCustomer {
  /** The processor's id of the customer (Stripe `cus_...`); null before the first card. */
  customerKey: string | null;
  email: string | null;
  name: string;
}

/** Why a card was refused, in the processor's words and a stable code. */
export interface CardDeclined {
  code: 'card_declined' | 'insufficient_funds' | 'expired_card' | 'incorrect_cvc' | 'processing_error' | 'invalid_token';
  message: string;
}

export interface ProcessorCharge {
  /** The processor's id of the charge (Stripe `pi_...`/`ch_...`). */
  processorKey: string;
  createdAt: Date;
  amount: number;
  unit: string;
  state: 'created' | 'done' | 'failed' | 'disputed';
  card: CardOnFile | null;
  /** Set when state is failed. */
  declined: CardDeclined | null;
  /** What the processor kept (its fee), known once done. */
  processorFee: number;
  /** What the broker kept (application fee), known once done. */
  brokerFee: number;
}

export interface ChargeRequest {
  amount: number;
  unit: string;
  description: string;
  customer: ProcessorCustomer;
  /** A one-time card token from the page (`tok_visa`...); else the card on file is charged. */
  token: string | null;
  /**
   * Ours, sent as the processor's idempotency key: a retry (or the recovery after a crash)
   * finds the same charge instead of making a second one.
   */
  idempotencyKey: string;
  /** The broker's fee to keep from this charge, in minor units. */
  brokerFee: number;
  metadata: Record<string, string>;
}

export interface PaymentProcessor {
  /** `test` or `stripe`: recorded on each charge and card. */
  readonly name: string;
  /** Saves a card (from a one-time token) as the customer's card on file, creating the customer if needed. */
  saveCard(customer: ProcessorCustomer, token: string): Promise<{ customerKey: string; card: CardOnFile }>;
  retrieveCard(customerKey: string): Promise<CardOnFile | null>;
  deleteCard(customerKey: string): Promise<void>;
  /**
   * Charges a card. A decline is an answer (state failed with its reason), not an error;
   * an error means the outcome is unknown (network) and the charge must be looked up again.
   */
  charge(request: ChargeRequest): Promise<ProcessorCharge>;
  /** The charge as the processor knows it now (a dispute, a late success). */
  retrieveCharge(processorKey: string): Promise<ProcessorCharge>;
  /** The charge made with one of our idempotency keys, if the processor has it (crash recovery). */
  findCharge(idempotencyKey: string): Promise<ProcessorCharge | null>;
  /** Refunds part of a charge; the processor gives back its fee in proportion. */
  refund(processorKey: string, amount: number, idempotencyKey: string): Promise<{ refundKey: string; processorFeeReturned: number }>;
  /** A provider's payout (bank) account, as may be shown. */
  retrieveBank(accountKey: string | null): Promise<{ bankName: string; last4: string; balance: number; unit: string }>;
  /**
   * For a processor that pushes events (Stripe's webhook): verifies the payload's signature
   * and says what it is about; throws WebhookSignatureError when it does not verify.
   */
  parseWebhook?(payload: string, signature: string): ProcessorEvent;
}

/** What a verified webhook event says, in our terms. */
export interface ProcessorEvent {
  eventKey: string;
  kind: string;
  /** The PaymentIntent (or charge) the event is about, when it is about one. */
  chargeKey: string | null;
  /** Our idempotency key of that charge, from its metadata, when present. */
  idempotencyKey: string | null;
  /** The status the event's object carries (a dispute's `won`/`lost`...), when it has one. */
  status: string | null;
}

/** The webhook signature does not verify (or no webhook secret is set). */
export class WebhookSignatureError extends Error {}


/** A card refused when it is saved (a charge's decline is an answer, not this error). */
export class CardDeclinedError extends Error {
  constructor(readonly declined: CardDeclined) {
    super(declined.message);
  }
}

/**
 * The processor could not be reached or answered with a failure of its own: the outcome
 * of what was asked is unknown. A charge stays `created` and the recovery job looks it up.
 */
export class ProcessorUnavailable extends Error {}

/** Something named to the processor (a charge, a customer) that it does not know. */
export class ProcessorNotFound extends Error {}

/** The fee a card processor keeps: 2.9% + 30 cents, rounded to the nearest cent, never above the amount. */
export function cardFee(amount: number): number {
  return Math.min(amount, Math.floor((amount * 290 + 5000) / 10000) + 30);
}
