// The second factor by text message, which Accountcentral calls the PIN: at login, a code
// goes by SMS to the account's phone number (login.ts). It is "activated" once a code sent to
// that number came back (the number is verified), and turned on or off by the user.
// Turning it on needs that verified number, so nobody is locked out by a code sent to a
// number they do not hold; turning it off weakens the account, so the owner proves their
// password (a stolen session alone cannot).
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { UserAction } from '../access/policy.js';
import { Invalid } from '../errors.js';
import { targetUser } from './administration.js';
import { confirmPassword } from './credentials.js';
import { recordSecurityEvent } from './security-events.js';

export interface SmsSecondFactor {
  /** The account has a phone number proven by a code: the PIN can be delivered. */
  activated: boolean;
  /** Login asks for the code sent by SMS. */
  active: boolean;
}

function stateOf(user: { phone: string | null; phone_verified_at: Date | null; phone_verification_enabled: boolean }): SmsSecondFactor {
  return { activated: !!user.phone && user.phone_verified_at !== null, active: user.phone_verification_enabled };
}

export async function getSmsSecondFactor(core: Core, caller: Caller, ref: Ref, action: UserAction = 'user.read'): Promise<SmsSecondFactor> {
  const { user } = await targetUser(core, caller, action, ref);
  return stateOf(user);
}

/**
 * Turns the SMS second factor on or off; the same state again changes nothing. The owner
 * turning it off gives their password; another who may (`action`) does not.
 */
export async function setSmsSecondFactor(
  core: Core,
  caller: Caller,
  ref: Ref,
  input: { active: boolean; password?: string },
  action: UserAction = 'user.credentials',
): Promise<SmsSecondFactor> {
  const { user, caller: actor } = await targetUser(core, caller, action, ref);
  const current = stateOf(user);
  if (input.active && !user.phone) {
    throw new Invalid('active', 'Add a phone number to the account, and verify it with the code sent to it, before turning on codes by text message.', 'phone.missing');
  }
  if (input.active && !current.activated) {
    throw new Invalid('active', 'Verify the phone number with a code sent to it before turning on codes by text message.', 'phone.not_verified');
  }
  if (input.active === current.active) return current;
  if (!input.active && actor.userId === user.id) {
    if (!input.password) throw new Invalid('password', 'Enter your password to turn off codes by text message.', 'password.required');
    await confirmPassword(core, actor, input.password);
  }
  const now = core.now();
  const updated = await core.transact(async (tx) => {
    const row = await tx.updateTable('users').set({ phone_verification_enabled: input.active, updated_at: now })
      .where('id', '=', user.id).returning(['phone', 'phone_verified_at', 'phone_verification_enabled']).executeTakeFirstOrThrow();
    await recordSecurityEvent(tx, user.id, 'otp.changed', actor, now, {
      phone_verification_enabled: input.active, ...(actor.userId === user.id ? {} : { by: actor.username }),
    });
    return row;
  });
  return stateOf(updated);
}
