// Table types: Renewals: the daily run, renewal attempts and the notices sent (0032_renewals).
// They mirror src/db/migrations; change both together.
import type { Generated } from 'kysely';
import type { Timestamp } from './columns.js';

/** A renewals run for one moment; the next run catches up from the latest earlier one. */
export interface RenewalRunsTable {
  at: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  /** The run's report (JSON), once it finished. */
  report: string | null;
}

/** A try to charge what an organization owes: declines are counted from these. */
export interface RenewalAttemptsTable {
  id: Generated<number>;
  organization_id: number;
  attempted_at: Timestamp;
  /** The charge made; null when there was no card to charge. */
  charge_id: number | null;
  /** Why it failed without a charge (`card_absent`). */
  failure_code: string | null;
  /** When its outcome was counted (and a decline mailed); null while in flight or not yet seen. */
  handled_at: Timestamp | null;
}

export type RenewalNoticeKind =
  | 'card_expires_soon' | 'payment_method_absent' | 'subscription_upgrade' | 'expires_soon' | 'renewal_charge_failed';

/** A notice sent, keyed by what it is about, so that it goes once. */
export interface RenewalNoticesTable {
  kind: RenewalNoticeKind;
  /** `org_<id>/<ends_at>`, `sub_<id>/<ends_at>` or `att_<id>/` (a renewal attempt). */
  subject_key: string;
  organization_id: number;
  sent_at: Timestamp;
}

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface RenewalsTables {
  renewal_runs: RenewalRunsTable;
  renewal_attempts: RenewalAttemptsTable;
  renewal_notices: RenewalNoticesTable;
}
