// Counters for sending limits: how many mails or texts of one kind went to one target, or
// were asked for by one caller, in the current window (src/core/notify/send-limits.ts).
import { sql, type Kysely } from 'kysely';

export async function migrate(db: Kysely<unknown>): Promise<void> {
  await sql`create table send_limits (
    key text primary key,
    window_started_at timestamptz not null,
    count integer not null
  )`.execute(db);
  await sql`create index send_limits_window_idx on send_limits (window_started_at)`.execute(db);
}
