// Password recovery: a reset link mailed to the address on file, then a new password set
// through it. Asking for a link answers the same whether or not the address is known.
import { rememberPassword } from './password-history.js';
import { randomInt } from 'node:crypto';
import type { Caller, Core, RequestOrigin } from '../context.js';
import type { JobPayloads } from '../../jobs/queue.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { BadRequest, Forbidden, Invalid, linkInvalid } from '../errors.js';
import { refusalReason } from './authenticate.js';
import { consumeOneTimeToken, issueOneTimeToken, peekOneTimeToken } from './one-time-tokens.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { noticeCredentialChange } from './notices.js';
import { recordSecurityEvent } from './security-events.js';
import { endUserSessions, openSession } from './sessions.js';
import { revokeApiKeys } from './api-keys.js';
import { clearLockout, loginIdentifiers } from './throttle.js';
import { findUserByEmail, normalizeEmail, printableName } from './users.js';
import { checkSendLimit, nextSendAllowedAt } from '../notify/send-limits.js';

/** A recovery job runs this long after the request, drawn at random (milliseconds). */
const RECOVERY_DELAY_MS = [200, 1500] as const;

function originOf(caller: Caller): RequestOrigin {
  return { ip: caller.ip, userAgent: caller.userAgent };
}

/** The user id as Django writes it in reset links: base64url of its decimal digits. */
export function encodeUid(id: number): string {
  return Buffer.from(String(id)).toString('base64url');
}

export function decodeUid(uidb64: string): number | null {
  if (!/^[A-Za-z0-9_-]{1,24}$/.test(uidb64)) return null;
  const text = Buffer.from(uidb64, 'base64url').toString('utf8');
  return /^[1-9]\d{0,15}$/.test(text) ? Number(text) : null;
}

export function resetUrl(core: Core, userId: number, secret: string): string {
  return core.links.passwordReset(encodeUid(userId), secret);
}

/** Issues a reset link and records the mail in `tx`; it is delivered after commit. */
export async function sendPasswordResetLink(
  core: Core,
  tx: Db,
  user: Pick<UserRow, 'id' | 'slug' | 'email' | 'full_name'>,
  origin: RequestOrigin,
  template: 'password_reset' | 'registration_existing' = 'password_reset',
): Promise<void> {
  if (!user.email) return;
  const now = core.now();
  const { secret, expiresAt } = await issueOneTimeToken(tx, user.id, 'password_reset', core.config.linkLifetimeSeconds, now);
  await core.mailer.enqueue(tx, {
    to: user.email,
    template,
    context: {
      full_name: printableName(user),
      username: user.slug,
      link: resetUrl(core, user.id, secret),
      expires_at: expiresAt.toISOString(),
      site: core.config.brokerName,
      ip: origin.ip ?? 'unknown',
    },
  });
  await recordSecurityEvent(tx, user.id, 'password.reset_requested', origin, now, { via: template });
}

/**
 * Asking for a reset link does the same work whatever the address: one durable job with
 * what was submitted, then the answer. Looking the address up and writing the link happen
 * in the worker, at a random moment a little later, so neither the answer's timing nor
 * anything observable right after it (timers, the embedded database's one connection)
 * differs between a known and an unknown address.
 */
export async function recover(core: Core, caller: Caller, email: string): Promise<{ email: string }> {
  const origin = originOf(caller);
  // Counted on the address as typed, known or not: the limit protects a mailbox from a
  // flood of reset mails and tells nothing about whether an account answers to it.
  await checkSendLimit(core, core.db, caller, 'password_reset', `email:${normalizeEmail(email)}`);
  await core.jobs.enqueue('password-recovery', { email, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null },
    { delayMs: RECOVERY_DELAY_MS[0] + randomInt(RECOVERY_DELAY_MS[1] - RECOVERY_DELAY_MS[0]) });
  return { email };
}

/** The worker's half of `recover`: a link for an account with that address, nothing otherwise. */
export async function sendRecoveryLink(core: Core, request: JobPayloads['password-recovery']): Promise<void> {
  const user = await findUserByEmail(core.db, request.email);
  if (!user) return;
  const origin: RequestOrigin = { ip: request.ip ?? undefined, userAgent: request.userAgent ?? undefined };
  await core.transact((tx) => sendPasswordResetLink(core, tx, user, origin));
}

export interface PasswordReset {
  new_password: string;
  new_password2?: string;
}

/** A second factor the account asked for at login, if any. */
function hasSecondFactor(user: UserRow): boolean {
  return user.otp_enabled || user.email_verification_enabled || user.phone_verification_enabled;
}

/**
 * Sets a new password through a reset link. Someone else may have known the old password,
 * so every credential made with it ends: sessions (and their tokens), API keys and the SSH
 * key; the owner is told which. The link proves the mailbox only: an account with a second
 * factor gets no session here (`token` is null) and logs in with the new password and its
 * second factor.
 */
export async function resetPassword(
  core: Core,
  caller: Caller,
  uidb64: string,
  secret: string,
  input: PasswordReset,
  passwordField = 'new_password',
): Promise<{ token: string | null; user: UserRow }> {
  const userId = decodeUid(uidb64);
  const holder = userId === null ? undefined : await peekOneTimeToken(core.db, 'password_reset', secret, core.now());
  const user = holder === undefined || holder !== userId ? undefined : await core.db.selectFrom('users').selectAll()
    .where('id', '=', holder).where('deleted_at', 'is', null).executeTakeFirst();
  if (!user) throw linkInvalid();
  const refusal = refusalReason(user);
  if (refusal) throw new Forbidden(`${refusal.message} Contact an administrator.`, refusal.code);
  if (input.new_password2 !== undefined && input.new_password2 !== input.new_password) {
    throw new Invalid('new_password2', "The two password fields didn't match.", 'password.mismatch');
  }
  checkPasswordPolicy(input.new_password, { username: user.slug, email: user.email }, core.config.passwordMinLength, passwordField);
  const passwordHash = await hashPassword(input.new_password);

  const now = core.now();
  const origin = originOf(caller);
  const result = await core.transact(async (tx) => {
    // Consumed in the transaction that uses it, so a link works once even under races.
    if ((await consumeOneTimeToken(tx, 'password_reset', secret, now)) !== user.id) throw linkInvalid();
    // The password replaced joins the history, so a later change cannot bring it back.
    const previous = await tx.selectFrom('users').select('password_hash').where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
    await rememberPassword(tx, user.id, previous.password_hash, now);
    const row = await tx.updateTable('users').set({
      password_hash: passwordHash,
      password_changed_at: now,
      ssh_pubkey: null,
      // Only the owner of the mailbox could open the link.
      email_verified_at: user.email_verified_at ?? now,
      updated_at: now,
    }).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
    const sessionsEnded = await endUserSessions(tx, user.id, 'password_reset', now);
    const apiKeysRevoked = await revokeApiKeys(tx, user.id, now);
    const ended = { sessionsEnded, apiKeysRevoked, sshKeyRemoved: !!user.ssh_pubkey };
    await clearLockout(tx, loginIdentifiers(user));
    await recordSecurityEvent(tx, user.id, 'password.reset', origin, now,
      { sessions_ended: sessionsEnded, api_keys_revoked: apiKeysRevoked, ssh_key_removed: ended.sshKeyRemoved });
    await noticeCredentialChange(core, tx, user, 'password_changed', { by: 'you, through a reset link', ip: origin.ip, at: now }, ended);
    const token = hasSecondFactor(row) ? null : (await openSession(core, tx, row, 'reset', origin, now)).token;
    return { token, user: row };
  });
  return result;
}

export interface ResetCooldown {
  email: string;
  /** When another reset link may be asked for this address (now when it already may). */
  next_reset_password_at: Date;
}

/**
 * get.chat's cooldown: when the address may next be sent a reset link. Counted on the
 * address as typed, known or not (as `recover` counts), so it tells nothing about accounts.
 */
export async function resetCooldown(core: Core, _caller: Caller, email: string): Promise<ResetCooldown> {
  return { email, next_reset_password_at: await nextSendAllowedAt(core, 'password_reset', `email:${normalizeEmail(email)}`) };
}

/** `recover`, answered with the cooldown that follows it. */
export async function recoverWithCooldown(core: Core, caller: Caller, email: string): Promise<ResetCooldown> {
  await recover(core, caller, email);
  return resetCooldown(core, caller, email);
}

/**
 * get.chat's reset: the mailed key alone (the user id it carries is found from the key).
 * An account with a second factor is refused before the key is used: its reset would give
 * no session, and get.chat's answer is one.
 */
export async function resetPasswordWithKey(core: Core, caller: Caller, key: string, password: string): Promise<{ token: string; user: UserRow }> {
  const holder = await peekOneTimeToken(core.db, 'password_reset', key, core.now());
  if (holder === undefined) throw linkInvalid();
  const user = await core.db.selectFrom('users').selectAll().where('id', '=', holder).executeTakeFirst();
  if (user && hasSecondFactor(user)) {
    throw new BadRequest('This account logs in with a second factor: set its password through the reset link of the native API, then log in with the code.', 'password.second_factor');
  }
  const { token, user: changed } = await resetPassword(core, caller, encodeUid(holder), key, { new_password: password }, 'password');
  if (token === null) throw new BadRequest('This account logs in with a second factor: log in with the new password and the code.', 'password.second_factor');
  return { token, user: changed };
}
