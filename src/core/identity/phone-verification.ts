// Proving a user owns their phone or mobile number: a 6-digit code goes out by SMS and
// comes back within config.codeLifetimeSeconds. The code is a one-time token (hashed,
// single use); phone_verifications remembers which number it was sent to, so a code
// cannot verify a number changed since, and counts wrong guesses so the 10^6 codes
// cannot be tried one by one.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { BadRequest, Invalid, TooManyAttempts, codeInvalid } from '../errors.js';
import { targetUser } from './administration.js';
import { consumeOneTimeToken, issueOneTimeToken } from './one-time-tokens.js';
import { recordSecurityEvent } from './security-events.js';
import { checkSendLimit } from '../notify/send-limits.js';
import type { NumberField } from './personal-info.js';
import type { UserRow } from '../../db/schema.js';

/** Wrong codes accepted before the code is withdrawn and a new one must be asked for. */
export const MAX_CODE_ATTEMPTS = 5;
/** Least time between two texts to the same user, so the route cannot be used to spam. */
export const RESEND_INTERVAL_SECONDS = 30;

export interface CodeSent {
  to: string;
  expiresAt: Date;
}

/** Hides all but the last digits, to show where the code went without repeating the number. */
export function maskNumber(number: string): string {
  return `${number.slice(0, 3)}${'•'.repeat(Math.max(0, number.length - 5))}${number.slice(-2)}`;
}

/** The number a code for `field` goes to: a new phone number waiting for proof, else the current one. */
function numberToVerify(user: UserRow, field: NumberField): string | null {
  return field === 'phone' ? (user.pending_phone ?? user.phone) : user.mobile;
}

export async function sendPhoneCode(core: Core, caller: Caller, ref: Ref, field: NumberField): Promise<CodeSent> {
  const { user } = await targetUser(core, caller, 'user.update', ref);
  const number = numberToVerify(user, field);
  if (!number) throw new Invalid(field, 'There is no number to verify; set one first.', 'phone.missing');
  const now = core.now();
  const pending = await core.db.selectFrom('phone_verifications').select('sent_at')
    .where('user_id', '=', user.id).executeTakeFirst();
  if (pending) {
    const wait = Math.ceil(RESEND_INTERVAL_SECONDS - (now.getTime() - pending.sent_at.getTime()) / 1000);
    if (wait > 0) throw new TooManyAttempts(`A code was just sent. Ask again in ${wait} seconds.`, wait, 'code.resend_too_soon');
  }
  await checkSendLimit(core, core.db, caller, 'phone_code', `phone:${number}`);
  const issued = await core.transact(async (tx) => {
    await tx.insertInto('phone_verifications')
      .values({ user_id: user.id, field, number, sent_at: now, failures: 0 })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ field, number, sent_at: now, failures: 0 }))
      .execute();
    return issueOneTimeToken(tx, user.id, 'phone_code', core.config.codeLifetimeSeconds, now, 'code');
  });
  const minutes = Math.max(1, Math.round(core.config.codeLifetimeSeconds / 60));
  await core.sms.send(number, `Your verification code is ${issued.secret}. It expires in ${minutes} minutes.`);
  return { to: maskNumber(number), expiresAt: issued.expiresAt };
}

export async function confirmPhoneCode(core: Core, caller: Caller, ref: Ref, field: NumberField, code: string): Promise<void> {
  const { user, caller: actor } = await targetUser(core, caller, 'user.update', ref);
  const now = core.now();
  const pending = await core.db.selectFrom('phone_verifications').selectAll()
    .where('user_id', '=', user.id).executeTakeFirst();
  if (!pending || pending.field !== field || pending.number !== numberToVerify(user, field)) {
    throw new BadRequest(`No code was sent to this ${field} number; ask for one first.`, 'code.not_sent');
  }
  if (pending.failures >= MAX_CODE_ATTEMPTS) {
    throw new TooManyAttempts('Too many wrong codes. Ask for a new code.', RESEND_INTERVAL_SECONDS, 'code.too_many_failures');
  }
  const verified = await core.transact(async (tx) => {
    const owner = /^\d{6}$/.test(code) ? await consumeOneTimeToken(tx, 'phone_code', code, now, user.id) : undefined;
    if (owner !== user.id) return false;
    // A pending phone number becomes the account's (and where login codes go) only now.
    const replaced = field === 'phone' && user.pending_phone !== null && pending.number === user.pending_phone;
    await tx.updateTable('users')
      .set(field === 'mobile' ? { mobile_verified_at: now, updated_at: now }
        : replaced ? { phone: pending.number, pending_phone: null, phone_verified_at: now, updated_at: now }
          : { phone_verified_at: now, updated_at: now })
      .where('id', '=', user.id).execute();
    await tx.deleteFrom('phone_verifications').where('user_id', '=', user.id).execute();
    await recordSecurityEvent(tx, user.id, 'phone.verified', actor, now, { field });
    return true;
  });
  if (verified) return;

  // The guess is counted in its own statement, so failing requests cannot roll it back.
  const counted = await core.db.updateTable('phone_verifications')
    .set((eb) => ({ failures: eb('failures', '+', 1) }))
    .where('user_id', '=', user.id).where('field', '=', field)
    .returning('failures').executeTakeFirst();
  await recordSecurityEvent(core.db, user.id, 'phone.verification_failed', actor, now, { field });
  if (counted && counted.failures >= MAX_CODE_ATTEMPTS) {
    // Withdraw the code itself, so even the right one no longer works.
    await core.db.updateTable('one_time_tokens').set({ used_at: now })
      .where('user_id', '=', user.id).where('purpose', '=', 'phone_code').where('used_at', 'is', null).execute();
    throw new TooManyAttempts('Too many wrong codes. Ask for a new code.', RESEND_INTERVAL_SECONDS, 'code.too_many_failures');
  }
  throw codeInvalid();
}
