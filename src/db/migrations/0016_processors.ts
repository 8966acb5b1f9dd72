// Processors: what a charge needs to be executed after its unit of work commits, and the
// built-in test processor's own records.
import { sql, type Kysely } from 'kysely';

const up = [
  // A charge is created in the checkout's unit and executed after it commits, possibly by
  // the recovery job after a crash: the key sent to the processor (so a retry finds the
  // same charge), the one-time card token and whether to keep the card travel with it.
  // The token is cleared once the processor has used it.
  `alter table charges add column idempotency_key text`,
  `update charges set idempotency_key = 'charge_' || id where idempotency_key is null`,
  `alter table charges alter column idempotency_key set not null`,
  `create unique index charges_idempotency_key on charges (idempotency_key)`,
  `alter table charges add column processor_token text`,
  `alter table charges add column remember_card boolean not null default false`,
  `create index charges_created_idx on charges (id) where state = 'created'`,
  // What each item of a charge pays of its order row: a row may be partly paid already.
  `alter table charge_items add column amount bigint not null default 0 check (amount >= 0)`,

  // One processor organization holds the processor's side of the ledger, whichever runs.
  `create unique index organizations_one_processor on organizations (is_processor) where is_processor`,

  // The test processor stands for the other side of the network: its customers, charges
  // and refunds are written outside any of our units of work (as a remote processor's
  // would be), so they survive a crash of ours and a restart.
  `create table test_processor_records (
    key text primary key,
    kind text not null check (kind in ('customer', 'charge', 'refund')),
    idempotency_key text unique,
    data jsonb not null,
    created_at timestamptz not null default now()
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
