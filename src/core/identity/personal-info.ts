// Accountcentral's personal info, beyond DjaoApp's profile: first and last name, phone
// and mobile numbers with whether each was verified, date of birth and sex. Changing a
// number forgets that it was verified and any code on its way to the old one.
import type { Caller, Core } from '../context.js';
import { Invalid } from '../errors.js';
import type { UserRow, UserUpdate } from '../../db/schema.js';
import { targetUser } from './administration.js';
import { recordSecurityEvent } from './security-events.js';

export interface PersonalInfo {
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  phone: string | null;
  phoneVerified: boolean;
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
    mobile: user.mobile,
    mobileVerified: !!user.mobile && user.mobile_verified_at !== null,
    dateOfBirth: user.date_of_birth,
    sex: user.sex,
  };
}

export async function getPersonalInfo(core: Core, caller: Caller, slug: string): Promise<PersonalInfo> {
  const { user } = await targetUser(core, caller, 'user.read', slug);
  return personalInfoOf(user);
}

/** PUT replaces every field (absent optional ones become empty); PATCH changes those given. */
export async function updatePersonalInfo(
  core: Core,
  caller: Caller,
  slug: string,
  changes: PersonalInfoChanges,
  replace: boolean,
): Promise<PersonalInfo> {
  const { user, caller: actor } = await targetUser(core, caller, 'user.update', slug);
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
  for (const field of ['phone', 'mobile'] as const) {
    const value = given[field];
    if (value === undefined) continue;
    attempt(() => {
      const number = value === null || value.trim() === '' ? null : normalizePhone(field, value);
      if (number === user[field]) return;
      update[field] = number;
      update[field === 'phone' ? 'phone_verified_at' : 'mobile_verified_at'] = null;
      changedNumbers.push(field);
    });
  }
  if (given.date_of_birth !== undefined) {
    const value = given.date_of_birth;
    if (value !== null && value !== '' && !validDate(value)) errors.date_of_birth = ['Enter a date as YYYY-MM-DD.'];
    else update.date_of_birth = value || null;
  }
  if (given.sex !== undefined) update.sex = given.sex;
  if (Object.keys(errors).length) throw new Invalid(errors);

  const now = core.now();
  const updated = await core.db.transaction().execute(async (tx) => {
    const row = await tx.updateTable('users').set({ ...update, updated_at: now })
      .where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
    if (changedNumbers.length) {
      // A code sent to the previous number must not verify the new one.
      await tx.deleteFrom('phone_verifications')
        .where('user_id', '=', user.id).where('field', 'in', changedNumbers).execute();
      await recordSecurityEvent(tx, user.id, 'phone.changed', actor, now, { fields: changedNumbers });
    }
    return row;
  });
  return personalInfoOf(updated);
}
