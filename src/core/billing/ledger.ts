// The double-entry ledger: every event of billing (order, charge, payment, fee, refund,
// chargeback, offline payment, write-off, payout, income recognition) is booked here as
// rows that each move an amount from an origin (organization, account) to a destination.
// Rows are only ever added (the database refuses updates and deletes). Which rows each
// event writes: ../../../../shared/design/billing-reference.md, section 1, and
// docs/billing.md.
import { sql } from 'kysely';
import type { Core } from '../context.js';
import type { LedgerAccount } from '../../db/schema.js';
import { Invalid } from '../errors.js';

export type { LedgerAccount } from '../../db/schema.js';

/** One row to book. Amounts are minor units, never negative; both sides in one unit unless converted. */
export interface LedgerRow {
  createdAt?: Date;
  descr: string;
  eventId: string | null;
  orig: { organizationId: number; account: LedgerAccount; amount: number; unit: string };
  dest: { organizationId: number; account: LedgerAccount; amount: number; unit: string };
}

/** A row moving `amount` of one unit from `orig` to `dest`: the common case. */
export function move(
  amount: number,
  unit: string,
  orig: { organizationId: number; account: LedgerAccount },
  dest: { organizationId: number; account: LedgerAccount },
  descr: string,
  eventId: string | null,
  createdAt?: Date,
): LedgerRow {
  return { descr, eventId, createdAt, orig: { ...orig, amount, unit }, dest: { ...dest, amount, unit } };
}

/**
 * Books rows and returns their ids, in order. Joins the caller's unit of work: an event's
 * rows and the state they belong with (a charge's state, a subscription's end) commit
 * together or not at all.
 */
export async function book(core: Core, rows: LedgerRow[]): Promise<number[]> {
  if (!rows.length) return [];
  for (const row of rows) {
    for (const side of [row.orig, row.dest]) {
      if (!Number.isSafeInteger(side.amount) || side.amount < 0) {
        throw new Invalid('amount', 'Must be a whole number of cents, zero or more.');
      }
    }
  }
  const now = core.now();
  const inserted = await core.db.insertInto('ledger_transactions').values(rows.map((row) => ({
    created_at: row.createdAt ?? now,
    descr: row.descr,
    event_id: row.eventId,
    orig_organization_id: row.orig.organizationId,
    orig_account: row.orig.account,
    orig_amount: row.orig.amount,
    orig_unit: row.orig.unit,
    dest_organization_id: row.dest.organizationId,
    dest_account: row.dest.account,
    dest_amount: row.dest.amount,
    dest_unit: row.dest.unit,
  }))).returning('id').execute();
  return inserted.map((row) => row.id);
}

export interface BalanceQuery {
  organizationId: number;
  account: LedgerAccount;
  /** Only rows created at or after. */
  since?: Date;
  /** Only rows created before. */
  before?: Date;
  /** Only rows of this event (`sub_12/`, `cha_3/0/`...). */
  eventId?: string;
}

/**
 * What an account holds: the amounts booked into it minus those booked out of it, per unit.
 * Computed by SQL, never by loading rows.
 */
export async function balances(core: Core, query: BalanceQuery): Promise<Map<string, number>> {
  const { organizationId, account, since, before, eventId } = query;
  const range = sql`${since ? sql`and created_at >= ${since}` : sql``} ${before ? sql`and created_at < ${before}` : sql``} ${eventId !== undefined ? sql`and event_id = ${eventId}` : sql``}`;
  const result = await sql<{ unit: string; amount: string | number }>`
    select unit, sum(amount) as amount from (
      select dest_unit as unit, dest_amount as amount from ledger_transactions
       where dest_organization_id = ${organizationId} and dest_account = ${account} ${range}
      union all
      select orig_unit as unit, -orig_amount as amount from ledger_transactions
       where orig_organization_id = ${organizationId} and orig_account = ${account} ${range}
    ) moves group by unit`.execute(core.db);
  return new Map(result.rows.map((row) => [row.unit, Number(row.amount)]));
}

/** The balance of an account in one unit (0 when nothing was booked in it). */
export async function balance(core: Core, query: BalanceQuery & { unit: string }): Promise<number> {
  return (await balances(core, query)).get(query.unit) ?? 0;
}
