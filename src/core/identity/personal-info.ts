// Accountcentral's personal info, beyond DjaoApp's profile: first and last name, phone
// and mobile numbers with whether each was verified, date of birth and sex. Changing a
// number forgets that it was verified and any code on its way to the old one.
//
// The phone number is where login codes go when the text-message second factor is on, so
// a stolen session must not be able to move it: a new phone number needs the password of
// whoever asks, the account's verified address is told, and the number only waits
// (pending_phone) until a code sent to it comes back; login codes keep going to the
// current number until then. The mobile number is contact data only (no code goes there
// at login), so it changes as before.
import type { Caller, Core, UserCaller } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { Invalid } from '../errors.js';
import type { UserRow, UserUpdate } from '../../db/schema.js';
import { targetUser } from './administration.js';
import { recordSecurityEvent } from './security-events.js';
import { confirmPassword } from './credentials.js';
import { maskNumber } from './phone-verification.js';
import { printableName } from './users.js';

export interface PersonalInfo {
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  phone: string | null;
  phoneVerified: boolean;
  /** A new phone number waiting for its code. */
  phonePending: string | null;
  mobile: string | null;
  mobileVerified: boolean;
  dateOfBirth: string | null;
  sex: 'M' | 'F' | null;
}

export interface PersonalInfoChanges {
  first_name?: string;
  last_name?: string;
  phone?: string | null;
  mobile?: string | null;
  date_of_birth?: string | null;
  sex?: 'M' | 'F' | null;
  /** The password of whoever asks; required to change the phone number. */
  password?: string;
}

export type NumberField = 'phone' | 'mobile';

/** Accepts the usual separators people type, stores E.164: '+' and 8 to 15 digits. */
export function normalizePhone(field: string, value: string): string {
  const compact = value.replace(/[\s().-]/g, '');
  if (!/^\+[1-9]\d{7,14}$/.test(compact)) {
    throw new Invalid(field, 'Enter a phone number in international format: + then 8 to 15 digits.');
  }
  return compact;
}

function validDate(value: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value)) return false;
  const date = new Date(`${value}T00:00:00Z`);
  return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
}

export function personalInfoOf(user: UserRow): PersonalInfo {
  // Users created through DjaoApp only have a full name: split it until names are set.
  let firstName = user.first_name;
  let lastName = user.last_name;
  if (firstName === null && lastName === null) {
    const full = user.full_name.trim();
    const space = full.indexOf(' ');
    firstName = space < 0 ? full : full.slice(0, space);
    lastName = space < 0 ? '' : full.slice(space + 1).trim();
  }
  return {
    username: user.slug,
    email: user.email,
    firstName: firstName ?? '',
    lastName: lastName ?? '',
    phone: user.phone,
    phoneVerified: !!user.phone && user.phone_verified_at !== null,
    phonePending: user.pending_phone,
    mobile: user.mobile,
    mobileVerified: !!user.mobile && user.mobile_verified_at !== null,
    dateOfBirth: user.date_of_birth,
    sex: user.sex,
  };
}

export async function getPersonalInfo(core: Core, caller: Caller, ref: Ref): Promise<PersonalInfo> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  return personalInfoOf(user);
}

/** PUT replaces every field (absent optional ones become empty); PATCH changes those given. */
export async function updatePersonalInfo(
  core: Core,
  caller: Caller,
  ref: Ref,
  changes: PersonalInfoChanges,
  replace: boolean,
): Promise<PersonalInfo> {
  const { user, caller: actor } = await targetUser(core, caller, 'user.update', ref);
  const given = replace
    ? { phone: null, mobile: null, date_of_birth: null, sex: null, ...changes }
    : changes;
  const update: UserUpdate = {};
  const errors: Record<string, string[]> = {};
  const attempt = (fn: () => void) => {
    try { fn(); } catch (error) {
      if (error instanceof Invalid) Object.assign(errors, error.fields);
      else throw error;
    }
  };
  const current = personalInfoOf(user);
  if (given.first_name !== undefined || given.last_name !== undefined) {
    const first = (given.first_name ?? current.firstName).trim();
    const last = (given.last_name ?? current.lastName).trim();
    update.first_name = first;
    update.last_name = last;
    update.full_name = [first, last].filter(Boolean).join(' ');
  }
  const changedNumbers: NumberField[] = [];
  let newPhone: string | null | undefined;
  for (const field of ['phone', 'mobile'] as const) {
    const value = given[field];
    if (value === undefined) continue;
    attempt(() => {
      const number = value === null || value.trim() === '' ? null : normalizePhone(field, value);
      if (field === 'phone') {
        // Back to the current number: a pending one is dropped, nothing else changes.
        if (number === user.phone) {
          if (user.pending_phone !== null) update.pending_phone = null;
          return;
        }
        if (number !== null && number === user.pending_phone) return;
        if (number === null && user.phone_verification_enabled) {
          throw new Invalid('phone', 'Turn off login codes by text message before removing the phone number.', 'phone.needed_for_login');
        }
        newPhone = number;
        // Removing takes effect at once; a new number waits for its code.
        if (number === null) Object.assign(update, { phone: null, phone_verified_at: null, pending_phone: null });
        else update.pending_phone = number;
        changedNumbers.push(field);
        return;
      }
      if (number === user[field]) return;
      update[field] = number;
      update.mobile_verified_at = null;
      changedNumbers.push(field);
    });
  }
  if (given.date_of_birth !== undefined) {
    const value = given.date_of_birth;
    if (value !== null && value !== '' && !validDate(value)) errors.date_of_birth = ['Enter a date as YYYY-MM-DD.'];
    else update.date_of_birth = value || null;
  }
  if (given.sex !== undefined) update.sex = given.sex;
  if (newPhone !== undefined && !changes.password) {
    errors.password = ['Enter your password to change the phone number.'];
  }
  // A missing password alone is the same situation as for an e-mail change.
  const onlyPassword = Object.keys(errors).length === 1 && errors.password;
  if (Object.keys(errors).length) throw new Invalid(errors, undefined, onlyPassword ? 'password.required' : 'field.invalid');
  if (newPhone !== undefined) await confirmPassword(core, actor, changes.password!);

  const now = core.now();
  const updated = await core.transact(async (tx) => {
    const row = await tx.updateTable('users').set({ ...update, updated_at: now })
      .where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
    if (changedNumbers.length) {
      // A code sent to the previous number must not verify the new one.
      await tx.deleteFrom('phone_verifications')
        .where('user_id', '=', user.id).where('field', 'in', changedNumbers).execute();
      const changed = changedNumbers.filter((f) => f !== 'phone' || newPhone === null);
      if (changed.length) await recordSecurityEvent(tx, user.id, 'phone.changed', actor, now, { fields: changed });
    }
    if (newPhone !== undefined) {
      if (newPhone !== null) await recordSecurityEvent(tx, user.id, 'phone.change_requested', actor, now);
      await noticePhoneChange(core, tx, row, actor, newPhone, now);
    }
    return row;
  });
  return personalInfoOf(updated);
}

/** Tells the account's verified address that its phone number is being changed or removed. */
async function noticePhoneChange(core: Core, tx: Db, user: UserRow, actor: UserCaller, number: string | null, now: Date): Promise<void> {
  if (!user.email || !user.email_verified_at) return;
  await core.mailer.enqueue(tx, {
    to: user.email,
    template: 'phone_changed',
    context: {
      full_name: printableName(user),
      username: user.slug,
      change: number === null
        ? 'The phone number was removed from your account'
        : `A new phone number (${maskNumber(number)}) was set on your account; it will receive login codes once a code sent to it is confirmed`,
      changed_by: actor.userId === user.id ? 'you' : actor.username,
      at: now.toISOString(),
      ip: actor.ip ?? 'unknown',
      site: core.config.brokerName,
      recover_url: core.links.recover(),
    },
  });
}
