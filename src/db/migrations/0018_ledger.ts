// Refunds: each refunded line of a charge is reserved before the processor is asked (so
// two refunds at once cannot both take what is left on a line), then booked once the
// processor has answered. A reservation left pending by a crash is finished by the
// recovery job with the same idempotency key: the card is refunded once.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table charge_refunds (
    id bigserial primary key,
    charge_id bigint not null references charges (id),
    charge_item_id bigint not null references charge_items (id),
    amount bigint not null check (amount > 0),
    state text not null default 'pending' check (state in ('pending', 'done', 'failed')),
    refund_key text,
    processor_fee_returned bigint check (processor_fee_returned >= 0),
    failure_message text,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create index charge_refunds_item_idx on charge_refunds (charge_item_id) where state <> 'failed'`,
  `create index charge_refunds_pending_idx on charge_refunds (id) where state = 'pending'`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
