// The ledger's monthly roll-up, so the metrics read whole months as a few sums instead of
// every row since the start:
// - ledger_month_sums: per side of a row (organization, account), the other side's account
//   and whether it is the same organization, the unit and the UTC month of created_at, the
//   amounts into and out of the account, and how many row sides were summed (a count that
//   only grows: the metrics tell by it that a closed period's rows are still those they saw). Rows are added by the trigger below in the same
//   statement as the ledger rows (so in the same unit of work, whoever writes them: a
//   back-dated row lands in its own month), one per group of a statement; nothing is ever
//   updated in place, so concurrent bookings take no lock on it. mergeLedgerMonthSums
//   (src/core/billing/ledger-sums.ts, hourly) folds the rows of each closed month into one
//   per key; `merged` marks those, and the partial index finds what is left to fold.
// - ledger_created_idx: the broker's balance sheets sum every organization's rows of the
//   open month (and of the hours a timezone puts on the other side of a month's start).
// - metrics_customer_periods: a provider's customer figures of a closed period (payers,
//   new, churned: not sums, so not from the roll-up), kept with how many row sides of its
//   Receivable account lay in the period and the span before when they were computed. The
//   ledger only grows, so the same count now means the same rows, and the figures stand.
// The backfill sums the rows already booked, one merged row per key.
import { sql, type Kysely } from 'kysely';

/** The sides of the ledger rows in `source`, grouped into the roll-up's keys. */
const sidesOf = (source: string) => `
  select organization_id, account, counter_account, counter_self, unit, month,
         sum(amount_in)::bigint as amount_in, sum(amount_out)::bigint as amount_out, count(*) as sides
    from (
      select dest_organization_id as organization_id, dest_account as account, orig_account as counter_account,
             orig_organization_id = dest_organization_id as counter_self, dest_unit as unit,
             date_trunc('month', created_at, 'UTC') as month, dest_amount as amount_in, 0::bigint as amount_out
        from ${source}
      union all
      select orig_organization_id, orig_account, dest_account, orig_organization_id = dest_organization_id, orig_unit,
             date_trunc('month', created_at, 'UTC'), 0::bigint, orig_amount
        from ${source}
    ) sides
   group by 1, 2, 3, 4, 5, 6`;

const up: string[] = [
  `create table ledger_month_sums (
    organization_id bigint not null,
    account text not null,
    counter_account text not null,
    counter_self boolean not null,
    unit text not null,
    month timestamptz not null,
    amount_in bigint not null,
    amount_out bigint not null,
    sides bigint not null,
    merged boolean not null default false
  )`,
  `create index ledger_month_sums_org_idx on ledger_month_sums (organization_id, account, month)
    include (counter_account, counter_self, unit, amount_in, amount_out, sides)`,
  `create index ledger_month_sums_account_idx on ledger_month_sums (account, month) include (unit, amount_in, amount_out)`,
  'create index ledger_month_sums_unmerged_idx on ledger_month_sums (month) where not merged',
  `create function ledger_month_sums_add() returns trigger language plpgsql as $$
  begin
    insert into ledger_month_sums (organization_id, account, counter_account, counter_self, unit, month, amount_in, amount_out, sides)
    ${sidesOf('added')};
    return null;
  end
  $$`,
  `create trigger ledger_month_sums_on_insert after insert on ledger_transactions
    referencing new table as added for each statement execute function ledger_month_sums_add()`,
  `insert into ledger_month_sums (organization_id, account, counter_account, counter_self, unit, month, amount_in, amount_out, sides, merged)
    select *, true from (${sidesOf('ledger_transactions')}) booked`,
  'create index ledger_created_idx on ledger_transactions (created_at)',
  `create table metrics_customer_periods (
    provider_id bigint not null references organizations (id),
    unit text not null,
    starts_at timestamptz not null,
    ends_at timestamptz not null,
    earlier_starts_at timestamptz not null,
    earlier_ends_at timestamptz not null,
    sides bigint not null,
    total bigint not null,
    total_amount bigint not null,
    new_count bigint not null,
    new_amount bigint not null,
    churned_count bigint not null,
    churned_amount bigint not null,
    previous bigint not null,
    computed_at timestamptz not null default now(),
    primary key (provider_id, unit, starts_at, ends_at, earlier_starts_at, earlier_ends_at)
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
