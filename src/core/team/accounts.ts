// Administering one team account (Accountcentral's "user of the team"): its info and
// suspension, its lockout, a new password, its PIN (the code by text message asked at
// login) and that second factor. Changes to credentials are `user.team.administer`: the
// managers of the organization that made the account (or of a partner above it) and the
// broker's managers, never the managers of an organization the account merely joined.
// Reads are `user.read`. Status and lockout reuse identity/administration.ts; numbers are
// verified by identity/phone-verification.ts.
//
// Numbers: the number Accountcentral calls `cellPhone` (where the PIN goes by SMS) is the
// account's `phone`, the one login codes by text message go to; its `phone` (a contact
// number, never texted) is the account's `mobile`.
import { randomInt } from 'node:crypto';
import type { Caller, Core, UserCaller } from '../context.js';
import type { Ref } from '../refs.js';
import type { UserRow, UserStatus } from '../../db/schema.js';
import { BadRequest, Invalid, codeInvalid } from '../errors.js';
import { normalizeCode } from '../identity/otp.js';
import { targetUser, getUserStatus, reactivateUser, suspendUser, unlockUser } from '../identity/administration.js';
import { personalInfoOf, updatePersonalInfo, type PersonalInfoChanges } from '../identity/personal-info.js';
import { updateProfile } from '../identity/accounts.js';
import { confirmPhoneCode, sendPhoneCode, type CodeSent } from '../identity/phone-verification.js';
import { checkPasswordPolicy, hashPassword } from '../identity/passwords.js';
import { recordSecurityEvent } from '../identity/security-events.js';
import { endUserSessions } from '../identity/sessions.js';
import { rememberPassword } from '../identity/password-history.js';
import { revokeApiKeys } from '../identity/api-keys.js';
import { clearLockout, loginIdentifiers } from '../identity/throttle.js';
import { noticeCredentialChange } from '../identity/notices.js';
import { normalizeEmail, printableName } from '../identity/users.js';

const ADMINISTER = 'user.team.administer';

/** The number the PIN (login codes by SMS) goes to: the account's `phone`. */
export const PIN_NUMBER = 'phone';

export interface SuspensionInfo {
  reason: string | null;
  suspendedAt: Date | null;
  /** The username of whoever suspended the account, when recorded. */
  by: string | null;
}

export interface TeamUserInfo {
  id: number;
  username: string;
  email: string | null;
  firstName: string;
  lastName: string;
  /** The home organization's name (Accountcentral's groupName), when the account has one. */
  groupName: string | null;
  homeOrganizationId: number | null;
  /** The contact number (never texted). */
  phone: string | null;
  /** The number the PIN goes to, and whether a code proved it. */
  cellPhone: string | null;
  cellPhoneVerified: boolean;
  dateOfBirth: string | null;
  sex: 'M' | 'F' | null;
  status: UserStatus;
  userType: 'interactive' | 'application';
  suspension: SuspensionInfo | null;
}

async function suspensionOf(core: Core, user: UserRow): Promise<SuspensionInfo | null> {
  if (user.status === 'active') return null;
  const event = await core.db.selectFrom('security_events').select('detail')
    .where('user_id', '=', user.id).where('type', '=', 'account.suspended')
    .orderBy('created_at', 'desc').orderBy('id', 'desc').limit(1).executeTakeFirst();
  const detail = (typeof event?.detail === 'string' ? JSON.parse(event.detail) : event?.detail) as { by?: unknown } | null | undefined;
  return {
    reason: user.status_reason,
    suspendedAt: user.suspended_at,
    by: typeof detail?.by === 'string' ? detail.by : null,
  };
}

async function infoOf(core: Core, user: UserRow): Promise<TeamUserInfo> {
  const info = personalInfoOf(user);
  const home = user.home_organization_id === null ? undefined : await core.db.selectFrom('organizations')
    .select(['full_name', 'slug']).where('id', '=', user.home_organization_id).executeTakeFirst();
  return {
    id: user.id,
    username: info.username,
    email: info.email,
    firstName: info.firstName,
    lastName: info.lastName,
    groupName: home ? (home.full_name || home.slug) : null,
    homeOrganizationId: user.home_organization_id,
    phone: info.mobile,
    cellPhone: info.phone,
    cellPhoneVerified: info.phoneVerified,
    dateOfBirth: info.dateOfBirth,
    sex: info.sex,
    status: user.status,
    userType: user.user_type,
    suspension: await suspensionOf(core, user),
  };
}

export async function getTeamUserInfo(core: Core, caller: Caller, ref: Ref): Promise<TeamUserInfo> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  return infoOf(core, user);
}

export interface TeamUserInfoChanges {
  firstName?: string;
  lastName?: string;
  username?: string;
  email?: string;
  /** The contact number. */
  phone?: string | null;
  /** The PIN's number. */
  cellPhone?: string | null;
  dateOfBirth?: string | null;
  sex?: 'M' | 'F' | null;
  /** Read-only here: refused when they differ from the account's. */
  status?: UserStatus;
  userType?: 'interactive' | 'application';
  cellPhoneVerified?: boolean;
  groupName?: string | null;
  id?: number;
  /** The password of whoever asks: needed to change the e-mail address or the PIN's number. */
  password?: string;
}

/**
 * Changes a team user's personal info, the fields given. The username never changes; the
 * status, the type, the customer and whether the number is verified are changed by their
 * own operations, so a different value is refused, naming where it is changed. A new PIN
 * number or e-mail address waits for the code or link sent to it (identity/personal-info.ts,
 * identity/email-change.ts) and needs the password of whoever asks, checked before anything
 * is written.
 */
export async function updateTeamUserInfo(core: Core, caller: Caller, ref: Ref, changes: TeamUserInfoChanges): Promise<TeamUserInfo> {
  const { user } = await targetUser(core, caller, 'user.update', ref);
  const current = await infoOf(core, user);
  const errors: Record<string, string[]> = {};
  if (changes.username !== undefined && changes.username !== user.slug) errors.username = ['The username cannot be changed.'];
  if (changes.id !== undefined && changes.id !== user.id) errors.userPk = ['userPk names the user in the path; it cannot be changed.'];
  if (changes.status !== undefined && changes.status !== user.status) errors.status = ['Suspend or reactivate the user through its suspension operation.'];
  if (changes.userType !== undefined && changes.userType !== user.user_type) errors.userType = ['The type of a user cannot be changed.'];
  if (changes.cellPhoneVerified !== undefined && changes.cellPhoneVerified !== current.cellPhoneVerified) {
    errors.cellPhoneVerified = ['A number is verified by the code sent to it: request and verify a verification code.'];
  }
  if (changes.groupName !== undefined && changes.groupName !== current.groupName) errors.groupName = ['The customer\'s name is changed on the customer.'];
  const email = changes.email?.trim();
  const emailChanged = email !== undefined && normalizeEmail(email) !== normalizeEmail(user.email ?? '');
  if (emailChanged && !changes.password) errors.password = ['Enter your password to change the e-mail address.'];
  if (Object.keys(errors).length) {
    const onlyPassword = Object.keys(errors).length === 1 && errors.password;
    throw new Invalid(errors, undefined, onlyPassword ? 'password.required' : 'field.invalid');
  }
  const personal: PersonalInfoChanges = {};
  if (changes.firstName !== undefined) personal.first_name = changes.firstName;
  if (changes.lastName !== undefined) personal.last_name = changes.lastName;
  if (changes.phone !== undefined) personal.mobile = changes.phone;
  if (changes.cellPhone !== undefined) personal.phone = changes.cellPhone;
  if (changes.dateOfBirth !== undefined) personal.date_of_birth = changes.dateOfBirth;
  if (changes.sex !== undefined) personal.sex = changes.sex;
  if (changes.password !== undefined) personal.password = changes.password;
  // Personal info first: its checks (and the password, when the PIN's number changes) come
  // before any write; the e-mail change, asked last, only records a pending address.
  try {
    if (Object.keys(personal).some((key) => key !== 'password')) await updatePersonalInfo(core, caller, ref, personal, false);
    if (emailChanged) await updateProfile(core, caller, ref, { email, password: changes.password });
  } catch (error) {
    throw error instanceof Invalid ? renamed(error) : error;
  }
  const { user: updated } = await targetUser(core, caller, 'user.read', ref);
  return infoOf(core, updated);
}

/** Personal info's field names, as Accountcentral's UserInfo names them. */
const FIELD_NAMES: Record<string, string> = {
  first_name: 'name', last_name: 'surname', phone: 'cellPhone', mobile: 'phone', date_of_birth: 'dateOfBirth',
};

function renamed(error: Invalid): Invalid {
  const fields = Object.fromEntries(Object.entries(error.fields).map(([field, messages]) => [FIELD_NAMES[field] ?? field, messages]));
  return new Invalid(fields, undefined, error.code as ConstructorParameters<typeof Invalid>[2]);
}

/** The reason recorded when the Accountcentral surface (which gives none) suspends an account. */
export const DEFAULT_SUSPENSION_REASON = 'Suspended by a manager of the account\'s team.';

/** Suspends (`true`) or reactivates (`false`) a team account; what identity/administration.ts does. */
export async function setTeamUserSuspended(core: Core, caller: Caller, ref: Ref, suspended: boolean, reason?: string): Promise<UserStatus> {
  const state = suspended
    ? await suspendUser(core, caller, ref, reason?.trim() || DEFAULT_SUSPENSION_REASON, ADMINISTER)
    : await reactivateUser(core, caller, ref, ADMINISTER);
  return state.status;
}

export interface TeamLockout {
  lockedOut: boolean;
  lockExpirationDate: Date | null;
}

export async function getTeamUserLockout(core: Core, caller: Caller, ref: Ref): Promise<TeamLockout> {
  const state = await getUserStatus(core, caller, ref, 'user.read');
  return { lockedOut: state.locked, lockExpirationDate: state.lockedUntil };
}

export async function unlockTeamUser(core: Core, caller: Caller, ref: Ref): Promise<void> {
  await unlockUser(core, caller, ref, ADMINISTER);
}

function refuseSelf(user: UserRow, admin: UserCaller, what: string): void {
  if (user.id === admin.userId) throw new BadRequest(`You cannot ${what} your own account here: use your own account's operations.`, 'user.administer_self');
}

// Letters and digits without the ones read alike (0/O, 1/l/I), and symbols a shell or a
// form field does not mangle.
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const DIGITS = '23456789';
const SYMBOLS = '-_.!@#%+=';
/** 20 characters from 64: about 118 bits, far beyond any guessing. */
export const GENERATED_PASSWORD_LENGTH = 20;

/** A random password with every kind of character, drawn with the system's CSPRNG. */
export function generatePassword(length = GENERATED_PASSWORD_LENGTH): string {
  const sets = [LOWER, UPPER, DIGITS, SYMBOLS];
  const all = sets.join('');
  const chars = sets.map((set) => set[randomInt(set.length)]!);
  while (chars.length < length) chars.push(all[randomInt(all.length)]!);
  // Fisher-Yates, so the guaranteed kinds are not always first.
  for (let i = chars.length - 1; i > 0; i -= 1) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

/**
 * Gives a team account a new random password, answered once and never stored but hashed
 * (argon2id). Whoever knew the old one is out: every session (and every token issued in
 * one) and every API key of the account ends, its lockout is cleared so the new password
 * works at once, and the owner is mailed who did it and what ended.
 */
export async function resetTeamUserPassword(core: Core, caller: Caller, ref: Ref): Promise<string> {
  const { user, caller: admin } = await targetUser(core, caller, ADMINISTER, ref);
  refuseSelf(user, admin, 'reset the password of');
  let password = generatePassword();
  // Drawn again in the (astronomically unlikely) case the draw hits a common word or the username.
  for (let tries = 0; ; tries += 1) {
    try {
      checkPasswordPolicy(password, { username: user.slug, email: user.email }, core.config.passwordMinLength);
      break;
    } catch (error) {
      if (tries > 5) throw error;
      password = generatePassword();
    }
  }
  const passwordHash = await hashPassword(password);
  const now = core.now();
  await core.transact(async (tx) => {
    // The replaced password joins the history, so the owner cannot simply go back to it.
    const previous = await tx.selectFrom('users').select('password_hash').where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
    await tx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
      .where('id', '=', user.id).execute();
    await rememberPassword(tx, user.id, previous.password_hash, now);
    const sessionsEnded = await endUserSessions(tx, user.id, 'password_reset', now);
    const apiKeysRevoked = await revokeApiKeys(tx, user.id, now);
    await clearLockout(tx, loginIdentifiers(user));
    await recordSecurityEvent(tx, user.id, 'password.reset', admin, now,
      { by: admin.username, sessions_ended: sessionsEnded, api_keys_revoked: apiKeysRevoked });
    await noticeCredentialChange(core, tx, user, 'password_changed', { by: admin.username, ip: admin.ip, at: now },
      { sessionsEnded, apiKeysRevoked });
  });
  return password;
}

/**
 * Resets the PIN: login codes by text message are turned off and the number they went to
 * is no longer taken as proven, so the user verifies a number again before the PIN can be
 * turned back on. Codes on their way are withdrawn. Recorded and mailed to the owner.
 */
export async function resetTeamUserPin(core: Core, caller: Caller, ref: Ref): Promise<void> {
  const { user, caller: admin } = await targetUser(core, caller, ADMINISTER, ref);
  const now = core.now();
  await core.transact(async (tx) => {
    await tx.updateTable('users').set({ phone_verification_enabled: false, phone_verified_at: null, updated_at: now })
      .where('id', '=', user.id).execute();
    await tx.deleteFrom('phone_verifications').where('user_id', '=', user.id).execute();
    await tx.updateTable('one_time_tokens').set({ used_at: now })
      .where('user_id', '=', user.id).where('purpose', '=', 'phone_code').where('used_at', 'is', null).execute();
    await recordSecurityEvent(tx, user.id, 'pin.reset', admin, now,
      { by: admin.username, was_enabled: user.phone_verification_enabled, was_verified: user.phone_verified_at !== null });
    if (user.email) {
      await core.mailer.enqueue(tx, {
        to: user.email,
        template: 'pin_reset',
        context: {
          full_name: printableName(user),
          username: user.slug,
          changed_by: admin.username,
          at: now.toISOString(),
          ip: admin.ip ?? 'unknown',
          site: core.config.brokerName,
          recover_url: core.links.recover(),
        },
      });
    }
  });
}

/** Whether login codes by text message (the PIN) are asked of the account. */
export async function getTeamUserTwoFactor(core: Core, caller: Caller, ref: Ref): Promise<boolean> {
  const { user } = await targetUser(core, caller, 'user.read', ref);
  return user.phone_verification_enabled;
}

/**
 * Turns the PIN on or off. On needs a PIN number that a code proved (else codes would go
 * to a number nobody checked); setting the state it already has changes nothing and
 * records nothing. A change is recorded and mailed to the owner.
 */
export async function setTeamUserTwoFactor(core: Core, caller: Caller, ref: Ref, active: boolean): Promise<boolean> {
  const { user, caller: admin } = await targetUser(core, caller, ADMINISTER, ref);
  if (active && (!user.phone || !user.phone_verified_at)) {
    throw new Invalid('active', 'The user has no verified mobile number: request and verify a verification code first.', 'phone.not_verified');
  }
  const now = core.now();
  await core.transact(async (tx) => {
    const changed = await tx.updateTable('users').set({ phone_verification_enabled: active, updated_at: now })
      .where('id', '=', user.id).where('phone_verification_enabled', '!=', active).returning('id').execute();
    if (!changed.length) return;
    await recordSecurityEvent(tx, user.id, 'otp.changed', admin, now, { by: admin.username, phone_verification_enabled: active });
  });
  return active;
}

/** Texts a verification code to the user's PIN number (valid CODE_LIFETIME_SECONDS, 10 minutes by default). */
export async function sendTeamUserCode(core: Core, caller: Caller, ref: Ref): Promise<CodeSent> {
  await targetUser(core, caller, ADMINISTER, ref);
  try {
    return await sendPhoneCode(core, caller, ref, PIN_NUMBER);
  } catch (error) {
    // The number is Accountcentral's cellPhone.
    if (error instanceof Invalid && error.fields[PIN_NUMBER]) throw new Invalid('cellPhone', error.fields[PIN_NUMBER]!.join(' '), 'phone.missing');
    throw error;
  }
}

/** Checks the code texted to the user's PIN number; right, the number is proven. */
export async function verifyTeamUserCode(core: Core, caller: Caller, ref: Ref, code: number | string): Promise<void> {
  await targetUser(core, caller, ADMINISTER, ref);
  // Accountcentral sends the code as an integer: 012345 arrives as 12345.
  const digits = normalizeCode(code);
  if (!digits) throw codeInvalid();
  await confirmPhoneCode(core, caller, ref, PIN_NUMBER, digits);
}
