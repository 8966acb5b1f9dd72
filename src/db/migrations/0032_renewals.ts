// Renewals: what the daily run needs to act once per moment: the runs made (a later run
// catches up from the previous one), the tries to charge (three declines end the
// subscriptions) and the notices it sent (each one once).
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  `create table renewal_runs (
    at timestamptz primary key,
    started_at timestamptz not null,
    finished_at timestamptz,
    report text
  )`,
  // One row per try to charge what an organization owes: the charge made, or none when it
  // had no card. handled_at: its outcome was counted (and a decline mailed).
  `create table renewal_attempts (
    id serial primary key,
    organization_id integer not null references organizations (id) on delete cascade,
    attempted_at timestamptz not null,
    charge_id integer unique references charges (id) on delete cascade,
    failure_code text,
    handled_at timestamptz
  )`,
  `create index renewal_attempts_organization_idx on renewal_attempts (organization_id, attempted_at)`,
  `create index renewal_attempts_unhandled_idx on renewal_attempts (id) where handled_at is null`,
  // The key names what the notice is about (an organization or a subscription) and the end it
  // announces: the same notice for the same end is sent once, however many runs see it.
  `create table renewal_notices (
    kind text not null,
    subject_key text not null,
    organization_id integer not null references organizations (id) on delete cascade,
    sent_at timestamptz not null,
    primary key (kind, subject_key)
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
