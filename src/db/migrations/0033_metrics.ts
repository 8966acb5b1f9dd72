// Metrics: the broker's balance sheets and their editable lines, and the ledger's indexes for the reports.
// - balance_lines: the rows of a named balance sheet (`report`), each the balance of the
//   ledger accounts its `selector` names, shown in `rank` order. Ranks are 1..n per report
//   and unique; the check is deferred so a re-ordering may pass through duplicates within
//   its transaction.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  `create table balance_lines (
    id bigserial primary key,
    report text not null,
    title text not null,
    selector text not null default '',
    rank integer not null check (rank >= 1),
    created_at timestamptz not null default now(),
    constraint balance_lines_report_rank unique (report, rank) deferrable initially deferred
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
