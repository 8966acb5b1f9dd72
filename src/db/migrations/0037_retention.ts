// Indexes for the daily `prune-records` job (src/jobs/handlers.ts): each table is deleted
// from oldest first, a slice at a time, so each slice must find its rows from an index
// instead of scanning a table that may hold millions of them.
// - webhook_deliveries: finished ones only (a pending delivery is never pruned).
// - security_events: the existing index leads with the user; pruning reads by date alone.
// - one_time_tokens, oidc_store: by expiry.
// idempotency_keys already has its created_at index (0013).
import { sql, type Kysely } from 'kysely';

const up = [
  `create index webhook_deliveries_finished_idx on webhook_deliveries (created_at) where state <> 'pending'`,
  'create index security_events_created_idx on security_events (created_at)',
  'create index one_time_tokens_expires_idx on one_time_tokens (expires_at)',
  'create index oidc_store_expires_idx on oidc_store (expires_at) where expires_at is not null',
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
