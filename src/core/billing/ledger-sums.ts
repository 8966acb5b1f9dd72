// The ledger's monthly roll-up (ledger_month_sums, migration 0036): each ledger statement
// adds its sums per key (organization, account, other side, unit, UTC month) through a
// trigger, as rows of their own, so bookings never wait on each other for it. Folding the
// rows of closed months into one per key keeps the metrics' reads short; the sums are the
// same before and after, so folding is only a matter of speed.
import { sql } from 'kysely';
import type { Core } from '../context.js';

export interface MergeReport {
  /** Roll-up rows read and replaced. */
  folded: number;
  /** Rows written in their place (one per key). */
  kept: number;
}

/** The start of the UTC month holding `at`: months before it are closed. */
export function utcMonthStart(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/**
 * Folds the roll-up rows of the months before `before` (default: the current UTC month) into
 * one per key. One statement: what it deletes is what it re-inserts summed, so a row a
 * concurrent booking adds meanwhile is left for the next run, and two runs at once cannot
 * count a row twice (the second skips the rows the first deleted).
 */
export async function mergeLedgerMonthSums(core: Core, before: Date = utcMonthStart(core.now())): Promise<MergeReport> {
  const result = await sql<{ folded: string | number; kept: string | number }>`
    with touched as (
      select distinct organization_id, account, counter_account, counter_self, unit, month
        from ledger_month_sums where not merged and month < ${before.toISOString()}::timestamptz
    ),
    gone as (
      delete from ledger_month_sums s using touched t
       where s.organization_id = t.organization_id and s.account = t.account and s.counter_account = t.counter_account
         and s.counter_self = t.counter_self and s.unit = t.unit and s.month = t.month
      returning s.organization_id, s.account, s.counter_account, s.counter_self, s.unit, s.month, s.amount_in, s.amount_out, s.sides
    ),
    kept as (
      insert into ledger_month_sums (organization_id, account, counter_account, counter_self, unit, month, amount_in, amount_out, sides, merged)
      select organization_id, account, counter_account, counter_self, unit, month, sum(amount_in)::bigint, sum(amount_out)::bigint, sum(sides)::bigint, true
        from gone group by 1, 2, 3, 4, 5, 6
      returning 1
    )
    select (select count(*) from gone) as folded, (select count(*) from kept) as kept`.execute(core.db);
  const row = result.rows[0];
  return { folded: Number(row?.folded ?? 0), kept: Number(row?.kept ?? 0) };
}
