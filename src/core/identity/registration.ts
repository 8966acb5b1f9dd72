// Registering and activating accounts. Registration answers the same whether or not the
// e-mail address is already taken: a new address gets an activation link, a taken one
// gets a mail telling its owner and offering a password reset. Only whoever reads the
// mailbox learns which case it was.
import type { Caller, Core, RequestOrigin } from '../context.js';
import type { UserRow } from '../../db/schema.js';
import { Forbidden, Invalid, NotFound, isUniqueViolation } from '../errors.js';
import { refusalReason } from './authenticate.js';
import { sendActivationLink } from './activation.js';
import { consumeOneTimeToken, peekOneTimeToken } from './one-time-tokens.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { sendPasswordResetLink } from './recovery.js';
import { recordSecurityEvent } from './security-events.js';
import { findUserByEmail, findUserBySlug, hasCredentials, normalizeEmail, printableName } from './users.js';

export const USERNAME_PATTERN = /^[\w.@+-]+$/;
export const USERNAME_MAX = 150;
const USERNAME_TAKEN = 'A user with that username already exists.';

export interface Registration {
  username?: string;
  password?: string;
  email: string;
  full_name: string;
}

export interface RegistrationAnswer {
  detail: string;
  email: string;
}

function originOf(caller: Caller): RequestOrigin {
  return { ip: caller.ip, userAgent: caller.userAgent };
}

function checkUsername(username: string, field = 'username'): void {
  if (username.length > USERNAME_MAX || !USERNAME_PATTERN.test(username)) {
    throw new Invalid(field, `Enter a valid username: at most ${USERNAME_MAX} letters, digits and @/./+/-/_ characters.`);
  }
}

/** A free username made from the e-mail's local part: "joe", then "joe2", "joe3"... */
async function deriveUsername(core: Core, email: string): Promise<string> {
  const local = email.split('@')[0].replace(/[^\w.+-]/g, '').slice(0, USERNAME_MAX - 8) || 'user';
  for (let n = 1; n < 50; n += 1) {
    const candidate = n === 1 ? local : `${local}${n}`;
    if (!(await findUserBySlug(core.db, candidate))) return candidate;
  }
  return `${local}${Date.now().toString(36)}`;
}

export async function register(core: Core, caller: Caller, input: Registration): Promise<RegistrationAnswer> {
  const email = input.email.trim();
  const answer = { detail: `We sent a link to ${email} to activate your account.`, email };
  const fullName = input.full_name.trim();
  if (input.username !== undefined) {
    checkUsername(input.username);
    // Usernames are public (they are in every URL), so saying one is taken reveals nothing.
    if (await findUserBySlug(core.db, input.username)) throw new Invalid('username', USERNAME_TAKEN);
  }
  if (input.password !== undefined) {
    checkPasswordPolicy(input.password, { username: input.username, email }, core.config.passwordMinLength);
  }
  // Hashed in both cases so a taken address costs the same time as a new one.
  const passwordHash = input.password !== undefined ? await hashPassword(input.password) : null;

  const existing = await findUserByEmail(core.db, email);
  if (existing) {
    await mailExistingOwner(core, caller, existing);
    return answer;
  }

  const username = input.username ?? (await deriveUsername(core, email));
  const now = core.now();
  try {
    await core.db.transaction().execute(async (tx) => {
      const user = await tx.insertInto('users').values({
        slug: username,
        email,
        full_name: fullName,
        password_hash: passwordHash,
        password_changed_at: passwordHash ? now : null,
        email_verified_at: null,
        created_at: now,
        updated_at: now,
      }).returning(['id', 'slug', 'email', 'full_name']).executeTakeFirstOrThrow();
      await sendActivationLink(core, tx, user);
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_slug_key')) throw new Invalid('username', USERNAME_TAKEN);
    if (isUniqueViolation(error, 'users_email_key')) {
      // Someone registered the same address a moment ago: treat it as taken.
      const raced = await findUserByEmail(core.db, normalizeEmail(email));
      if (raced) await mailExistingOwner(core, caller, raced);
      return answer;
    }
    throw error;
  }
  core.mailer.kick();
  return answer;
}

async function mailExistingOwner(core: Core, caller: Caller, user: UserRow): Promise<void> {
  await core.db.transaction().execute((tx) =>
    // A contact (someone invited to an organization, or recorded by a manager) has never
    // had a password: registering is how they get one, so they get the activation link,
    // where they choose their username and password. Others get a reset link instead.
    user.password_hash
      ? sendPasswordResetLink(core, tx, user, originOf(caller), 'registration_existing')
      : sendActivationLink(core, tx, user));
  core.mailer.kick();
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

const INVALID_KEY = 'The activation link is invalid, was already used, or has expired.';

async function userForKey(core: Core, key: string): Promise<UserRow> {
  const userId = await peekOneTimeToken(core.db, 'activation', key, core.now());
  const user = userId === undefined ? undefined : await core.db.selectFrom('users').selectAll()
    .where('id', '=', userId).where('deleted_at', 'is', null).executeTakeFirst();
  if (!user) throw new NotFound('activation key', INVALID_KEY);
  return user;
}

/** Who an unused activation key is for, so the page can greet them. */
export async function getActivation(core: Core, _caller: Caller, key: string): Promise<ActivationView> {
  const user = await userForKey(core, key);
  return {
    slug: user.slug,
    username: user.slug,
    email: user.email,
    full_name: user.full_name,
    printable_name: printableName(user),
    created_at: user.created_at,
    picture: user.picture,
    credentials: hasCredentials(user),
  };
}

export interface Activation {
  username?: string;
  new_password?: string;
  full_name?: string;
}

/** Consumes the key, marks the e-mail verified and applies the optional fields. */
export async function activate(core: Core, caller: Caller, key: string, input: Activation): Promise<{ token: string; user: UserRow }> {
  const user = await userForKey(core, key);
  const refusal = refusalReason(user);
  if (refusal) throw new Forbidden(refusal);
  const username = input.username ?? user.slug;
  if (input.username !== undefined && input.username.toLowerCase() !== user.slug.toLowerCase()) {
    checkUsername(input.username);
    if (await findUserBySlug(core.db, input.username)) throw new Invalid('username', USERNAME_TAKEN);
  }
  if (input.new_password === undefined && !user.password_hash) {
    throw new Invalid('new_password', 'Choose a password to activate this account.');
  }
  if (input.new_password !== undefined) {
    checkPasswordPolicy(input.new_password, { username, email: user.email }, core.config.passwordMinLength, 'new_password');
  }
  const passwordHash = input.new_password !== undefined ? await hashPassword(input.new_password) : null;

  const now = core.now();
  let updated: UserRow;
  try {
    updated = await core.db.transaction().execute(async (tx) => {
      // Consumed here, not when peeked: two requests racing with one key cannot both pass.
      const owner = await consumeOneTimeToken(tx, 'activation', key, now);
      if (owner !== user.id) throw new NotFound('activation key', INVALID_KEY);
      const row = await tx.updateTable('users').set({
        slug: username,
        ...(input.full_name !== undefined ? { full_name: input.full_name.trim() } : {}),
        ...(passwordHash ? { password_hash: passwordHash, password_changed_at: now } : {}),
        email_verified_at: user.email_verified_at ?? now,
        updated_at: now,
      }).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
      await recordSecurityEvent(tx, user.id, 'account.activated', originOf(caller), now);
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_slug_key')) throw new Invalid('username', USERNAME_TAKEN);
    throw error;
  }
  const token = await core.tokens.issue(updated, now);
  return { token, user: updated };
}
