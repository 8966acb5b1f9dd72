// Sums of ledger amounts up to given instants, read from the monthly roll-up
// (ledger_month_sums, migration 0036) for whole UTC months, and from the ledger's own rows
// only between each instant and the UTC month start nearest it: the open month for the
// last instant, and the hours a timezone's month start lies from UTC's. The answer is the
// same as summing every row before each instant (test/billing/metrics-rollup.test.ts).
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../../db/database.js';
import { utcMonthStart } from '../ledger-sums.js';

export interface SumsSpec {
  /** One organization's accounts, or (null) those of every organization. */
  organizationId: number | null;
  accounts: readonly string[];
  /** The unit of the amounts summed (`sides` counts in every unit). */
  unit: string;
  /**
   * What is summed: `balance`, the amounts into the accounts minus those out of them;
   * `inflow`, only the amounts into them (from `from`, an account of the same organization, when given);
   * `sides`, how many row sides touch them (in or out, in every unit): a count that only grows.
   */
  kind: 'balance' | 'inflow' | 'sides';
  from?: string;
}

/** The UTC month start an instant is read from: the nearest, but never after the last instant's month (read from rows). */
function anchorOf(at: Date, open: Date): Date {
  const floor = utcMonthStart(at);
  const next = new Date(Date.UTC(floor.getUTCFullYear(), floor.getUTCMonth() + 1, 1));
  const nearest = next.getTime() - at.getTime() < at.getTime() - floor.getTime() ? next : floor;
  return nearest.getTime() > open.getTime() ? open : nearest;
}

const iso = (at: Date) => sql`${at.toISOString()}::timestamptz`;

/** `array[...]::timestamptz[]` of the dates, for width_bucket: the bucket of a row is how many dates are at or before it. */
export function thresholds(dates: readonly Date[]): RawBuilder<unknown> {
  return sql`array[${sql.join(dates.map(iso))}]`;
}

/** The roll-up's sums per account and month before `until` (`at`: the month's start in epoch milliseconds). */
function monthSums(spec: SumsSpec, until: Date): RawBuilder<unknown> {
  const amount = { balance: sql`amount_in - amount_out`, inflow: sql`amount_in`, sides: sql`sides` }[spec.kind];
  return sql`select 'month' as source, account, (extract(epoch from month) * 1000)::bigint as at, sum(${amount}) as amount
      from ledger_month_sums
     where account in (${sql.join(spec.accounts)}) and month < ${iso(until)}
       ${spec.kind === 'sides' ? sql`` : sql`and unit = ${spec.unit}`}
       ${spec.organizationId === null ? sql`` : sql`and organization_id = ${spec.organizationId}`}
       ${spec.from === undefined ? sql`` : sql`and counter_account = ${spec.from} and counter_self`}
     group by 2, 3`;
}

/** The ledger rows' sums per account in [lo, hi[ of each range (`at`: the range's index). */
function rowSums(spec: SumsSpec, ranges: { index: number; lo: Date; hi: Date }[]): RawBuilder<unknown> {
  const org = (column: string) => (spec.organizationId === null ? sql`` : sql`and ${sql.ref(column)} = ${spec.organizationId}`);
  const parts: RawBuilder<unknown>[] = [];
  for (const { index, lo, hi } of ranges) {
    const when = sql`created_at >= ${iso(lo)} and created_at < ${iso(hi)}`;
    const counted = spec.kind === 'sides';
    parts.push(sql`select ${index}::bigint as at, dest_account as account, ${counted ? sql`1::bigint` : sql`dest_amount`} as amount from ledger_transactions
       where dest_account in (${sql.join(spec.accounts)}) ${counted ? sql`` : sql`and dest_unit = ${spec.unit}`} and ${when} ${org('dest_organization_id')}
       ${spec.from === undefined ? sql`` : sql`and orig_account = ${spec.from} and orig_organization_id = dest_organization_id`}`);
    if (spec.kind !== 'inflow') {
      parts.push(sql`select ${index}::bigint, orig_account, ${counted ? sql`1::bigint` : sql`-orig_amount`} from ledger_transactions
         where orig_account in (${sql.join(spec.accounts)}) ${counted ? sql`` : sql`and orig_unit = ${spec.unit}`} and ${when} ${org('orig_organization_id')}`);
    }
  }
  return sql`select 'rows' as source, account, at, sum(amount) as amount from (${sql.join(parts, sql` union all `)}) moves group by 2, 3`;
}

/**
 * Per account of `spec`, the sum of its amounts booked before each of `dates` (oldest first):
 * the roll-up's months before the instant's anchor, plus (or minus) the rows between the
 * anchor and the instant.
 */
export async function sumsBefore(db: Db, spec: SumsSpec, dates: readonly Date[]): Promise<Map<string, number[]>> {
  const sums = new Map<string, number[]>(spec.accounts.map((account) => [account, dates.map(() => 0)]));
  if (!dates.length || !spec.accounts.length) return sums;
  const open = utcMonthStart(new Date(Math.max(...dates.map((date) => date.getTime()))));
  const anchors = dates.map((date) => anchorOf(date, open));
  const until = new Date(Math.max(...anchors.map((anchor) => anchor.getTime())));
  const ranges = dates.flatMap((date, index) => {
    const anchor = anchors[index]!;
    if (anchor.getTime() === date.getTime()) return [];
    return [date > anchor ? { index, lo: anchor, hi: date } : { index, lo: date, hi: anchor }];
  });
  // One statement, so one snapshot: a booking committed meanwhile is in both parts or in neither.
  const result = await sql<{ source: 'month' | 'rows'; account: string; at: string | number; amount: string | number }>`
    ${monthSums(spec, until)}${ranges.length ? sql` union all ${rowSums(spec, ranges)}` : sql``}`.execute(db);
  const months = new Map<string, [number, number][]>();
  const rows = new Map<string, number>();
  for (const row of result.rows) {
    if (row.source === 'rows') {
      rows.set(`${row.account}/${row.at}`, Number(row.amount));
    } else {
      const perMonth = months.get(row.account) ?? [];
      perMonth.push([Number(row.at), Number(row.amount)]);
      months.set(row.account, perMonth);
    }
  }
  for (const account of spec.accounts) {
    const perMonth = months.get(account) ?? [];
    const values = sums.get(account)!;
    dates.forEach((date, index) => {
      const anchor = anchors[index]!.getTime();
      let total = 0;
      for (const [month, amount] of perMonth) if (month < anchor) total += amount;
      const fringe = rows.get(`${account}/${index}`) ?? 0;
      values[index] = total + (date.getTime() > anchor ? fringe : -fringe);
    });
  }
  return sums;
}
