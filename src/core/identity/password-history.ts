// The passwords a user had: a change may not bring back the current one or one of the last
// few (PASSWORD_HISTORY_DEPTH), and the password's age gives its expiry date when
// PASSWORD_MAX_AGE_DAYS is set. The hashes are argon2id, like the current one: a stolen
// history is no easier to crack than the users table.
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { Ref } from '../refs.js';
import { Invalid } from '../errors.js';
import { targetUser } from './administration.js';
import { verifyPassword } from './passwords.js';

/** How many earlier passwords a change is checked against (the current one besides). */
export const PASSWORD_HISTORY_DEPTH = 5;

/**
 * Refuses `password` when it is the user's current password or one of their last
 * PASSWORD_HISTORY_DEPTH. Each hash is checked (argon2id, no shortcut): at most six checks.
 */
export async function refuseReusedPassword(
  db: Db,
  user: { id: number; password_hash: string | null },
  password: string,
  field: string,
): Promise<void> {
  const earlier = await db.selectFrom('password_history').select('password_hash')
    .where('user_id', '=', user.id).orderBy('replaced_at', 'desc').orderBy('id', 'desc')
    .limit(PASSWORD_HISTORY_DEPTH).execute();
  const hashes = [user.password_hash, ...earlier.map((row) => row.password_hash)].filter((h): h is string => !!h);
  for (const stored of hashes) {
    if (await verifyPassword(stored, password)) {
      throw new Invalid(field, `Choose a password you have not used before: it may not be your current password or one of your last ${PASSWORD_HISTORY_DEPTH}.`, 'password.reused');
    }
  }
}

/** Keeps the hash a change replaces, and forgets those beyond the depth (inside the change's transaction). */
export async function rememberPassword(tx: Db, userId: number, previousHash: string | null, now: Date): Promise<void> {
  if (!previousHash) return;
  await tx.insertInto('password_history').values({ user_id: userId, password_hash: previousHash, replaced_at: now }).execute();
  const kept = tx.selectFrom('password_history').select('id').where('user_id', '=', userId)
    .orderBy('replaced_at', 'desc').orderBy('id', 'desc').limit(PASSWORD_HISTORY_DEPTH);
  await tx.deleteFrom('password_history').where('user_id', '=', userId).where('id', 'not in', kept).execute();
}

/** Forgets every earlier password of a user (the account is deleted). */
export async function forgetPasswordHistory(tx: Db, userId: number): Promise<void> {
  await tx.deleteFrom('password_history').where('user_id', '=', userId).execute();
}

export interface PasswordAge {
  /** When the current password was set; null for an account without one. */
  changedAt: Date | null;
  /** When it expires (changedAt + PASSWORD_MAX_AGE_DAYS); null when passwords never expire or there is none. */
  expiresAt: Date | null;
  now: Date;
}

/** When the user's password was set and when it expires, with the service's clock. */
export async function getPasswordAge(core: Core, caller: Caller, ref: Ref): Promise<PasswordAge> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  const changedAt = user.password_hash ? (user.password_changed_at ?? user.created_at) : null;
  const days = core.config.passwordMaxAgeDays;
  return {
    changedAt,
    expiresAt: changedAt && days > 0 ? new Date(changedAt.getTime() + days * 86_400_000) : null,
    now: core.now(),
  };
}
