// Billing: plans and subscriptions, coupons and carts, charges on a processor, and the
// double-entry ledger they are booked in (../design/billing-reference.md). Money is
// integer minor units with a lowercase ISO 4217 unit, never floats.
import { sql, type Kysely } from 'kysely';

const up = [
  // The processor's side of the ledger (Stripe, or the built-in test processor) is an
  // organization too, as in djaodjin-saas: rows move money to and from its accounts.
  `alter table organizations add column is_processor boolean not null default false`,

  `create table plans (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    slug text not null,
    title text not null,
    description text,
    is_active boolean not null default false,
    is_not_priced boolean not null default false,
    unit text not null default 'usd' check (unit ~ '^[a-z]{3}$'),
    setup_amount bigint not null default 0 check (setup_amount >= 0),
    period_amount bigint not null default 0 check (period_amount >= 0),
    period_type text not null default 'yearly' check (period_type in ('hourly', 'daily', 'weekly', 'monthly', 'yearly')),
    period_length integer not null default 1 check (period_length >= 1),
    renewal_type text not null default 'auto-renew' check (renewal_type in ('one-time', 'auto-renew', 'repeat')),
    optin_on_request boolean not null default false,
    skip_optin_on_grant boolean not null default false,
    broker_fee_percent integer not null default 0 check (broker_fee_percent between 0 and 10000),
    advance_discounts jsonb not null default '[]',
    app_url text,
    extra text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create unique index plans_slug_key on plans (lower(slug))`,
  `create unique index plans_title_per_provider on plans (organization_id, lower(title))`,

  `create table subscriptions (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    plan_id bigint not null references plans (id),
    created_at timestamptz not null default now(),
    ends_at timestamptz not null,
    auto_renew boolean not null default false,
    description text,
    extra text,
    grant_key text,
    request_key text,
    updated_at timestamptz not null default now(),
    check (ends_at >= created_at)
  )`,
  `create index subscriptions_subscriber_idx on subscriptions (organization_id, plan_id)`,
  `create index subscriptions_plan_idx on subscriptions (plan_id, ends_at)`,
  `create unique index subscriptions_grant_key on subscriptions (grant_key) where grant_key is not null`,
  `create unique index subscriptions_request_key on subscriptions (request_key) where request_key is not null`,

  `create table coupons (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    code text not null,
    discount_type text not null check (discount_type in ('percentage', 'currency', 'period')),
    discount_value bigint not null check (discount_value >= 0),
    description text,
    created_at timestamptz not null default now(),
    ends_at timestamptz,
    nb_attempts integer check (nb_attempts >= 0),
    plan_id bigint references plans (id),
    is_active boolean not null default true
  )`,
  `create unique index coupons_code_per_provider on coupons (organization_id, lower(code))`,

  // A logged-in user's cart (an anonymous visitor's lives in a cookie until login). Once
  // checked out an item is kept, recorded, as the trace of a coupon's use.
  `create table cart_items (
    id bigserial primary key,
    user_id bigint not null references users (id),
    plan_id bigint not null references plans (id),
    option integer not null default 0 check (option >= 0),
    quantity integer not null default 1 check (quantity >= 1),
    coupon_id bigint references coupons (id),
    full_name text,
    email text,
    sync_on text,
    claim_code text,
    created_at timestamptz not null default now(),
    recorded_at timestamptz
  )`,
  `create index cart_items_user_idx on cart_items (user_id) where recorded_at is null`,
  `create index cart_items_coupon_idx on cart_items (coupon_id) where coupon_id is not null`,

  // The ledger. Each row moves an amount from an origin (organization, account) to a
  // destination; amounts are never negative. Rows are only ever added: the trigger below
  // refuses every update and delete, whoever sends it.
  `create table ledger_transactions (
    id bigserial primary key,
    created_at timestamptz not null default now(),
    descr text not null default '',
    event_id text,
    orig_organization_id bigint not null references organizations (id),
    orig_account text not null,
    orig_amount bigint not null check (orig_amount >= 0),
    orig_unit text not null check (orig_unit ~ '^[a-z]{3}$'),
    dest_organization_id bigint not null references organizations (id),
    dest_account text not null,
    dest_amount bigint not null check (dest_amount >= 0),
    dest_unit text not null check (dest_unit ~ '^[a-z]{3}$')
  )`,
  `create index ledger_orig_idx on ledger_transactions (orig_organization_id, orig_account, created_at)`,
  `create index ledger_dest_idx on ledger_transactions (dest_organization_id, dest_account, created_at)`,
  `create index ledger_event_idx on ledger_transactions (event_id)`,
  `create function ledger_append_only() returns trigger language plpgsql as $$
  begin
    raise exception 'ledger rows are append-only: % refused', tg_op using errcode = 'P0001';
  end
  $$`,
  `create trigger ledger_transactions_append_only before update or delete on ledger_transactions
    for each row execute function ledger_append_only()`,
  `create trigger ledger_transactions_no_truncate before truncate on ledger_transactions
    for each statement execute function ledger_append_only()`,

  // A charge on a processor and the ledger rows (orders) it pays, in order: item `position`
  // is the `num` a refund names.
  `create table charges (
    id bigserial primary key,
    processor text not null,
    processor_key text not null,
    organization_id bigint not null references organizations (id),
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    amount bigint not null check (amount >= 0),
    unit text not null check (unit ~ '^[a-z]{3}$'),
    state text not null default 'created' check (state in ('created', 'done', 'failed', 'disputed')),
    description text not null default '',
    last4 text,
    exp_date text,
    card_name text,
    failure_code text,
    failure_message text,
    updated_at timestamptz not null default now()
  )`,
  `create unique index charges_processor_key on charges (processor, processor_key)`,
  `create index charges_organization_idx on charges (organization_id, created_at)`,
  `create table charge_items (
    id bigserial primary key,
    charge_id bigint not null references charges (id),
    position integer not null check (position >= 0),
    invoiced_id bigint not null references ledger_transactions (id),
    sync_on text,
    unique (charge_id, position)
  )`,

  // The card on file of a subscriber and the payout account of a provider are kept by the
  // processor; we keep its reference and what may be shown (last 4 digits, expiry).
  `create table payment_methods (
    organization_id bigint primary key references organizations (id),
    processor text not null,
    customer_key text not null,
    last4 text,
    exp_date text,
    card_name text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create table payout_accounts (
    organization_id bigint primary key references organizations (id),
    processor text not null,
    account_key text not null,
    bank_name text,
    last4 text,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,

  // Idempotency-Key on POSTs that move money: the first request's answer, kept for replays.
  // A key belongs to one caller; the same key with another request is refused.
  `create table idempotency_keys (
    id bigserial primary key,
    scope text not null,
    key text not null,
    request_hash text not null,
    state text not null default 'started' check (state in ('started', 'done')),
    status_code integer,
    response_body text,
    response_headers text,
    created_at timestamptz not null default now(),
    unique (scope, key)
  )`,
  `create index idempotency_keys_created_idx on idempotency_keys (created_at)`,

  // Events a processor pushed (webhooks), each handled once.
  `create table processor_events (
    processor text not null,
    event_key text not null,
    kind text not null,
    received_at timestamptz not null default now(),
    primary key (processor, event_key)
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
