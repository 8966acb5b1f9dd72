// Table types: Renewals: the daily run, renewal attempts and the notices sent (0032_renewals).
// They mirror src/db/migrations; change both together.
import type { Timestamp } from './columns.js';

/** A renewals run for one moment; the next run catches up from the latest earlier one. */
export interface RenewalRunsTable {
  at: Timestamp;
  started_at: Timestamp;
  finished_at: Timestamp | null;
  /** The run's report (JSON), once it finished. */
  report: string | null;
}

/** A charge made by a renewals run: declines are counted from these. */
export interface RenewalChargesTable {
  charge_id: number;
  organization_id: number;
  attempted_at: Timestamp;
  /** When its outcome was counted (and a decline mailed); null while in flight or not yet seen. */
  handled_at: Timestamp | null;
}

export type RenewalNoticeKind =
  | 'card_expires_soon' | 'payment_method_absent' | 'subscription_upgrade' | 'expires_soon' | 'renewal_charge_failed';

/** A notice sent, keyed by what it is about, so that it goes once. */
export interface RenewalNoticesTable {
  kind: RenewalNoticeKind;
  /** `org_<id>/<ends_at>` or `sub_<id>/<ends_at>` or `cha_<id>/`. */
  subject_key: string;
  organization_id: number;
  sent_at: Timestamp;
}

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface RenewalsTables {
  renewal_runs: RenewalRunsTable;
  renewal_charges: RenewalChargesTable;
  renewal_notices: RenewalNoticesTable;
}
