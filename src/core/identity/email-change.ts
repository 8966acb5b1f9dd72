// Changing the e-mail address of an account that can log in. The address is the key to the
// account (resets and activation links go there), so a stolen session or key must not be
// able to move it:
// - asking needs the password of whoever asks (the user, or the broker's manager acting for
//   them, with their own password);
// - the new address is only pending until a link mailed to it comes back; until then every
//   mail, reset and login code still goes to the current address;
// - once it is confirmed, the former address is told and gets an undo link that puts it
//   back and mails a reset link there. The undo link is not bound to the password, so
//   whoever moved the address cannot kill it by changing the password next.
// Asking answers the same whether or not the new address belongs to another account: its
// owner is told instead of being sent a link.
import type { Caller, Core, UserCaller } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { Invalid, isUniqueViolation, linkInvalid } from '../errors.js';
import { consumeOneTimeTokenHolder, issueOneTimeToken, revokeOneTimeTokens } from './one-time-tokens.js';
import { sendPasswordResetLink } from './recovery.js';
import { recordSecurityEvent } from './security-events.js';
import { endUserSessions } from './sessions.js';
import { revokeApiKeys } from './api-keys.js';
import { findUserByEmail, normalizeEmail, printableName } from './users.js';

/** How long the former address can undo a change: a week, as the careful providers do. */
export const UNDO_LIFETIME_SECONDS = 7 * 86400;

export function confirmEmailUrl(core: Core, key: string): string {
  return core.links.emailConfirm(key);
}

export function undoEmailUrl(core: Core, key: string): string {
  return core.links.emailUndo(key);
}

/**
 * Records `email` as the pending address of `user` and mails the proof to it, in `tx`.
 * Delivery starts once the unit of work commits.
 */
export async function requestEmailChange(core: Core, tx: Db, user: UserRow, actor: UserCaller, email: string): Promise<void> {
  const now = core.now();
  await tx.updateTable('users').set({ pending_email: email, updated_at: now }).where('id', '=', user.id).execute();
  await recordSecurityEvent(tx, user.id, 'email.change_requested', actor, now, actor.userId === user.id ? undefined : { by: actor.username });
  const holder = await findUserByEmail(tx, email);
  if (holder && holder.id !== user.id) {
    // No link: the address has an owner, who learns someone tried. The answer is the same.
    await core.mailer.enqueue(tx, {
      to: holder.email!,
      template: 'email_change_taken',
      context: {
        full_name: printableName(holder), username: holder.slug, ip: actor.ip ?? 'unknown', site: core.config.brokerName,
        recover_url: core.links.recover(),
      },
    });
    return;
  }
  const { secret, expiresAt } = await issueOneTimeToken(tx, user.id, 'email_change', core.config.linkLifetimeSeconds, now, {
    target: normalizeEmail(email),
  });
  await core.mailer.enqueue(tx, {
    to: email,
    template: 'email_change_verify',
    context: {
      full_name: printableName(user),
      username: user.slug,
      changed_by: actor.userId === user.id ? 'You' : actor.username,
      link: confirmEmailUrl(core, secret),
      expires_at: expiresAt.toISOString(),
      site: core.config.brokerName,
    },
  });
}

function originOf(caller: Caller) {
  return { ip: caller.ip, userAgent: caller.userAgent };
}

function addressTaken(): Invalid {
  return new Invalid('email', 'A user with this e-mail address already exists.', 'email.taken');
}

/** The link mailed to the new address: the address becomes the account's, verified. */
export async function confirmEmailChange(core: Core, caller: Caller, key: string): Promise<{ email: string }> {
  const now = core.now();
  let email: string;
  try {
    email = await core.transact(async (tx) => {
      const used = await consumeOneTimeTokenHolder(tx, 'email_change', key, now);
      const user = used && await tx.selectFrom('users').selectAll().where('id', '=', used.userId)
        .where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
      // The link is for the address asked for last: a later request (or a cancel) ends it.
      if (!used || !user || !user.pending_email || normalizeEmail(user.pending_email) !== used.target) {
        throw linkInvalid();
      }
      const other = await findUserByEmail(tx, user.pending_email);
      if (other && other.id !== user.id) throw addressTaken();
      const former = user.email;
      const row = await tx.updateTable('users').set({
        email: user.pending_email, pending_email: null, email_verified_at: now, updated_at: now,
      }).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
      await revokeOneTimeTokens(tx, user.id, 'email_change', now);
      await recordSecurityEvent(tx, user.id, 'email.changed', originOf(caller), now);
      if (former) {
        const { secret, expiresAt } = await issueOneTimeToken(tx, user.id, 'email_undo', UNDO_LIFETIME_SECONDS, now, { target: former });
        await core.mailer.enqueue(tx, {
          to: former,
          template: 'email_changed',
          context: {
            full_name: printableName(row), username: row.slug, new_email: row.email, at: now.toISOString(),
            undo_link: undoEmailUrl(core, secret), expires_at: expiresAt.toISOString(), site: core.config.brokerName,
          },
        });
      }
      return row.email!;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw addressTaken();
    throw error;
  }
  return { email };
}

/**
 * The link mailed to the former address: it becomes the account's address again, any
 * pending change is dropped, and a reset link goes there, since whoever moved the address
 * knew the password.
 */
export async function undoEmailChange(core: Core, caller: Caller, key: string): Promise<{ email: string }> {
  const now = core.now();
  let email: string;
  try {
    email = await core.transact(async (tx) => {
      const used = await consumeOneTimeTokenHolder(tx, 'email_undo', key, now);
      const user = used && await tx.selectFrom('users').selectAll().where('id', '=', used.userId)
        .where('deleted_at', 'is', null).forUpdate().executeTakeFirst();
      if (!used || !user || !used.target) throw linkInvalid();
      const other = await findUserByEmail(tx, used.target);
      if (other && other.id !== user.id) throw addressTaken();
      const row = await tx.updateTable('users').set({
        email: used.target, pending_email: null, email_verified_at: now, updated_at: now,
      }).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
      // Undo links issued after this one (for addresses that came later, perhaps the taker's)
      // die; earlier ones, which restore an address older still, stay usable.
      await revokeOneTimeTokens(tx, user.id, 'email_undo', now, used.id);
      await revokeOneTimeTokens(tx, user.id, 'email_change', now);
      // Whoever moved the address knew the password: end what they may hold now, before the
      // owner uses the reset link (which ends everything again, the SSH key included).
      const sessionsEnded = await endUserSessions(tx, user.id, 'email_restored', now);
      const apiKeysRevoked = await revokeApiKeys(tx, user.id, now);
      await recordSecurityEvent(tx, user.id, 'email.restored', originOf(caller), now,
        { sessions_ended: sessionsEnded, api_keys_revoked: apiKeysRevoked });
      await sendPasswordResetLink(core, tx, row, originOf(caller));
      return used.target;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw addressTaken();
    throw error;
  }
  return { email };
}
