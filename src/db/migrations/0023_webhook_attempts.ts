// Webhooks (get.chat): every try of a delivery, so a partner can see why its receiver did
// not take an event (the status it answered, the error, how long it took), not only the last.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table webhook_delivery_attempts (
    id bigserial primary key,
    delivery_id bigint not null references webhook_deliveries (id) on delete cascade,
    url text not null,
    attempted_at timestamptz not null,
    duration_ms integer not null,
    -- The receiver's HTTP status; null when no answer came (refused, unreachable, timed out).
    status integer,
    error text,
    -- The start of the receiver's answer, for the partner debugging its endpoint.
    response_body text
  )`,
  `create index webhook_delivery_attempts_delivery_idx on webhook_delivery_attempts (delivery_id, id)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
