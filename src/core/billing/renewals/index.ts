// The time-driven half of billing: for one moment `at`, recognize the income of the periods
// served, extend auto-renewing subscriptions in their last day, charge what is due with the
// card on file (retrying a declined card, then ending the subscriptions), settle charges in
// flight and send the expiration notices. Running it twice for the same moment does nothing
// the second time. Rules: shared/design/billing-reference.md, section 3, and docs/billing.md.
import type { Core } from '../../context.js';
import { recognizeIncome } from './recognize.js';
import { extendSubscriptions } from './extend.js';
import { sendExpirationNotices, type NoticeReport } from './notices.js';
import { chargeDue, handleOutcomes, settleInFlight, type ChargeReport, type OutcomeReport } from './charge.js';

export interface RenewalsReport {
  at: Date;
  /** Subscriptions active at `at` (the bench divides by the run's time). */
  subscriptions: number;
  /** The moment of the previous run this one caught up from (null: none before it). */
  previousRun: Date | null;
  extended: { subscriptions: number; orders: number; amount: number };
  recognized: { subscriptions: number; rows: number; amount: number };
  charged: ChargeReport;
  settled: { settled: number; pending: number; errors: number };
  outcomes: OutcomeReport;
  notices: NoticeReport;
  /** Wall time of the whole run, in milliseconds. */
  durationMs: number;
}

/** Runs every step of the renewals for the moment `at` (the daily job and `account-portal renewals --at`). */
export async function runRenewals(core: Core, at: Date): Promise<RenewalsReport> {
  if (Number.isNaN(at.getTime())) throw new RangeError('runRenewals: an invalid date');
  const started = performance.now();
  const startedAt = core.now();
  // Everything the run books or stamps is dated `at`: a run for another moment (the command's
  // --at) writes what the daily run at that moment would have written.
  const atCore: Core = { ...core, now: () => at };
  const previous = await core.db.selectFrom('renewal_runs').select('at').where('at', '<', at)
    .orderBy('at', 'desc').limit(1).executeTakeFirst();
  const previousRun = previous ? new Date(previous.at) : null;
  await core.db.insertInto('renewal_runs').values({ at, started_at: startedAt })
    .onConflict((oc) => oc.column('at').doUpdateSet({ started_at: startedAt })).execute();

  // Recognition comes last (djaodjin does it first): income is recognized from what was
  // paid, so the periods this run orders and charges (a run catching up after a gap) are
  // recognized by this same run.
  const extended = await extendSubscriptions(atCore, at, previousRun);
  const charged = await chargeDue(atCore, at);
  const settled = await settleInFlight(atCore);
  // After settling: a decline the processor tells late is counted in the same run.
  const outcomes = await handleOutcomes(atCore, at);
  const recognized = await recognizeIncome(atCore, at);
  const notices = await sendExpirationNotices(atCore, at);

  const active = await core.db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('grant_key', 'is', null).where('request_key', 'is', null).where('created_at', '<=', at).where('ends_at', '>', at)
    .executeTakeFirstOrThrow();
  const report: RenewalsReport = { at, subscriptions: Number(active.n), previousRun, extended, recognized, charged, settled, outcomes, notices, durationMs: 0 };
  report.durationMs = Math.round(performance.now() - started);
  await core.db.updateTable('renewal_runs').set({ finished_at: core.now(), report: JSON.stringify(report) }).where('at', '=', at).execute();
  return report;
}
