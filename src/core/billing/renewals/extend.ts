// Step 2 of the renewals: an auto-renewing subscription in its last day (the last period,
// for plans of hours) gets an order for one more period at the plan's current price, and
// its end moves forward one period. After that it is no longer in its last day, so a
// second run for the same moment extends nothing. A run that follows a gap (the job did
// not run for a while) catches up from the previous run's moment: one order per period
// missed, each dated when its daily run would have booked it. Without a previous run only
// the subscriptions in their last day at `at` are extended: a first run never renews
// subscriptions that lapsed long before it.
import type { Core } from '../../context.js';
import { apart, type RenewalFailure } from './failures.js';
import type { PlanRow } from '../plans.js';
import { book, move } from '../ledger.js';
import { addPlanPeriods } from '../periods.js';
import { describeBuyPeriods } from '../pricing.js';

const DAY_MS = 86_400_000;

/** More orders than this in one run for one subscription is a plan of hours left alone for years: stop there. */
const MAX_ORDERS_PER_RUN = 10_000;

/** How long before its end a subscription is renewed: a day, or its period when shorter. */
export function renewalWindow(plan: Pick<PlanRow, 'period_type' | 'period_length'>, endsAt: Date): number {
  const periodMs = addPlanPeriods(endsAt, plan, 1).getTime() - endsAt.getTime();
  return Math.min(DAY_MS, periodMs);
}

export async function extendSubscriptions(core: Core, at: Date, previousRun: Date | null, failures: RenewalFailure[] = []): Promise<{ subscriptions: number; orders: number; amount: number }> {
  // Ended after the previous run (or, without one, not yet ended) and within a day of `at`.
  const horizon = previousRun ?? at;
  // Only between a subscriber and a provider both active: a closed or suspended one is renewed by no one.
  const candidates = await core.db.selectFrom('subscriptions')
    .innerJoin('plans', 'plans.id', 'subscriptions.plan_id')
    .innerJoin('organizations as subscriber', 'subscriber.id', 'subscriptions.organization_id')
    .innerJoin('organizations as provider', 'provider.id', 'plans.organization_id')
    .select('subscriptions.id')
    .where('subscriptions.auto_renew', '=', true).where('subscriptions.grant_key', 'is', null).where('subscriptions.request_key', 'is', null)
    .where('subscriptions.created_at', '<=', at)
    .where('subscriptions.ends_at', '>', horizon).where('subscriptions.ends_at', '<=', new Date(at.getTime() + DAY_MS))
    .where('subscriber.status', '=', 'active').where('provider.status', '=', 'active')
    .orderBy('subscriptions.id').execute();
  let subscriptions = 0;
  let orders = 0;
  let amount = 0;
  for (const { id } of candidates) {
    const booked = await apart(failures, 'extend', `subscription ${id}`, () => core.transact(async (tx) => {
      // Locked and read again: a run at the same time, a cancel or a checkout may have moved it.
      const row = await tx.selectFrom('subscriptions').selectAll().where('id', '=', id).forUpdate().executeTakeFirst();
      if (!row || !row.auto_renew || row.grant_key !== null || row.request_key !== null) return [];
      const plan = await tx.selectFrom('plans').selectAll().where('id', '=', row.plan_id).executeTakeFirstOrThrow();
      let endsAt = new Date(row.ends_at);
      if (endsAt <= horizon) return [];
      const amounts: number[] = [];
      while (endsAt.getTime() - renewalWindow(plan, endsAt) <= at.getTime() && amounts.length < MAX_ORDERS_PER_RUN) {
        const next = addPlanPeriods(endsAt, plan, 1);
        // In its last day now: booked now; missed by a gap: booked when its last day began.
        const bookedAt = endsAt > at ? at
          : new Date(Math.max(endsAt.getTime() - renewalWindow(plan, endsAt), new Date(row.created_at).getTime()));
        if (!plan.is_not_priced && plan.period_amount > 0) {
          await book(core, [move(plan.period_amount, plan.unit,
            { organizationId: plan.organization_id, account: 'Receivable' }, { organizationId: row.organization_id, account: 'Payable' },
            describeBuyPeriods(plan, next, plan.period_length, {}, null), `sub_${row.id}/`, bookedAt)]);
        }
        amounts.push(plan.is_not_priced ? 0 : plan.period_amount);
        endsAt = next;
      }
      if (amounts.length) {
        await tx.updateTable('subscriptions').set({ ends_at: endsAt, updated_at: at })
          .where('id', '=', row.id).execute();
      }
      return amounts;
    }));
    if (!booked) continue;
    if (booked.length) subscriptions += 1;
    orders += booked.filter((a) => a > 0).length;
    amount += booked.reduce((sum, a) => sum + a, 0);
  }
  return { subscriptions, orders, amount };
}
