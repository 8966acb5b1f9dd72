// Registering and activating accounts.
//
// Registration answers the same, and changes nothing anyone else can see, whether or not
// the e-mail address is already taken: a new address gets an account held under a
// stand-in username (pending-…) and an activation link; a taken one gets a mail telling
// its owner and offering a password reset (or, for a contact who never had a password, an
// activation link). Only whoever reads the mailbox learns which case it was. The username
// asked for travels with the activation link and is taken only when the link is used, so
// whether it became taken says nothing about the address either.
//
// Activation proves the mailbox, and the password of the account is the one the mailbox's
// owner chooses there: a password typed at registration is checked against the rules but
// never kept, since whoever registered may not own the address.
import { randomBytes, randomInt } from 'node:crypto';
import type { JobPayloads } from '../../jobs/queue.js';
import type { Caller, Core, RequestOrigin } from '../context.js';
import type { AnonymousCarry } from './hooks.js';
import type { UserRow } from '../../db/schema.js';
import { Forbidden, Invalid, isUniqueViolation, linkInvalid } from '../errors.js';
import { refusalReason } from './authenticate.js';
import { openSession } from './sessions.js';
import { sendActivationLink } from './activation.js';
import { consumeOneTimeTokenHolder, peekOneTimeTokenHolder, revokeOneTimeTokens, type TokenHolder } from './one-time-tokens.js';
import { checkPasswordPolicy, hashPassword, passwordHashLine } from './passwords.js';
import { sendPasswordResetLink } from './recovery.js';
import { recordSecurityEvent } from './security-events.js';
import { checkSendLimit } from '../notify/send-limits.js';
import { decrypt, deriveKey, encrypt } from './secrets.js';
import { findUserByEmail, findUserBySlug, isProvisionalSlug, isReservedUsername, normalizeEmail } from './users.js';
/** Random delay before the registration job runs (see `register`). */
const REGISTRATION_DELAY_MS = [200, 1500] as const;

export const USERNAME_PATTERN = /^[\w.@+-]+$/;
export const USERNAME_MAX = 150;
const USERNAME_TAKEN = 'A user with that username already exists.';

export interface Registration {
  username?: string;
  password?: string;
  email: string;
  full_name: string;
}

/** The key that seals a registration's password hash while it waits in the job queue. */
function registrationKey(core: Core): Buffer {
  return deriveKey(core.config.secretKeys[0]!, 'registration-password');
}

export interface RegistrationAnswer {
  detail: string;
  email: string;
}

function originOf(caller: Caller): RequestOrigin {
  return { ip: caller.ip, userAgent: caller.userAgent };
}

export function checkUsername(username: string, field = 'username'): void {
  if (username.length > USERNAME_MAX || !USERNAME_PATTERN.test(username)) {
    throw new Invalid(field, `Enter a valid username: at most ${USERNAME_MAX} letters, digits and @/./+/-/_ characters.`);
  }
  if (isReservedUsername(username)) {
    throw new Invalid(field, 'Usernames starting with "pending-", "deleted-" or "invited-" are reserved.', 'username.reserved');
  }
}

/** A free username made from the e-mail's local part: "joe", then "joe2", "joe3"... */
async function deriveUsername(core: Core, email: string): Promise<string> {
  let local = email.split('@')[0].replace(/[^\w.+-]/g, '').slice(0, USERNAME_MAX - 8) || 'user';
  if (isReservedUsername(local)) local = `user-${local}`;
  for (let n = 1; n < 50; n += 1) {
    const candidate = n === 1 ? local : `${local}${n}`;
    if (!(await findUserBySlug(core.db, candidate))) return candidate;
  }
  return `${local}${Date.now().toString(36)}`;
}

/**
 * `keepPassword` (get.chat, whose registration carries the password and whose e-mail
 * verification carries only the mailed token): the password is hashed now, for every
 * address alike, and kept on the new account; an address already taken keeps its own.
 * Whoever verifies the address is logged in and the account keeps the registrant's password.
 */
export async function register(core: Core, caller: Caller, input: Registration, options: { keepPassword?: boolean } = {}): Promise<RegistrationAnswer> {
  const email = input.email.trim();
  const answer = { detail: `We sent a link to ${email}: open it to activate your account and choose your password.`, email };
  const fullName = input.full_name.trim();
  if (input.username !== undefined) {
    checkUsername(input.username);
    // Usernames are public (they are in every URL), so saying one is taken reveals nothing.
    if (await findUserBySlug(core.db, input.username)) throw new Invalid('username', USERNAME_TAKEN, 'username.taken');
  }
  if (input.password !== undefined) {
    // Checked so a bad password is refused now, as people expect; not kept (see above).
    checkPasswordPolicy(input.password, { username: input.username, email }, core.config.passwordMinLength);
  }
  const username = input.username ?? null;
  // Too busy to hash the password: refused before the mail is counted against the address.
  if (options.keepPassword && input.password !== undefined) passwordHashLine.refuseWhenFull();
  // Each registration mails the address (an activation link, or its owner a reset link):
  // counted on the address as typed, known or not, as recovery does, so a mailbox cannot be
  // flooded and the refusal tells nothing about whether an account answers to it.
  await checkSendLimit(core, core.db, caller, 'registration', `email:${normalizeEmail(email)}`);

  // Creating an account and mailing an existing owner take different times: answer first,
  // and do either in a durable job a moment later, at a random time no following request
  // can be tied to (as recovery does).
  const origin = originOf(caller);
  const sealedPasswordHash = options.keepPassword && input.password !== undefined
    ? encrypt(await hashPassword(input.password), registrationKey(core)) : null;
  await core.jobs.enqueue('registration', {
    email, fullName, username, ip: origin.ip ?? null, userAgent: origin.userAgent ?? null, sealedPasswordHash,
  },
    { delayMs: REGISTRATION_DELAY_MS[0] + randomInt(REGISTRATION_DELAY_MS[1] - REGISTRATION_DELAY_MS[0]) });
  return answer;
}

/** The worker's half of `register`: a new account with its activation link, or a mail to the address's owner. */
export async function completeRegistration(core: Core, request: JobPayloads['registration']): Promise<void> {
  const { email, fullName, username } = request;
  const origin: RequestOrigin = { ip: request.ip ?? undefined, userAgent: request.userAgent ?? undefined };
  const existing = await findUserByEmail(core.db, email);
  if (existing) {
    await mailExistingOwner(core, origin, existing, username, request.sealedPasswordHash ?? null);
    return;
  }
  const now = core.now();
  try {
    await core.transact(async (tx) => {
      const user = await tx.insertInto('users').values({
        slug: `pending-${randomBytes(9).toString('hex')}`,
        email,
        full_name: fullName,
        password_hash: request.sealedPasswordHash ? decrypt(request.sealedPasswordHash, registrationKey(core)) : null,
        email_verified_at: null,
        created_at: now,
        updated_at: now,
      }).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirstOrThrow();
      await sendActivationLink(core, tx, user, username);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) {
      // Someone registered the same address a moment ago: treat it as taken.
      const raced = await findUserByEmail(core.db, normalizeEmail(email));
      if (raced) await mailExistingOwner(core, origin, raced, username, request.sealedPasswordHash ?? null);
      return;
    }
    throw error;
  }
}

async function mailExistingOwner(
  core: Core, origin: RequestOrigin, user: UserRow, username: string | null, sealedPasswordHash: string | null = null,
): Promise<void> {
  await core.transact(async (tx) => {
    // A registration never verified, registered again with a password: the latest
    // registrant's password replaces it, which also ends the links mailed before (their
    // stamp holds the former hash), so a link only ever logs into the password it was sent for.
    if (sealedPasswordHash && !user.email_verified_at && isProvisionalSlug(user.slug)) {
      const passwordHash = decrypt(sealedPasswordHash, registrationKey(core));
      await tx.updateTable('users').set({ password_hash: passwordHash }).where('id', '=', user.id).execute();
      user = { ...user, password_hash: passwordHash };
    }
    // Someone who never activated (a contact invited to an organization or recorded by a
    // manager, or a registration not activated yet) gets an activation link, where they
    // choose their password, with the username asked for this time. Others get a reset link.
    return user.password_hash && user.email_verified_at
      ? sendPasswordResetLink(core, tx, user, origin, 'registration_existing')
      : sendActivationLink(core, tx, user, username);
  });
}

export interface ActivationView {
  slug: string;
  username: string;
  email: string | null;
  full_name: string;
  printable_name: string;
  created_at: Date;
  picture: string | null;
  credentials: boolean;
}

async function userForKey(core: Core, key: string): Promise<{ user: UserRow; holder: TokenHolder }> {
  const holder = await peekOneTimeTokenHolder(core.db, 'activation', key, core.now());
  const user = holder === undefined ? undefined : await core.db.selectFrom('users').selectAll()
    .where('id', '=', holder.userId).where('deleted_at', 'is', null).executeTakeFirst();
  // An activated account has nothing left to activate: a link must never replace a
  // password its owner confirmed.
  if (!holder || !user || (user.password_hash && user.email_verified_at)) throw linkInvalid();
  return { user, holder };
}

/** The username an activation takes unless the body names another. */
async function proposedUsername(core: Core, user: UserRow, holder: TokenHolder): Promise<string> {
  if (holder.target) return holder.target;
  if (!isProvisionalSlug(user.slug)) return user.slug;
  return deriveUsername(core, user.email ?? 'user');
}

/** Who an unused, unexpired activation key is for, so the page can greet them. */
export async function getActivation(core: Core, _caller: Caller, key: string): Promise<ActivationView> {
  const { user, holder } = await userForKey(core, key);
  const username = await proposedUsername(core, user, holder);
  return {
    slug: username,
    username,
    email: user.email,
    full_name: user.full_name,
    printable_name: user.full_name || username,
    created_at: user.created_at,
    picture: user.picture,
    // The password is always chosen when activating (see the top of this file).
    credentials: false,
  };
}

export interface Activation {
  username?: string;
  new_password?: string;
  full_name?: string;
}

/**
 * Consumes the key, marks the e-mail verified, sets the password the mailbox's owner
 * chooses (required), the username (asked for now, at registration, or kept) and the
 * optional full name.
 */
export async function activate(
  core: Core, caller: Caller, key: string, input: Activation, carried: AnonymousCarry = {},
  options: { keepRegisteredPassword?: boolean; passwordField?: string } = {},
): Promise<{ token: string; user: UserRow }> {
  const passwordField = options.passwordField ?? 'new_password';
  const { user, holder } = await userForKey(core, key);
  const refusal = refusalReason(user);
  if (refusal) throw new Forbidden(refusal.message, refusal.code);
  const username = input.username ?? (await proposedUsername(core, user, holder));
  if (username.toLowerCase() !== user.slug.toLowerCase()) {
    checkUsername(username);
    if (await findUserBySlug(core.db, username)) {
      throw new Invalid('username', input.username === undefined
        ? `The username "${username}" was taken since the link was sent; choose another.`
        : USERNAME_TAKEN, 'username.taken');
    }
  }
  // get.chat verifies an address with the token alone: the password given at registration stays.
  const keep = options.keepRegisteredPassword === true && input.new_password === undefined && !!user.password_hash;
  if (input.new_password === undefined && !keep) {
    throw new Invalid(passwordField, 'Choose the password of this account: it is set when the account is activated.', 'password.required');
  }
  let passwordHash: string | null = null;
  if (input.new_password !== undefined) {
    checkPasswordPolicy(input.new_password, { username, email: user.email }, core.config.passwordMinLength, passwordField);
    passwordHash = await hashPassword(input.new_password);
  }

  const now = core.now();
  let updated: UserRow;
  try {
    updated = await core.transact(async (tx) => {
      // Consumed here, not when peeked: two requests racing with one key cannot both pass.
      const used = await consumeOneTimeTokenHolder(tx, 'activation', key, now);
      if (used?.userId !== user.id) throw linkInvalid();
      const row = await tx.updateTable('users').set({
        slug: username,
        ...(input.full_name !== undefined ? { full_name: input.full_name.trim() } : {}),
        ...(passwordHash ? { password_hash: passwordHash, password_changed_at: now } : {}),
        email_verified_at: user.email_verified_at ?? now,
        updated_at: now,
      }).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
      // The other links sent for this account have done their job (the new password's
      // stamp ends them too; this says so plainly).
      await revokeOneTimeTokens(tx, user.id, 'activation', now);
      await recordSecurityEvent(tx, user.id, 'account.activated', originOf(caller), now);
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_slug_key')) throw new Invalid('username', USERNAME_TAKEN, 'username.taken');
    throw error;
  }
  await core.identityHooks.claimAnonymous(core, updated.id, carried);
  const { token } = await openSession(core, core.db, updated, 'activation', originOf(caller), now);
  return { token, user: updated };
}

/**
 * The `prune-registrations` job: deletes accounts registered but never activated (still
 * under their `pending-…` name, no password, no verified address) once every activation
 * link sent for them has expired. Nothing else may hold on to them: an account someone
 * invited to an organization or that appears in any history is kept (it is then a contact,
 * activated by the invitation's own path).
 */
export async function pruneExpiredRegistrations(core: Core): Promise<number> {
  const now = core.now();
  const before = new Date(now.getTime() - core.config.linkLifetimeSeconds * 1000);
  const result = await core.db.deleteFrom('users')
    .where('slug', 'like', 'pending-%')
    // A get.chat registration keeps its password while it waits: unverified is what counts.
    .where('email_verified_at', 'is', null)
    .where('deleted_at', 'is', null)
    .where('created_at', '<', before)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('one_time_tokens').select('one_time_tokens.id')
      .whereRef('one_time_tokens.user_id', '=', 'users.id').where('one_time_tokens.expires_at', '>', now))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('roles').select('roles.id')
      .where((eb) => eb.or([eb('roles.user_id', '=', eb.ref('users.id')), eb('roles.created_by', '=', eb.ref('users.id'))])))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('organizations').select('organizations.id')
      .whereRef('organizations.personal_user_id', '=', 'users.id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('organization_events').select('organization_events.id')
      .whereRef('organization_events.actor_user_id', '=', 'users.id'))))
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('activities').select('activities.id')
      .whereRef('activities.created_by', '=', 'users.id'))))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
