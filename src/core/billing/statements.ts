// What the ledger says to each party: a subscriber's balance due and history, a provider's
// receivables and transfers, and the broker's whole ledger. Every figure is a sum in SQL
// over the append-only rows; nothing here is stored. The definitions are djaodjin-saas's
// (billing-reference.md, "Derived sets"); docs/billing.md says what each list holds.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { LedgerAccount } from '../../db/schema.js';
import { authorizeOrganization, authorizeSite } from '../access/policy.js';
import { findOrganization } from '../organizations/profiles.js';
import { filterList, paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import type { Ref } from '../refs.js';

/** The unit a statement shows when nothing was ever booked for it. */
export const DEFAULT_UNIT = 'usd';

/** What is still owed on one event (an order's `sub_N/`, a group buy's `cpn_...`). */
export interface BalanceDue {
  eventId: string;
  /** The subscription the event is about, when it is one (`sub_N/`). */
  subscriptionId: number | null;
  /** Who is owed: the organization the orders came from (their Receivable). */
  providerId: number;
  /** Minor units; positive when owed, negative when more was paid than ordered. */
  amount: number;
  unit: string;
  /** The latest row of the event: balances are listed oldest activity first. */
  lastActivityAt: Date;
}

/** `sub_12/` and `sub_12/3/` (a use charge) are about subscription 12. */
export function subscriptionIdOfEvent(eventId: string): number | null {
  const match = /^sub_(\d+)\//.exec(eventId);
  if (!match) return null;
  const id = Number(match[1]);
  return Number.isSafeInteger(id) && id > 0 ? id : null;
}

/**
 * The balances due of an organization, one per event and unit, non-zero only, counting
 * Per event: every order into Payable on it
 * (those of a group buyer included), minus the payments (Backlog to Receivable) and the
 * write-offs (Receivable to Canceled) booked on it. Only rows created before `until` when
 * it is given (a statement's end); all of them otherwise. Checkout lists these as lines; a
 * positive one locks its subscription.
 */
export async function balancesDue(core: Core, organizationId: number, until?: Date): Promise<BalanceDue[]> {
  // Without `until`, every row counts: one booked in this very millisecond too.
  const before = until ? sql`and created_at < ${until}` : sql``;
  const result = await sql<{ event_id: string; unit: string; amount: string | number; last_at: Date | string; provider_id: string | number }>`
    with events as (
      select distinct event_id from ledger_transactions
       where dest_organization_id = ${organizationId} and dest_account = 'Payable'
         ${before} and event_id is not null
    ), ordered as (
      select event_id, dest_unit as unit, sum(dest_amount) as amount, max(created_at) as last_at,
             min(orig_organization_id) as provider_id
        from ledger_transactions
       where dest_account = 'Payable' ${before} and event_id in (select event_id from events)
       group by event_id, dest_unit
    ), settled as (
      select event_id, dest_unit as unit, sum(dest_amount) as amount, max(created_at) as last_at
        from ledger_transactions
       where ((orig_account = 'Backlog' and dest_account = 'Receivable')
           or (orig_account = 'Receivable' and dest_account = 'Canceled'))
         ${before} and event_id in (select event_id from events)
       group by event_id, dest_unit
    )
    select o.event_id, o.unit, o.amount - coalesce(s.amount, 0) as amount,
           greatest(o.last_at, s.last_at) as last_at, o.provider_id
      from ordered o left join settled s on s.event_id = o.event_id and s.unit = o.unit
     where o.amount - coalesce(s.amount, 0) <> 0
     order by last_at, o.event_id`.execute(core.db);
  return result.rows.map((row) => ({
    eventId: row.event_id,
    subscriptionId: subscriptionIdOfEvent(row.event_id),
    providerId: Number(row.provider_id),
    amount: Number(row.amount),
    unit: row.unit,
    lastActivityAt: new Date(row.last_at),
  }));
}

/**
 * The statement balance of an organization: its balances due summed per unit. One unit is
 * what every real statement has; with several, the one with the most recent activity is
 * shown (a statement cannot add dollars and euros).
 */
export async function statementBalance(core: Core, organizationId: number, until?: Date): Promise<{ amount: number; unit: string }> {
  const dues = await balancesDue(core, organizationId, until);
  const totals = new Map<string, number>();
  for (const due of dues) totals.set(due.unit, (totals.get(due.unit) ?? 0) + due.amount);
  const latest = [...dues].reverse().find((due) => totals.get(due.unit) !== 0);
  if (!latest) return { amount: 0, unit: dues.at(-1)?.unit ?? DEFAULT_UNIT };
  return { amount: totals.get(latest.unit)!, unit: latest.unit };
}

/** `GET /api/billing/{organization}/balance/`: for those who may read its billing. */
export async function getStatementBalance(core: Core, caller: Caller, ref: Ref): Promise<{ amount: number; unit: string }> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.read', organization);
  return statementBalance(core, organization.id);
}

/** A ledger row as statements show it: both sides with their organization's slug. */
export interface StatementRow {
  id: number;
  created_at: Date;
  descr: string;
  event_id: string | null;
  orig_organization_id: number;
  orig_organization: string;
  orig_account: LedgerAccount;
  orig_amount: number;
  orig_unit: string;
  dest_organization_id: number;
  dest_organization: string;
  dest_account: LedgerAccount;
  dest_amount: number;
  dest_unit: string;
}

/** Ordering, search and dates of every list of ledger rows (DjaoApp's field names). */
export const TRANSACTION_LIST: ListSpec = {
  orderable: {
    description: 'lt.descr',
    amount: 'lt.dest_amount',
    dest_organization: 'dest.slug',
    dest_account: 'lt.dest_account',
    orig_organization: 'orig.slug',
    orig_account: 'lt.orig_account',
    created_at: 'lt.created_at',
    // The seed's own examples order by `date`.
    date: 'lt.created_at',
  },
  searchable: ['lt.descr', 'orig.full_name', 'dest.full_name', 'orig.slug', 'dest.slug'],
  dateColumn: 'lt.created_at',
  defaultOrder: ['created_at'],
  tieBreaker: 'lt.id',
};

function selectRows(core: Core) {
  return core.db.selectFrom('ledger_transactions as lt')
    .innerJoin('organizations as orig', 'orig.id', 'lt.orig_organization_id')
    .innerJoin('organizations as dest', 'dest.id', 'lt.dest_organization_id')
    .select([
      'lt.id', 'lt.created_at', 'lt.descr', 'lt.event_id',
      'lt.orig_organization_id', 'orig.slug as orig_organization', 'lt.orig_account', 'lt.orig_amount', 'lt.orig_unit',
      'lt.dest_organization_id', 'dest.slug as dest_organization', 'lt.dest_account', 'lt.dest_amount', 'lt.dest_unit',
    ]);
}

type RowQuery = ReturnType<typeof selectRows>;

/** Which rows a statement holds, as one condition on `lt`. */
const STATEMENTS = {
  /**
   * A subscriber's history: its orders (into Payable), what it paid (out of Liability) and
   * what was refunded to it (out of Refunded). Liability rows fed from its own Payable only
   * keep the ledger balanced, so they are left out.
   */
  history: (organizationId: number) => sql<SqlBool>`(
    ((lt.dest_organization_id = ${organizationId} and lt.dest_account in ('Payable', 'Liability'))
      or (lt.orig_organization_id = ${organizationId} and lt.orig_account in ('Liability', 'Refunded')))
    and lt.orig_account <> 'Payable')`,
  /** A provider's sales, paid or not: every row out of its Receivable, write-offs aside. */
  receivables: (organizationId: number) => sql<SqlBool>`(
    lt.orig_organization_id = ${organizationId} and lt.orig_account = 'Receivable'
    and lt.dest_account <> 'Canceled' and lt.orig_amount > 0)`,
  /** A provider's money: every row into or out of its Funds (distributions, refunds, offline payments, payouts). */
  transfers: (organizationId: number) => sql<SqlBool>`(
    (lt.orig_organization_id = ${organizationId} and lt.orig_account = 'Funds')
    or (lt.dest_organization_id = ${organizationId} and lt.dest_account = 'Funds'))`,
};

async function statementPage(core: Core, condition: ReturnType<typeof STATEMENTS.history>, list: ListQuery): Promise<Page<StatementRow>> {
  return paginate(selectRows(core).where(condition), list, TRANSACTION_LIST) as Promise<Page<StatementRow>>;
}

/** Sums per unit, the most used unit first; the default unit at 0 when there is nothing. */
async function totalOf(query: RowQuery, amount: ReturnType<typeof sql<number>>): Promise<{ amount: number; unit: string }> {
  const rows = await query.clearSelect().select([sql<string>`lt.dest_unit`.as('unit'), amount.as('total'), sql<number>`count(*)`.as('n')])
    .groupBy('lt.dest_unit').execute() as { unit: string; total: string | number | null; n: string | number }[];
  rows.sort((a, b) => Number(b.n) - Number(a.n));
  const first = rows[0];
  return first ? { amount: Number(first.total ?? 0), unit: first.unit } : { amount: 0, unit: DEFAULT_UNIT };
}

export interface Statement extends Page<StatementRow> {
  /** The organization the statement is about: a row it pays out of Funds is a debit. */
  organizationId: number | null;
  startAt: Date | null;
  endsAt: Date;
  /** History: the balance due; transactions: the net of the rows; receivables: their total. */
  amount: number;
  unit: string;
}

/** `GET /api/billing/{organization}/history/`: what the organization ordered, paid and got refunded. */
export async function subscriberHistory(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Statement> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.billing.read', organization);
  const endsAt = list.endsAt ?? core.now();
  const page = await statementPage(core, STATEMENTS.history(organization.id), list);
  const balance = await statementBalance(core, organization.id, list.endsAt);
  return { ...page, organizationId: organization.id, startAt: list.startAt ?? null, endsAt, ...balance };
}

/** `GET /api/billing/{organization}/receivables/`: the provider's sales, with their total. */
export async function providerReceivables(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Statement> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.sales.read', organization);
  const condition = STATEMENTS.receivables(organization.id);
  const page = await statementPage(core, condition, list);
  const total = await totalOf(filterList(selectRows(core).where(condition), list, TRANSACTION_LIST), sql<number>`sum(lt.orig_amount)`);
  return { ...page, organizationId: organization.id, startAt: list.startAt ?? null, endsAt: list.endsAt ?? core.now(), ...total };
}

/** `GET /api/billing/{organization}/transfers/`: the provider's money in and out. */
export async function providerTransfers(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Statement> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.sales.read', organization);
  const condition = STATEMENTS.transfers(organization.id);
  const page = await statementPage(core, condition, list);
  const net = await totalOf(filterList(selectRows(core).where(condition), list, TRANSACTION_LIST), sql<number>`sum(
    case when lt.dest_organization_id = ${organization.id} and lt.dest_account = 'Funds' then lt.dest_amount else 0 end
    - case when lt.orig_organization_id = ${organization.id} and lt.orig_account = 'Funds' then lt.orig_amount else 0 end)`);
  return { ...page, organizationId: organization.id, startAt: list.startAt ?? null, endsAt: list.endsAt ?? core.now(), ...net };
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * `GET /api/billing/transactions/`: the broker's view of the whole ledger. `selector`
 * keeps the rows touching an account whose name contains it (`Funds`, `Receivable`); the
 * balance is then what went into such accounts minus what came out.
 */
export async function ledgerTransactions(core: Core, caller: Caller, list: ListQuery, selector?: string): Promise<Statement> {
  await authorizeSite(core, caller, 'billing.ledger.read');
  const pattern = selector ? `%${escapeLike(selector)}%` : null;
  const condition = pattern
    ? sql<SqlBool>`(lt.dest_account ilike ${pattern} or lt.orig_account ilike ${pattern})`
    : sql<SqlBool>`true`;
  const page = await statementPage(core, condition, list);
  const net = await totalOf(filterList(selectRows(core).where(condition), list, TRANSACTION_LIST), pattern
    ? sql<number>`sum(case when lt.dest_account ilike ${pattern} then lt.dest_amount else 0 end
        - case when lt.orig_account ilike ${pattern} then lt.orig_amount else 0 end)`
    : sql<number>`sum(lt.dest_amount - lt.orig_amount)`);
  return { ...page, organizationId: null, startAt: list.startAt ?? null, endsAt: list.endsAt ?? core.now(), ...net };
}

/**
 * Whether a row is a debit for `organizationId`: money it sends to a Funds account (a
 * subscriber paying) or out of its own Funds (a provider refunding, paying out).
 */
export function isDebit(row: Pick<StatementRow, 'orig_organization_id' | 'orig_account' | 'dest_account'>, organizationId: number | null): boolean {
  if (organizationId === null || row.orig_organization_id !== organizationId) return false;
  return row.dest_account === 'Funds' || row.orig_account === 'Funds';
}
