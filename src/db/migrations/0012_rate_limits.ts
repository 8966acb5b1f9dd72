// Request rate limits shared by every node on PostgreSQL (src/core/rate-limits.ts): one row
// per limited key (route and address) and window, counted by one atomic upsert per request.
import { sql, type Kysely } from 'kysely';

export async function migrate(db: Kysely<unknown>): Promise<void> {
  await sql`create table rate_limits (
    key text primary key,
    expires_at timestamptz not null,
    count integer not null
  )`.execute(db);
  await sql`create index rate_limits_expires_idx on rate_limits (expires_at)`.execute(db);
}
