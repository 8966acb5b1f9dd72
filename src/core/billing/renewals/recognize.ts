// Step 1 of the renewals: recognize the income of the periods served. Slices are months
// counted from the subscription's start, whatever the plan's period (reference, section 3).
// Each order covers a span of the subscription (its periods, chained from created_at); by
// the end of each slice, the income recognized must reach what the orders' spans served
// up to there. What is missing is booked at the slice's end less one second, from the
// provider's Backlog (what was paid for it); a leftover under 50 cents is swept in.
// Unlike djaodjin, a period not paid is not recognized against Receivable: income taken
// from Receivable and paid later would leave Receivable above zero for good (the ledger's
// sign rules), and a period never paid (three declines) is not income. It is recognized
// at the first slice end after its payment. The target is cumulative, so a second run for
// the same moment finds nothing missing, and a run a year ahead books one row per month.
import { sql } from 'kysely';
import type { Core } from '../../context.js';
import { apart, type RenewalFailure } from './failures.js';
import type { PeriodType } from '../../../db/schema.js';
import { book, move, type LedgerRow } from '../ledger.js';
import { addPeriods } from '../periods.js';

/** Under this, what is left of a Backlog or Receivable is recognized with the slice (rounding). */
const SWEEP_BELOW = 50;

const UNITS: Record<string, PeriodType> = { hour: 'hourly', day: 'daily', week: 'weekly', month: 'monthly', year: 'yearly' };

/** The periods an order paid for, read from its description "... (12 months)"; null when it says none. */
export function orderPeriods(descr: string): { periodType: PeriodType; n: number } | null {
  const match = /\((\d+) (hour|day|week|month|year)s?\)/.exec(descr);
  if (!match) return null;
  return { periodType: UNITS[match[2]!]!, n: Number(match[1]) };
}

interface EventRow {
  id: number;
  created_at: Date;
  descr: string;
  orig_organization_id: number;
  orig_account: string;
  dest_organization_id: number;
  dest_account: string;
  amount: number;
}

export interface RecognizedSubscription {
  id: number;
  created_at: Date;
  subscriber_slug: string;
  provider_id: number;
  plan_slug: string;
  unit: string;
  period_type: PeriodType;
  period_length: number;
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** floor(amount x part / whole) without losing cents to floating point. */
function share(amount: number, part: number, whole: number): number {
  if (part <= 0 || whole <= 0) return 0;
  if (part >= whole) return amount;
  return Number((BigInt(amount) * BigInt(part)) / BigInt(whole));
}

/**
 * The rows that recognize what one subscription served up to `at`, given its ledger rows
 * (of its event, up to `at`). Pure: the caller books them.
 */
export function recognitionRows(subscription: RecognizedSubscription, rows: EventRow[], at: Date): LedgerRow[] {
  const provider = subscription.provider_id;
  const unit = subscription.unit;
  const eventId = `sub_${subscription.id}/`;
  const sorted = [...rows].sort((a, b) => a.created_at.getTime() - b.created_at.getTime() || a.id - b.id);
  // The orders' spans, chained from the subscription's start.
  const spans: Array<{ amount: number; begins: number; ends: number }> = [];
  let begins = new Date(subscription.created_at);
  for (const row of sorted) {
    if (row.orig_organization_id !== provider || row.orig_account !== 'Receivable' || row.dest_account !== 'Payable') continue;
    const periods = orderPeriods(row.descr) ?? { periodType: subscription.period_type, n: subscription.period_length };
    const ends = addPeriods(begins, periods.periodType, periods.n);
    spans.push({ amount: row.amount, begins: begins.getTime(), ends: ends.getTime() });
    begins = ends;
  }
  if (!spans.length) return [];
  const lastEnd = spans[spans.length - 1]!.ends;
  const target = (end: number) => spans.reduce((sum, span) => sum + share(span.amount, end - span.begins, span.ends - span.begins), 0);

  // What each account holds for this event: rows are added as they are booked.
  const ledger = sorted.map((row) => ({ at: row.created_at.getTime(), orig: row.orig_account, origOrg: row.orig_organization_id,
    dest: row.dest_account, destOrg: row.dest_organization_id, amount: row.amount }));
  const held = (account: string, before: number) => ledger.reduce((sum, row) => {
    if (row.at >= before) return sum;
    if (row.destOrg === provider && row.dest === account) sum += row.amount;
    if (row.origOrg === provider && row.orig === account) sum -= row.amount;
    return sum;
  }, 0);

  const booked: LedgerRow[] = [];
  const start = new Date(subscription.created_at);
  for (let k = 1; ; k += 1) {
    const sliceStart = addPeriods(start, 'monthly', k - 1);
    const sliceEnd = addPeriods(start, 'monthly', k);
    if (sliceEnd > at || sliceStart.getTime() >= lastEnd) break;
    const end = sliceEnd.getTime();
    const recognized = -held('Income', end);
    let amount = target(end) - recognized;
    if (amount <= 0) continue;
    const createdAt = new Date(end - 1000);
    const descr = `Recognize ${subscription.subscriber_slug}:${subscription.plan_slug} from ${day(sliceStart)} to ${day(new Date(end - 86_400_000))}`;
    // Backlog holds what was paid and not yet recognized (a negative balance): what the
    // payments known at `at` make available, the run's own charges included.
    const available = -held('Backlog', Number.POSITIVE_INFINITY);
    if (available <= 0) continue;
    if (available - amount > 0 && available - amount < SWEEP_BELOW) amount = available;
    const taken = Math.min(amount, available);
    booked.push(move(taken, unit, { organizationId: provider, account: 'Income' }, { organizationId: provider, account: 'Backlog' }, descr, eventId, createdAt));
    ledger.push({ at: createdAt.getTime(), orig: 'Income', origOrg: provider, dest: 'Backlog', destOrg: provider, amount: taken });
  }
  return booked;
}

/**
 * Recognizes the income of every valid subscription up to `at`. Only subscriptions whose
 * orders are not all recognized yet are read; each is done in a unit of work of its own,
 * its row locked, so two runs at once book once.
 */
export async function recognizeIncome(core: Core, at: Date, failures: RenewalFailure[] = []): Promise<{ subscriptions: number; rows: number; amount: number }> {
  const candidates = await sql<RecognizedSubscription>`
    select s.id, s.created_at, subscriber.slug as subscriber_slug, p.organization_id as provider_id, p.slug as plan_slug,
           p.unit, p.period_type, p.period_length
      from subscriptions s
      join plans p on p.id = s.plan_id
      join organizations subscriber on subscriber.id = s.organization_id
     where s.grant_key is null and s.request_key is null and s.created_at <= ${at}
       and (select coalesce(sum(o.dest_amount), 0) from ledger_transactions o
             where o.event_id = 'sub_' || s.id || '/' and o.orig_account = 'Receivable' and o.dest_account = 'Payable'
               and o.created_at <= ${at})
         > (select coalesce(sum(i.orig_amount), 0) from ledger_transactions i
             where i.event_id = 'sub_' || s.id || '/' and i.orig_account = 'Income')
     order by s.id`.execute(core.db);
  let subscriptions = 0;
  let rows = 0;
  let amount = 0;
  for (const subscription of candidates.rows) {
    const booked = await apart(failures, 'recognize', `subscription ${subscription.id}`, () => core.transact(async (tx) => {
      await tx.selectFrom('subscriptions').select('id').where('id', '=', subscription.id).forUpdate().execute();
      const eventRows = await tx.selectFrom('ledger_transactions')
        .select(['id', 'created_at', 'descr', 'orig_organization_id', 'orig_account', 'dest_organization_id', 'dest_account', 'dest_amount as amount'])
        .where('event_id', '=', `sub_${subscription.id}/`).where('dest_unit', '=', subscription.unit).where('created_at', '<=', at)
        .execute();
      const toBook = recognitionRows({ ...subscription, created_at: new Date(subscription.created_at) },
        eventRows.map((row) => ({ ...row, created_at: new Date(row.created_at), amount: Number(row.amount) })), at);
      await book(core, toBook);
      return toBook;
    }));
    if (!booked) continue;
    if (booked.length) subscriptions += 1;
    rows += booked.length;
    amount += booked.reduce((sum, row) => sum + row.orig.amount, 0);
  }
  return { subscriptions, rows, amount };
}
