// Table types: Billing: plans, subscriptions, coupons, the cart, the ledger, charges and cards (0013_billing onwards).
// They mirror src/db/migrations; change both together.
import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt, DefaultTimestamp } from './columns.js';

// ---------------------------------------------------------------- billing (0013_billing)

export type PeriodType = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export type RenewalType = 'one-time' | 'auto-renew' | 'repeat';
export type DiscountType = 'percentage' | 'currency' | 'period';

/** A discount for paying several periods in advance (`length` periods of the plan). */
export interface AdvanceDiscount {
  discount_type: DiscountType;
  /** Per 10000 for a percentage, minor units for currency, a number of periods for period. */
  discount_value: number;
  length: number;
}

export interface PlansTable {
  id: Generated<number>;
  /** The provider. */
  organization_id: number;
  slug: string;
  title: string;
  description: string | null;
  is_active: Generated<boolean>;
  is_not_priced: Generated<boolean>;
  unit: Generated<string>;
  setup_amount: Generated<number>;
  period_amount: Generated<number>;
  period_type: Generated<PeriodType>;
  period_length: Generated<number>;
  renewal_type: Generated<RenewalType>;
  optin_on_request: Generated<boolean>;
  skip_optin_on_grant: Generated<boolean>;
  /** Per 10000 of each payment, kept by the broker. */
  broker_fee_percent: Generated<number>;
  advance_discounts: ColumnType<AdvanceDiscount[], string | undefined, string>;
  app_url: string | null;
  extra: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface SubscriptionsTable {
  id: Generated<number>;
  /** The subscriber. */
  organization_id: number;
  plan_id: number;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  ends_at: Timestamp;
  auto_renew: Generated<boolean>;
  description: string | null;
  extra: string | null;
  /** Set while a provider's grant waits for the subscriber's opt-in. */
  grant_key: string | null;
  /** Set while a subscriber's request waits for the provider's acceptance. */
  request_key: string | null;
  updated_at: DefaultTimestamp;
}

export interface CouponsTable {
  id: Generated<number>;
  /** The provider. */
  organization_id: number;
  code: string;
  discount_type: DiscountType;
  discount_value: number;
  description: string | null;
  created_at: CreatedAt;
  ends_at: Timestamp | null;
  /** Uses left; null is unlimited. */
  nb_attempts: number | null;
  plan_id: number | null;
  is_active: Generated<boolean>;
}

export interface CartItemsTable {
  id: Generated<number>;
  user_id: number;
  plan_id: number;
  /** 1-based index of the checkout option chosen; 0 for none yet. */
  option: Generated<number>;
  quantity: Generated<number>;
  coupon_id: number | null;
  /** Group buy: who the subscription is for. */
  full_name: string | null;
  email: string | null;
  sync_on: string | null;
  claim_code: string | null;
  created_at: CreatedAt;
  /** When it was checked out; null while in the cart. */
  recorded_at: Timestamp | null;
}

export type LedgerAccount =
  // provider side
  | 'Funds' | 'Withdraw' | 'Refund' | 'Chargeback' | 'Canceled' | 'Writeoff'
  | 'Receivable' | 'Backlog' | 'Income' | 'Offline' | 'Expenses'
  // subscriber side
  | 'Payable' | 'Liability' | 'Refunded'
  // pseudo-account of a balance settled as a line of a charge
  | 'settled';

export interface LedgerTransactionsTable {
  id: Generated<number>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  descr: Generated<string>;
  event_id: string | null;
  orig_organization_id: number;
  orig_account: LedgerAccount;
  orig_amount: number;
  orig_unit: string;
  dest_organization_id: number;
  dest_account: LedgerAccount;
  dest_amount: number;
  dest_unit: string;
}

export type ChargeState = 'created' | 'done' | 'failed' | 'disputed';

export interface ChargesTable {
  id: Generated<number>;
  processor: string;
  /** The processor's id of the charge; the charge's id in URLs. */
  processor_key: string;
  /** Who is charged (the subscriber, or the buyer of a group buy). */
  organization_id: number;
  created_by: number | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  amount: number;
  unit: string;
  state: Generated<ChargeState>;
  description: Generated<string>;
  last4: string | null;
  exp_date: string | null;
  card_name: string | null;
  failure_code: string | null;
  failure_message: string | null;
  updated_at: DefaultTimestamp;
  /** Ours, sent to the processor: a retry or the recovery after a crash finds the same charge. */
  idempotency_key: string;
  /** The one-time card token to charge; cleared once the processor has used it. */
  processor_token: string | null;
  /** Keep the card (from processor_token) as the payer's card on file. */
  remember_card: Generated<boolean>;
}

export interface ChargeItemsTable {
  id: Generated<number>;
  charge_id: number;
  /** The `num` of a refund line: 0 for the first item. */
  position: number;
  /** The order row (into Payable) this item pays. */
  invoiced_id: number;
  sync_on: string | null;
  /** What this item pays of its order row (the row may have been partly paid before). */
  amount: Generated<number>;
}

export type ChargeRefundState = 'pending' | 'done' | 'failed';

/** A refunded line of a charge: reserved, then sent to the processor, then booked (0018_ledger). */
export interface ChargeRefundsTable {
  id: Generated<number>;
  charge_id: number;
  charge_item_id: number;
  amount: number;
  state: Generated<ChargeRefundState>;
  /** The processor's id of the refund, once it answered. */
  refund_key: string | null;
  processor_fee_returned: number | null;
  failure_message: string | null;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface PaymentMethodsTable {
  organization_id: number;
  processor: string;
  customer_key: string;
  last4: string | null;
  exp_date: string | null;
  card_name: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface PayoutAccountsTable {
  organization_id: number;
  processor: string;
  account_key: string;
  bank_name: string | null;
  last4: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface IdempotencyKeysTable {
  id: Generated<number>;
  /** Whose key: the caller (user id) and the route, so two callers never share one. */
  scope: string;
  key: string;
  /** Hash of the method, path and body: the same key with another request is refused. */
  request_hash: string;
  state: Generated<'started' | 'done'>;
  status_code: number | null;
  response_body: string | null;
  response_headers: string | null;
  created_at: CreatedAt;
}

export interface ProcessorEventsTable {
  processor: string;
  event_key: string;
  kind: string;
  received_at: CreatedAt;
}

/** The built-in test processor's side of the network: its customers, charges and refunds. */
export interface TestProcessorRecordsTable {
  key: string;
  kind: 'customer' | 'charge' | 'refund';
  idempotency_key: string | null;
  data: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
}
