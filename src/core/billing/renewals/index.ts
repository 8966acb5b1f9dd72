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
import { RenewalsIncomplete, type RenewalFailure } from './failures.js';

export { RenewalsIncomplete, type RenewalFailure } from './failures.js';

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
  /** The items a step could not handle (the others were done); the run then throws RenewalsIncomplete. */
  failures: RenewalFailure[];
  /** Wall time of the whole run, in milliseconds. */
  durationMs: number;
}

/**
 * Runs every step of the renewals for the moment `at` (the daily job and `account-portal renewals --at`).
 * An item that fails is recorded and the others are done; the run then throws RenewalsIncomplete
 * (after saving its report), so the job is retried and redoes only what is missing.
 */
export async function runRenewals(core: Core, at: Date): Promise<RenewalsReport> {
  if (Number.isNaN(at.getTime())) throw new RangeError('runRenewals: an invalid date');
  const started = performance.now();
  const startedAt = core.now();
  // Everything the run books or stamps is dated `at`: a run for another moment (the command's
  // --at) writes what the daily run at that moment would have written.
  const atCore: Core = { ...core, now: () => at };
  // Caught up from the last run that finished: one that failed part way (or crashed) may have
  // left subscriptions unextended, and extending is idempotent, so looking further back is safe.
  const previous = await core.db.selectFrom('renewal_runs').select('at').where('at', '<', at).where('finished_at', 'is not', null)
    .orderBy('at', 'desc').limit(1).executeTakeFirst();
  const previousRun = previous ? new Date(previous.at) : null;
  await core.db.insertInto('renewal_runs').values({ at, started_at: startedAt })
    .onConflict((oc) => oc.column('at').doUpdateSet({ started_at: startedAt })).execute();

  // Recognition comes last (djaodjin does it first): income is recognized from what was
  // paid, so the periods this run orders and charges (a run catching up after a gap) are
  // recognized by this same run.
  const failures: RenewalFailure[] = [];
  const extended = await extendSubscriptions(atCore, at, previousRun, failures);
  const charged = await chargeDue(atCore, at, failures);
  const settled = await settleInFlight(atCore);
  // After settling: a decline the processor tells late is counted in the same run.
  const outcomes = await handleOutcomes(atCore, at, failures);
  const recognized = await recognizeIncome(atCore, at, failures);
  const notices = await sendExpirationNotices(atCore, at, failures);

  const active = await core.db.selectFrom('subscriptions').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('grant_key', 'is', null).where('request_key', 'is', null).where('created_at', '<=', at).where('ends_at', '>', at)
    .executeTakeFirstOrThrow();
  const report: RenewalsReport = { at, subscriptions: Number(active.n), previousRun, extended, recognized, charged, settled, outcomes, notices, failures, durationMs: 0 };
  report.durationMs = Math.round(performance.now() - started);
  // A run with failures stays unfinished: it is retried, and a later run catches up from the last finished one.
  await core.db.updateTable('renewal_runs').set({ finished_at: failures.length ? null : core.now(), report: JSON.stringify(report) }).where('at', '=', at).execute();
  if (failures.length) throw new RenewalsIncomplete(failures);
  return report;
}
