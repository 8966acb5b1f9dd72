// A provider's payers per period (the customers table and the sales of the funds table):
// how many paid, how many are new or churned against the same span one natural interval
// earlier, and their amounts. These are not sums, so the roll-up cannot add them up; a
// closed period's figures are kept instead (metrics_customer_periods) with how many row
// sides of the provider's Receivable account lay in its span when they were computed
// (counted from the roll-up, ./sums.ts). The ledger only grows: the same count now means
// the same rows, so the figures stand; a different count (a row booked late into the span)
// and they are computed again from the rows.
import { sql } from 'kysely';
import type { Core } from '../../context.js';
import type { PeriodType } from '../../../db/schema.js';
import type { Organization } from '../../organizations/profiles.js';
import { monthsBefore } from './periods.js';
import { sumsBefore, thresholds } from './sums.js';

export interface CustomerFigures {
  total: number;
  totalAmount: number;
  new: number;
  newAmount: number;
  churned: number;
  churnedAmount: number;
  previous: number;
}

/** The provider's shortest plan period: customers are compared with the same span that far back (monthly without plans). */
async function naturalInterval(core: Core, providerId: number): Promise<PeriodType> {
  const order: PeriodType[] = ['hourly', 'daily', 'weekly', 'monthly', 'yearly'];
  const rows = await core.db.selectFrom('plans').select('period_type').distinct().where('organization_id', '=', providerId).execute();
  if (!rows.length) return 'monthly';
  return order.find((type) => rows.some((row) => row.period_type === type)) ?? 'monthly';
}

function shiftBack(at: Date, interval: PeriodType, timeZone: string): Date {
  switch (interval) {
    case 'hourly': return new Date(at.getTime() - 3_600_000);
    case 'daily': return new Date(at.getTime() - 86_400_000);
    case 'weekly': return new Date(at.getTime() - 7 * 86_400_000);
    case 'monthly': return monthsBefore(at, 1, timeZone);
    case 'yearly': return monthsBefore(at, 12, timeZone);
  }
}

/**
 * The figures of the periods `wanted` (indexes 1..n of [dates[i-1], dates[i][), from the
 * rows: one scan from the first earlier span asked to the last end asked, each row bucketed
 * twice (its period, and the period it is the earlier span of).
 */
async function figuresFromRows(core: Core, providerId: number, dates: readonly Date[], earlier: readonly Date[], unit: string, wanted: number[]): Promise<Map<number, CustomerFigures>> {
  if (!wanted.length) return new Map();
  const from = new Date(Math.min(...wanted.map((index) => earlier[index - 1]!.getTime()))).toISOString();
  const last = new Date(Math.max(...wanted.map((index) => dates[index]!.getTime()))).toISOString();
  const periods = dates.length - 1;
  const result = await sql<{
    idx: number; total: string | number; total_amount: string | number; new_count: string | number; new_amount: string | number;
    churned_count: string | number; churned_amount: string | number; previous: string | number;
  }>`
    with scanned as (
      select t.dest_organization_id as payer, t.dest_amount as amount,
             width_bucket(t.created_at, ${thresholds(dates)}) as cur_idx,
             width_bucket(t.created_at, ${thresholds(earlier)}) as prev_idx
        from ledger_transactions t
       where t.orig_organization_id = ${providerId} and t.orig_account = 'Receivable'
         and t.created_at >= ${from}::timestamptz and t.created_at < ${last}::timestamptz
         and t.dest_account <> 'Canceled' and t.dest_unit = ${unit}
    ),
    cur as (select cur_idx as idx, payer, sum(amount) as amount from scanned where cur_idx between 1 and ${periods} group by 1, 2),
    prev as (select prev_idx as idx, payer, sum(amount) as amount from scanned where prev_idx between 1 and ${periods} group by 1, 2)
    select coalesce(cur.idx, prev.idx) as idx,
           count(cur.payer) as total,
           coalesce(sum(cur.amount), 0) as total_amount,
           count(cur.payer) filter (where prev.payer is null) as new_count,
           coalesce(sum(cur.amount) filter (where prev.payer is null), 0) as new_amount,
           count(prev.payer) filter (where cur.payer is null) as churned_count,
           coalesce(sum(prev.amount) filter (where cur.payer is null), 0) as churned_amount,
           count(prev.payer) as previous
      from cur full outer join prev on prev.idx = cur.idx and prev.payer = cur.payer
     group by 1`.execute(core.db);
  // Periods partly inside the scanned window are incomplete: only those asked are kept.
  const figures = new Map<number, CustomerFigures>();
  for (const row of result.rows) {
    const index = Number(row.idx);
    if (!wanted.includes(index)) continue;
    figures.set(index, {
      total: Number(row.total), totalAmount: Number(row.total_amount),
      new: Number(row.new_count), newAmount: Number(row.new_amount),
      churned: Number(row.churned_count), churnedAmount: Number(row.churned_amount),
      previous: Number(row.previous),
    });
  }
  return figures;
}

const NONE: CustomerFigures = { total: 0, totalAmount: 0, new: 0, newAmount: 0, churned: 0, churnedAmount: 0, previous: 0 };

/**
 * Payers of the provider's orders (rows out of its Receivable, write-offs aside) per period,
 * compared with those of the same span one natural interval earlier: new payers are absent
 * from that earlier span, churned ones absent from this one. Kept figures are used for the
 * periods whose rows are unchanged; the others are computed and, once closed, kept.
 */
export async function customerFigures(core: Core, provider: Organization, dates: readonly Date[], timeZone: string, unit: string): Promise<Map<number, CustomerFigures>> {
  const interval = await naturalInterval(core, provider.id);
  const earlier = dates.map((date) => shiftBack(date, interval, timeZone));
  const indexes = dates.slice(1).map((_, index) => index + 1);
  // Row sides of the provider's Receivable before each bound: the count in [earlier[i-1], dates[i][ by difference.
  const bounds = [...dates, ...earlier];
  const before = (await sumsBefore(core.db, { organizationId: provider.id, accounts: ['Receivable'], unit, kind: 'sides' }, bounds)).get('Receivable')!;
  const sidesIn = (index: number) => before[index]! - before[dates.length + index - 1]!;
  const key = (index: number) => ({
    starts_at: dates[index - 1]!, ends_at: dates[index]!, earlier_starts_at: earlier[index - 1]!, earlier_ends_at: earlier[index]!,
  });
  const kept = await sql<{ starts_at: Date; ends_at: Date; earlier_starts_at: Date; earlier_ends_at: Date; sides: string; total: string;
    total_amount: string; new_count: string; new_amount: string; churned_count: string; churned_amount: string; previous: string }>`
    select * from metrics_customer_periods
     where provider_id = ${provider.id} and unit = ${unit}
       and (starts_at, ends_at, earlier_starts_at, earlier_ends_at) in (${sql.join(indexes.map((index) => {
         const k = key(index);
         return sql`(${k.starts_at.toISOString()}::timestamptz, ${k.ends_at.toISOString()}::timestamptz, ${k.earlier_starts_at.toISOString()}::timestamptz, ${k.earlier_ends_at.toISOString()}::timestamptz)`;
       }))})`.execute(core.db);
  const figures = new Map<number, CustomerFigures>();
  for (const index of indexes) {
    const k = key(index);
    const row = kept.rows.find((r) => new Date(r.starts_at).getTime() === k.starts_at.getTime() && new Date(r.ends_at).getTime() === k.ends_at.getTime()
      && new Date(r.earlier_starts_at).getTime() === k.earlier_starts_at.getTime() && new Date(r.earlier_ends_at).getTime() === k.earlier_ends_at.getTime());
    if (row && Number(row.sides) === sidesIn(index)) {
      figures.set(index, {
        total: Number(row.total), totalAmount: Number(row.total_amount), new: Number(row.new_count), newAmount: Number(row.new_amount),
        churned: Number(row.churned_count), churnedAmount: Number(row.churned_amount), previous: Number(row.previous),
      });
    }
  }
  const missing = indexes.filter((index) => !figures.has(index));
  const computed = await figuresFromRows(core, provider.id, dates, earlier, unit, missing);
  // Kept: the closed periods (ended by now) but the last, whose end moves with each reading
  // of the current month. The count was read before the figures, so a row booked between
  // the two only makes the next reading compute them again.
  const now = core.now().getTime();
  // Only periods with rows are kept: an empty one costs nothing to compute, and keeping
  // them would let every reader of the figures grow the table by asking for arbitrary dates.
  const keep = missing.filter((index) => index < indexes.length && dates[index]!.getTime() <= now && sidesIn(index) > 0);
  for (const index of missing) figures.set(index, computed.get(index) ?? NONE);
  if (keep.length) {
    await sql`
      insert into metrics_customer_periods (provider_id, unit, starts_at, ends_at, earlier_starts_at, earlier_ends_at, sides,
        total, total_amount, new_count, new_amount, churned_count, churned_amount, previous)
      values ${sql.join(keep.map((index) => {
        const k = key(index);
        const f = figures.get(index)!;
        return sql`(${provider.id}, ${unit}, ${k.starts_at.toISOString()}::timestamptz, ${k.ends_at.toISOString()}::timestamptz,
          ${k.earlier_starts_at.toISOString()}::timestamptz, ${k.earlier_ends_at.toISOString()}::timestamptz, ${sidesIn(index)},
          ${f.total}, ${f.totalAmount}, ${f.new}, ${f.newAmount}, ${f.churned}, ${f.churnedAmount}, ${f.previous})`;
      }))}
      on conflict (provider_id, unit, starts_at, ends_at, earlier_starts_at, earlier_ends_at) do update set
        sides = excluded.sides, total = excluded.total, total_amount = excluded.total_amount, new_count = excluded.new_count,
        new_amount = excluded.new_amount, churned_count = excluded.churned_count, churned_amount = excluded.churned_amount,
        previous = excluded.previous, computed_at = now()`.execute(core.db);
  }
  return figures;
}

/** Kept figures are recomputed after this long, so the table holds only what is read lately. */
export const CUSTOMER_FIGURES_RETENTION_DAYS = 31;

/**
 * Part of the daily `prune-records` job: forgets customer figures kept longer than
 * CUSTOMER_FIGURES_RETENTION_DAYS. They are a cache of what the ledger says (checked by row
 * count on every read), so the next read of such a period computes and keeps it again.
 */
export async function pruneCustomerFigures(core: Core): Promise<number> {
  const before = new Date(core.now().getTime() - CUSTOMER_FIGURES_RETENTION_DAYS * 86_400_000);
  const result = await sql`delete from metrics_customer_periods where computed_at < ${before}`.execute(core.db);
  return Number(result.numAffectedRows ?? 0);
}
