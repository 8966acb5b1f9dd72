// What each kind of job does. The queue (queue.ts) stores and schedules; these act, with
// the whole core at hand.
import type { Core } from '../core/context.js';
import { sendRecoveryLink } from '../core/identity/recovery.js';
import { completeRegistration, pruneExpiredRegistrations } from '../core/identity/registration.js';
import { pruneEndedSessions } from '../core/identity/sessions.js';
import { sweepSendLimits } from '../core/notify/send-limits.js';
import { sweepRateLimits } from '../core/rate-limits.js';
import { recoverCharges } from '../core/billing/charges.js';
import { recoverRefunds } from '../core/billing/refunds.js';
import { runDeployment } from '../core/provisioning/deployments.js';
import { deliverWebhook } from '../core/notify/webhooks.js';
import { fanOutNotice } from '../core/notices/notifications.js';
import { importNewsFeed } from '../core/notices/news.js';
import { runProvisioningJob } from '../core/organizations/customer-provisioning.js';
import { runRenewals } from '../core/billing/renewals/index.js';
import { pruneFinishedDeliveries } from '../core/notify/webhooks.js';
import { pruneSecurityEvents } from '../core/identity/security-events.js';
import { pruneExpiredTokens } from '../core/identity/one-time-tokens.js';
import { pruneIdempotencyKeys } from '../core/billing/idempotency.js';
import { pruneExpired as pruneExpiredOidcRows } from '../core/oauth2/adapter.js';
import { pruneCustomerFigures } from '../core/billing/metrics/customers.js';
import { mergeLedgerMonthSums } from '../core/billing/ledger-sums.js';
import type { JobHandlers } from './queue.js';

export function jobHandlers(core: Core): JobHandlers {
  return {
    'password-recovery': (payload) => sendRecoveryLink(core, payload),
    'registration': (payload) => completeRegistration(core, payload),
    'mail-delivery': (payload) => core.mailer.deliver(payload.mailId),
    'erase-expired-mail': async () => { await core.mailer.eraseExpired(); },
    'prune-sessions': async () => { await pruneEndedSessions(core); },
    'prune-registrations': async () => { await pruneExpiredRegistrations(core); },
    'sweep-send-limits': async () => { await sweepSendLimits(core); },
    'sweep-rate-limits': async () => { await sweepRateLimits(core); },
    // Refunds left pending are finished by the same job: both settle what the processor did.
    'recover-charges': async () => { await recoverCharges(core); await recoverRefunds(core); },
    'deployment': (payload) => runDeployment(core, payload.deploymentId),
    'webhook-delivery': (payload) => deliverWebhook(core, payload.deliveryId),
    'notice-fanout': (payload) => fanOutNotice(core, payload.noticeId),
    'news-import': async () => { await importNewsFeed(core); },
    'customer-provisioning': (payload) => runProvisioningJob(core, payload.jobId),
    // Each table on its own: one that fails does not keep the others from being pruned; the
    // job then fails and its next turn tries again.
    'prune-records': async () => {
      const results = await Promise.allSettled([
        pruneFinishedDeliveries(core), pruneExpiredTokens(core.db, core.now()), pruneExpiredOidcRows(core),
        pruneIdempotencyKeys(core), pruneSecurityEvents(core), pruneCustomerFigures(core),
      ]);
      const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
      if (failures.length) throw new AggregateError(failures, `prune-records: ${failures.length} table(s) not pruned`);
    },
    'renewals': async () => { await runRenewals(core, core.now()); },
    'fold-ledger-sums': async () => { await mergeLedgerMonthSums(core); },
  };
}
