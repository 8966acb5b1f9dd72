// Accountcentral's administration of a user: status (active, suspended, disabled), the
// login lockout and its unlock. The broker's managers on the native surface
// (`user.administer`); Accountcentral's team routes pass `user.team.administer`, which the
// managers of the organization that owns the account have too. Every change is a security
// event on the user's account. Suspending ends every session of the user.
import type { Caller, Core, UserCaller } from '../context.js';
import type { Ref } from '../refs.js';
import { BadRequest, Conflict, Unauthenticated } from '../errors.js';
import { authorizeUser, type UserAction } from '../access/policy.js';
import type { UserRow, UserStatus } from '../../db/schema.js';
import { getUser, printableName } from './users.js';
import { recordSecurityEvent } from './security-events.js';
import { endUserSessions } from './sessions.js';
import { revokeApiKeys } from './api-keys.js';
import { clearLockout, getLockout, loginIdentifiers } from './throttle.js';

/**
 * Finds the user a request is about and checks the caller may act on it. An anonymous
 * caller is refused before the lookup, so a 404 never tells them who exists.
 */
export async function targetUser(core: Core, caller: Caller, action: UserAction, ref: Ref): Promise<{ user: UserRow; caller: UserCaller }> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const user = await getUser(core.db, ref);
  await authorizeUser(core, caller, action, { id: user.id, slug: user.slug });
  return { user, caller };
}

export interface UserStatusInfo {
  status: UserStatus;
  reason: string | null;
  suspendedAt: Date | null;
  locked: boolean;
  lockedUntil: Date | null;
  failedAttempts: number;
}

async function statusOf(core: Core, user: UserRow): Promise<UserStatusInfo> {
  const lockout = await getLockout(core.db, loginIdentifiers(user), core.now());
  return {
    status: user.status,
    reason: user.status_reason,
    suspendedAt: user.status === 'suspended' ? user.suspended_at : null,
    locked: lockout.locked,
    lockedUntil: lockout.lockedUntil,
    failedAttempts: lockout.failures,
  };
}

export async function getUserStatus(core: Core, caller: Caller, ref: Ref, action: UserAction = 'user.administer'): Promise<UserStatusInfo> {
  const { user } = await targetUser(core, caller, action, ref);
  return statusOf(core, user);
}

export async function suspendUser(
  core: Core, caller: Caller, ref: Ref, reason: string, action: UserAction = 'user.administer',
): Promise<UserStatusInfo> {
  const { user, caller: admin } = await targetUser(core, caller, action, ref);
  if (user.id === admin.userId) throw new BadRequest('You cannot suspend your own account.', 'user.suspend_self');
  const text = reason.trim();
  if (!text) throw new BadRequest('A reason is required.', 'reason.required');
  const now = core.now();
  const updated = await core.transact(async (tx) => {
    // The status condition in the update makes two concurrent suspensions record one event.
    const row = await tx.updateTable('users')
      .set({ status: 'suspended', status_reason: text, suspended_at: now, updated_at: now })
      .where('id', '=', user.id).where('status', '!=', 'suspended')
      .returningAll().executeTakeFirst();
    if (!row) throw new Conflict('This account is already suspended.', 'user.already_suspended');
    // Ended, not just refused while suspended: reactivation must not bring old tokens or
    // API keys back (a suspension is often a response to a compromise).
    const ended = await endUserSessions(tx, user.id, 'suspended', now);
    const keysRevoked = await revokeApiKeys(tx, user.id, now);
    await recordSecurityEvent(tx, user.id, 'account.suspended', admin, now,
      { by: admin.username, reason: text, sessions_ended: ended, api_keys_revoked: keysRevoked });
    if (row.email) {
      await core.mailer.enqueue(tx, {
        to: row.email,
        template: 'account_suspended',
        context: {
          full_name: printableName(row),
          username: row.slug,
          at: now.toISOString(),
          reason: text,
          site: core.config.brokerName,
          site_url: core.links.site(),
        },
      });
    }
    return row;
  });
  return statusOf(core, updated);
}

export async function reactivateUser(core: Core, caller: Caller, ref: Ref, action: UserAction = 'user.administer'): Promise<UserStatusInfo> {
  const { user, caller: admin } = await targetUser(core, caller, action, ref);
  const now = core.now();
  const updated = await core.transact(async (tx) => {
    const row = await tx.updateTable('users')
      .set({ status: 'active', status_reason: null, suspended_at: null, updated_at: now })
      .where('id', '=', user.id).where('status', '!=', 'active')
      .returningAll().executeTakeFirst();
    if (!row) throw new Conflict('This account is already active.', 'user.already_active');
    await recordSecurityEvent(tx, user.id, 'account.reactivated', admin, now, { by: admin.username, previous: user.status });
    return row;
  });
  return statusOf(core, updated);
}

/** Forgets the failed logins counted against every identifier the user logs in with. */
export async function unlockUser(core: Core, caller: Caller, ref: Ref, action: UserAction = 'user.administer'): Promise<void> {
  const { user, caller: admin } = await targetUser(core, caller, action, ref);
  const now = core.now();
  const before = await getLockout(core.db, loginIdentifiers(user), now);
  await core.transact(async (tx) => {
    await clearLockout(tx, loginIdentifiers(user));
    await recordSecurityEvent(tx, user.id, 'account.unlocked', admin, now, {
      by: admin.username,
      was_locked: before.locked,
      failed_attempts: before.failures,
    });
  });
}
