// A provider's figures over the trailing months (balances, funds, customers, plans), each
// computed by one or two SQL statements over the ledger and the subscriptions: the rows are
// summed where they lie, never loaded. Definitions: billing-reference.md section 6 and
// docs/billing.md ("Metrics"). The periods come from ./periods.ts.
import { sql } from 'kysely';
import type { Caller, Core } from '../../context.js';
import { authorizeOrganization } from '../../access/policy.js';
import { findOrganization, type Organization } from '../../organizations/profiles.js';
import type { Ref } from '../../refs.js';
import { monthPeriods, timezoneOf } from './periods.js';
import { sumsBefore, thresholds } from './sums.js';
import { customerFigures, type CustomerFigures } from './customers.js';

/** One point of a series: the end of a period (or the instant of a balance) and its figure. */
export type Point = [Date, number];

export interface Series {
  key: string;
  values: Point[];
}

/** A table of series in one unit of money (scale 0.01) or of counts. */
export interface MetricsTable<Row extends Series = Series> {
  title: string;
  /** Minor units (cents) of `unit`; absent for counts. */
  unit?: string;
  scale?: number;
  table: Row[];
  extra?: Series[];
}

export interface MetricsQuery {
  /** The end of the last period (default now). */
  endsAt?: Date;
  /** IANA timezone the months are cut in (default the organization's, else UTC). */
  timezone?: string;
}

/** A plan's row in the plans table. */
export interface PlanSeries extends Series {
  title: string;
  isActive: boolean;
  providerSlug: string;
}

const DEFAULT_UNIT = 'usd';

/** The provider, once the caller may read its sales. */
async function readableProvider(core: Core, caller: Caller, providerRef: Ref): Promise<Organization> {
  const provider = await findOrganization(core.db, providerRef);
  await authorizeOrganization(core, caller, 'organization.sales.read', provider);
  return provider;
}

function periodsFor(core: Core, provider: Organization, query: MetricsQuery, nbMonths = 12): Date[] {
  return monthPeriods(query.endsAt ?? core.now(), timezoneOf(query.timezone, provider.default_timezone), nbMonths);
}

/**
 * The unit a provider's figures are in: that of its latest order, else of its first plan.
 * Rows in other units are left out of the sums rather than added to them.
 */
async function providerUnit(core: Core, providerId: number): Promise<string> {
  const order = await core.db.selectFrom('ledger_transactions').select('dest_unit as unit')
    .where('orig_organization_id', '=', providerId).where('orig_account', '=', 'Receivable')
    .orderBy('created_at', 'desc').limit(1).executeTakeFirst();
  if (order) return order.unit;
  const plan = await core.db.selectFrom('plans').select('unit').where('organization_id', '=', providerId)
    .orderBy('id').limit(1).executeTakeFirst();
  return plan?.unit ?? DEFAULT_UNIT;
}

/** Values per period end from sums per bucket (1..n for the periods [dates[b-1], dates[b][). */
function perPeriod(dates: readonly Date[], sums: Map<number, number>): Point[] {
  return dates.slice(1).map((end, index) => [end, sums.get(index + 1) ?? 0]);
}

/**
 * Balances: the absolute balance of the provider's Income, Backlog and Receivable accounts
 * at each date (the 13 dates of the periods): whole months from the roll-up, the rest from
 * the rows (./sums.ts).
 */
export async function balancesTable(core: Core, caller: Caller, providerRef: Ref, query: MetricsQuery = {}): Promise<MetricsTable> {
  const provider = await readableProvider(core, caller, providerRef);
  const dates = periodsFor(core, provider, query);
  const unit = await providerUnit(core, provider.id);
  const accounts = ['Income', 'Backlog', 'Receivable'] as const;
  const sums = await sumsBefore(core.db, { organizationId: provider.id, accounts, unit, kind: 'balance' }, dates);
  const table = accounts.map((account) => ({
    key: account,
    values: dates.map((date, index): Point => [date, Math.abs(sums.get(account)?.[index] ?? 0)]),
  }));
  return { title: 'Balances', unit, scale: 0.01, table };
}

function seriesOf(dates: readonly Date[], figures: Map<number, CustomerFigures>, pick: (figures: CustomerFigures) => number): Point[] {
  return dates.slice(1).map((end, index) => {
    const found = figures.get(index + 1);
    return [end, found ? pick(found) : 0];
  });
}

/** Sums per period of rows into one of the provider's accounts (optionally only from another of its accounts). */
async function inflows(core: Core, providerId: number, account: 'Receivable' | 'Refund', from: 'Backlog' | null, dates: readonly Date[], unit: string): Promise<Point[]> {
  const spec = { organizationId: providerId, accounts: [account], unit, kind: 'inflow', ...(from ? { from } : {}) } as const;
  const before = (await sumsBefore(core.db, spec, dates)).get(account) ?? [];
  return dates.slice(1).map((end, index): Point => [end, (before[index + 1] ?? 0) - (before[index] ?? 0)]);
}

/**
 * Funds: per period, Total Sales (orders booked), New Sales (from payers absent the span
 * before), Churned Sales (the span before's, from payers absent now), Payments (the
 * provider's Backlog to Receivable rows) and Refunds (rows into its Refund account).
 */
export async function fundsTable(core: Core, caller: Caller, providerRef: Ref, query: MetricsQuery = {}): Promise<MetricsTable> {
  const provider = await readableProvider(core, caller, providerRef);
  const timeZone = timezoneOf(query.timezone, provider.default_timezone);
  const dates = monthPeriods(query.endsAt ?? core.now(), timeZone);
  const unit = await providerUnit(core, provider.id);
  const figures = await customerFigures(core, provider, dates, timeZone, unit);
  const payments = await inflows(core, provider.id, 'Receivable', 'Backlog', dates, unit);
  const refunds = await inflows(core, provider.id, 'Refund', null, dates, unit);
  return {
    title: 'Amount', unit, scale: 0.01,
    table: [
      { key: 'Total Sales', values: seriesOf(dates, figures, (f) => f.totalAmount) },
      { key: 'New Sales', values: seriesOf(dates, figures, (f) => f.newAmount) },
      { key: 'Churned Sales', values: seriesOf(dates, figures, (f) => f.churnedAmount) },
      { key: 'Payments', values: payments },
      { key: 'Refunds', values: refunds },
    ],
  };
}

/**
 * Customers: per period, the number of payers, new ones, churned ones, their difference,
 * and (extra) the churned ones as a percentage of the span before's payers, to 2 decimals.
 */
export async function customersTable(core: Core, caller: Caller, providerRef: Ref, query: MetricsQuery = {}): Promise<MetricsTable> {
  const provider = await readableProvider(core, caller, providerRef);
  const timeZone = timezoneOf(query.timezone, provider.default_timezone);
  const dates = monthPeriods(query.endsAt ?? core.now(), timeZone);
  const unit = await providerUnit(core, provider.id);
  const figures = await customerFigures(core, provider, dates, timeZone, unit);
  return {
    title: 'Customers',
    table: [
      { key: 'Total # of Customers', values: seriesOf(dates, figures, (f) => f.total) },
      { key: '# of new Customers', values: seriesOf(dates, figures, (f) => f.new) },
      { key: '# of churned Customers', values: seriesOf(dates, figures, (f) => f.churned) },
      { key: 'Net New Customers', values: seriesOf(dates, figures, (f) => f.new - f.churned) },
    ],
    extra: [{
      key: '% Customer Churn',
      values: seriesOf(dates, figures, (f) => (f.previous ? Math.round((f.churned * 10_000) / f.previous) / 100 : 0)),
    }],
  };
}

/**
 * Plans: per plan of the provider (by title), its subscriptions active at each date
 * (opted in, started at or before it, ending after it); extra `churn`: per period, the
 * subscriptions to any of its plans that ended in it.
 */
export async function plansTable(core: Core, caller: Caller, providerRef: Ref, query: MetricsQuery = {}): Promise<MetricsTable<PlanSeries>> {
  const provider = await readableProvider(core, caller, providerRef);
  const timeZone = timezoneOf(query.timezone, provider.default_timezone);
  const dates = monthPeriods(query.endsAt ?? core.now(), timeZone);
  // One more month before: churn is counted per period, labelled as the active counts are.
  const churnDates = monthPeriods(query.endsAt ?? core.now(), timeZone, 13);
  const plans = await core.db.selectFrom('plans').select(['id', 'slug', 'title', 'is_active'])
    .where('organization_id', '=', provider.id).orderBy('title').orderBy('id').execute();
  const points = sql.join(dates.map((date, index) => sql`(${index}, ${date.toISOString()}::timestamptz)`));
  // The provider's subscriptions still running at the first date are read once (by the
  // plan and end index), then held against the 13 dates: not one index pass per date.
  const active = await sql<{ plan_id: number; idx: number; n: string | number }>`
    with points(idx, at) as (values ${points}),
    running as materialized (
      select s.plan_id, s.created_at, s.ends_at from subscriptions s
        join plans on plans.id = s.plan_id and plans.organization_id = ${provider.id}
       where s.grant_key is null and s.request_key is null and s.ends_at > ${dates[0]!.toISOString()}::timestamptz
    )
    select s.plan_id, p.idx, count(*) as n
      from running s join points p on s.created_at <= p.at and s.ends_at > p.at
     group by 1, 2`.execute(core.db);
  const counts = new Map(active.rows.map((row) => [`${row.plan_id}/${row.idx}`, Number(row.n)]));
  const first = churnDates[0]!.toISOString();
  const last = churnDates[churnDates.length - 1]!.toISOString();
  const churn = await sql<{ bucket: number; n: string | number }>`
    select width_bucket(s.ends_at, ${thresholds(churnDates)}) as bucket, count(*) as n
      from subscriptions s join plans on plans.id = s.plan_id and plans.organization_id = ${provider.id}
     where s.grant_key is null and s.request_key is null
       and s.ends_at >= ${first}::timestamptz and s.ends_at < ${last}::timestamptz
     group by 1`.execute(core.db);
  return {
    title: 'Active Subscribers',
    table: plans.map((plan) => ({
      key: plan.slug, title: plan.title, isActive: plan.is_active, providerSlug: provider.slug,
      values: dates.map((date, index): Point => [date, counts.get(`${plan.id}/${index}`) ?? 0]),
    })),
    extra: [{ key: 'churn', values: perPeriod(churnDates, new Map(churn.rows.map((row) => [Number(row.bucket), Number(row.n)]))) }],
  };
}
