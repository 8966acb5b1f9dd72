// The audit trail of a user's account: logins, failures, lockouts, password and key
// changes. Recorded in the same transaction as the change when there is one.
import type { Db } from '../../db/database.js';
import type { RequestOrigin } from '../context.js';
import type { Core } from '../context.js';
import { deleteOlderThan } from '../batches.js';

export type SecurityEventType =
  | 'login.succeeded'
  | 'login.failed'
  | 'login.locked'
  | 'account.unlocked'
  | 'account.activated'
  | 'account.suspended'
  | 'account.reactivated'
  | 'password.changed'
  | 'password.reset_requested'
  | 'password.reset'
  | 'api_key.reset'
  | 'ssh_key.changed'
  | 'otp.changed'
  | 'otp.recovery_code_used'
  | 'otp.recovery_codes_generated'
  | 'email.changed'
  | 'email.change_requested'
  | 'email.restored'
  | 'phone.changed'
  | 'phone.change_requested'
  | 'phone.verified'
  | 'phone.verification_failed'
  /** The PIN (login codes by SMS) turned off and its number's proof forgotten, by a manager. */
  | 'pin.reset'
  | 'token.refreshed'
  | 'session.ended'
  | 'session.ended_all'
  | 'logout';

export async function recordSecurityEvent(
  db: Db,
  userId: number,
  type: SecurityEventType,
  origin: RequestOrigin,
  now: Date,
  detail?: Record<string, unknown>,
): Promise<void> {
  await db.insertInto('security_events').values(securityEventRow(userId, type, origin, now, detail)).execute();
}

/** The row recordSecurityEvent inserts, for a change that makes all its records in one statement (a login). */
export function securityEventRow(userId: number, type: SecurityEventType, origin: RequestOrigin, now: Date, detail?: Record<string, unknown>) {
  return {
    user_id: userId,
    type,
    ip: origin.ip ?? null,
    user_agent: origin.userAgent?.slice(0, 300) ?? null,
    detail: detail ? JSON.stringify(detail) : null,
    created_at: now,
  };
}

/**
 * Part of the daily `prune-records` job: deletes security events older than
 * SECURITY_EVENT_RETENTION_DAYS; with 0 (the default) they are kept for ever.
 */
export async function pruneSecurityEvents(core: Core): Promise<number> {
  const days = core.config.securityEventRetentionDays;
  if (days === 0) return 0;
  const before = new Date(core.now().getTime() - days * 86_400_000);
  return deleteOlderThan(core.db, 'security_events', 'created_at', before);
}
