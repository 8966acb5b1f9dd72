// User accounts as profiles: listing, contacts (users without login credentials),
// reading and editing a profile, re-sending the activation link, and deleting an account.
// Deleting anonymizes rather than purges: security events, activities and ledger rows
// keep pointing at the row, which no longer says who it was.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import { refKey, type Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import type { UserRow, UserUpdate } from '../../db/schema.js';
import type { RowTag } from '../../db/change-feed.js';
import { BadRequest, Conflict, Invalid, NotFound, Unauthenticated, isUniqueViolation } from '../errors.js';
import { authorizeSite, authorizeUser, mayOnUser, type UserAction } from '../access/policy.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { sendActivationLink } from './activation.js';
import { confirmPassword } from './credentials.js';
import { requestEmailChange } from './email-change.js';
import { recordSecurityEvent } from './security-events.js';
import { endUserSessions } from './sessions.js';
import { findUser, findUserByEmail, hasCredentials, isReservedUsername, normalizeEmail, printableName } from './users.js';
import { checkSendLimit } from '../notify/send-limits.js';
import { revokeApiKeys } from './api-keys.js';
import { forgetPasswordHistory } from './password-history.js';

export interface UserBriefView {
  slug: string;
  username: string;
  printable_name: string;
  picture: string | null;
  email: string | null;
  full_name: string;
  nick_name: string | null;
  created_at: Date;
  credentials: boolean;
}

export interface ActivityView {
  created_at: Date;
  created_by: string | null;
  text: string;
  account: string | null;
}

export interface ProfileView extends UserBriefView {
  extra: string | null;
  activities: ActivityView[];
}

export interface ProfileInput {
  email?: string;
  full_name?: string | null;
  nick_name?: string | null;
  picture?: string | null;
  extra?: string | null;
  /** The password of whoever asks; required to change the e-mail address. */
  password?: string;
}

type BriefSource = Pick<UserRow, 'slug' | 'email' | 'full_name' | 'nick_name' | 'picture' | 'created_at' |
  'password_hash' | 'status' | 'deleted_at'>;

export function briefOf(user: BriefSource): UserBriefView {
  return {
    slug: user.slug,
    username: user.slug,
    printable_name: printableName(user),
    picture: user.picture,
    email: user.email,
    full_name: user.full_name,
    nick_name: user.nick_name,
    created_at: user.created_at,
    credentials: hasCredentials(user),
  };
}

/**
 * Finds the user an account route is about and checks the caller may do `action` on it.
 * Anonymous callers are refused before the lookup, so they learn nothing about slugs.
 */
export async function loadTarget(core: Core, caller: Caller, ref: Ref, action: UserAction): Promise<UserRow> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  // Reading a profile is the most frequent call there is: reads come from the read cache;
  // anything that changes the account reads the row fresh.
  const user = action === 'user.read'
    // A reference that names nobody may name a user any write to `users` makes: `users:*`.
    ? await core.cache.get(`user-by-ref:${refKey(ref)}`, () => findUser(core.db, ref),
      (found) => (found ? [`users:${found.id}`] : ['users:*']))
    : await findUser(core.db, ref);
  if (!user) throw new NotFound('user');
  await authorizeUser(core, caller, action, user);
  return user;
}

export const USER_LIST_SPEC: ListSpec = {
  orderable: { created_at: 'created_at', slug: 'slug', email: 'email', full_name: 'full_name' },
  searchable: ['slug', 'email', 'full_name', 'nick_name'],
  dateColumn: 'created_at',
  defaultOrder: ['slug'],
  tieBreaker: 'id',
};

export async function listUsers(core: Core, caller: Caller, list: ListQuery): Promise<Page<UserBriefView>> {
  await authorizeSite(core, caller, 'users.list');
  const page = await paginate(
    core.db.selectFrom('users')
      .select(['id', 'slug', 'email', 'full_name', 'nick_name', 'picture', 'created_at', 'password_hash', 'status', 'deleted_at'])
      .where('deleted_at', 'is', null),
    list,
    USER_LIST_SPEC,
  );
  return { count: page.count, results: page.results.map(briefOf) };
}

/**
 * The latest activities on a user, from the read cache: its managers read profiles all day,
 * and the three-table read cost more than the rest of the request. An entry depends on the
 * user's activities and on the authors' and organizations' rows whose slugs it shows.
 */
async function activitiesOf(core: Core, userId: number, limit = 50): Promise<ActivityView[]> {
  const found = await core.cache.get(`activities:${userId}:${limit}`, async () => {
    const rows = await core.db.selectFrom('activities')
      .leftJoin('users as author', 'author.id', 'activities.created_by')
      .leftJoin('organizations', 'organizations.id', 'activities.organization_id')
      .select(['activities.created_at', 'activities.created_by as author_id', 'author.slug as created_by', 'activities.text',
        'activities.organization_id', 'organizations.slug as account'])
      .where('activities.user_id', '=', userId)
      .orderBy('activities.created_at', 'desc').orderBy('activities.id', 'desc')
      .limit(limit)
      .execute();
    const tags: RowTag[] = [`activities:${userId}`];
    for (const row of rows) {
      if (row.author_id !== null) tags.push(`users:${row.author_id}`);
      if (row.organization_id !== null) tags.push(`organizations:${row.organization_id}`);
    }
    return { tags, views: rows.map((r) => ({ created_at: r.created_at, created_by: r.created_by, text: r.text, account: r.account })) };
  }, (value) => value.tags);
  return found.views;
}

/** Activities are the broker team's notes: only its managers see them in a profile. */
async function profileOf(core: Core, caller: Caller, user: UserRow): Promise<ProfileView> {
  const showNotes = await mayOnUser(core, caller, 'user.activities.read', user);
  const profile = briefOf(user) as ProfileView;
  // Added to the brief rather than spread into a copy: this runs on every profile read.
  profile.extra = user.extra;
  profile.activities = showNotes ? await activitiesOf(core, user.id) : [];
  return profile;
}

/** The caller's own account row (get.chat's profile): authentication is all it takes. */
export async function getOwnAccount(core: Core, caller: Caller): Promise<UserRow> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return loadTarget(core, caller, { id: caller.userId }, 'user.read');
}

export async function getProfile(core: Core, caller: Caller, ref: Ref): Promise<ProfileView> {
  const user = await loadTarget(core, caller, ref, 'user.read');
  return profileOf(core, caller, user);
}

/** A username from the e-mail's local part, made unique with a numeric suffix. */
async function uniqueSlug(db: Db, email: string): Promise<string> {
  const local = email.split('@')[0].toLowerCase().replace(/[^a-z0-9_.+-]/g, '').replace(/^[.+-]+/, '').slice(0, 40);
  const base = isReservedUsername(local) ? `user-${local}` : local || 'user';
  // Deleted accounts keep their row, so every row counts here.
  const taken = await db.selectFrom('users').select('slug')
    .where(sql<boolean>`lower(slug) like ${base.replace(/[\\%_]/g, (c) => `\\${c}`) + '%'}`)
    .execute();
  const used = new Set(taken.map((r) => r.slug.toLowerCase()));
  if (!used.has(base)) return base;
  for (let n = 2; ; n += 1) if (!used.has(`${base}${n}`)) return `${base}${n}`;
}

function emailTaken(): Invalid {
  return new Invalid('email', 'A user with this e-mail address already exists.', 'email.taken');
}

/** Creates a contact: a user the managers track, who has no way to log in yet. */
export async function createContact(core: Core, caller: Caller, input: ProfileInput & { email: string }): Promise<ProfileView> {
  await authorizeSite(core, caller, 'users.create');
  const email = input.email.trim();
  if (await findUserByEmail(core.db, email)) throw emailTaken();
  for (let attempt = 0; ; attempt += 1) {
    try {
      const user = await core.db.insertInto('users').values({
        slug: await uniqueSlug(core.db, email),
        email,
        full_name: input.full_name ?? '',
        nick_name: input.nick_name ?? null,
        picture: input.picture ?? null,
        extra: input.extra ?? null,
        created_at: core.now(),
        updated_at: core.now(),
      }).returningAll().executeTakeFirstOrThrow();
      return await profileOf(core, caller, user);
    } catch (error) {
      if (isUniqueViolation(error, 'users_email_key')) throw emailTaken();
      // Someone took the same slug between our look and our insert: pick again.
      if (isUniqueViolation(error) && attempt < 3) continue;
      throw error;
    }
  }
}

/**
 * Updates a profile. Changing the e-mail address needs the password of whoever asks. For
 * an account that can log in, the new address is only pending until the link mailed to it
 * comes back (see email-change.ts). A contact without a password, which nobody can log in
 * as, takes the new address at once, unverified; links sent to the former one die with it.
 */
export async function updateProfile(core: Core, caller: Caller, ref: Ref, input: ProfileInput): Promise<ProfileView> {
  const user = await loadTarget(core, caller, ref, 'user.update');
  const now = core.now();
  const changes: UserUpdate = { updated_at: now };
  if (input.full_name !== undefined) changes.full_name = input.full_name ?? '';
  if (input.nick_name !== undefined) changes.nick_name = input.nick_name;
  if (input.picture !== undefined) changes.picture = input.picture;
  if (input.extra !== undefined) changes.extra = input.extra;
  const email = input.email?.trim();
  const emailChanged = email !== undefined && normalizeEmail(email) !== normalizeEmail(user.email ?? '');
  const pending = emailChanged && !!user.password_hash;
  let actor: UserCaller | undefined;
  if (emailChanged) {
    if (!input.password) throw new Invalid('password', 'Enter your password to change the e-mail address.', 'password.required');
    actor = await confirmPassword(core, caller, input.password);
    // The new address is mailed (a link, or its owner a warning): limited per address,
    // known or not, so a password holder cannot flood someone else's mailbox.
    if (pending) await checkSendLimit(core, core.db, caller, 'email_change', `email:${normalizeEmail(email)}`);
    if (!pending) {
      // Managers keep their contact records: a taken address is a plain error for them.
      const other = await findUserByEmail(core.db, email);
      if (other && other.id !== user.id) throw emailTaken();
      changes.email = email;
      changes.email_verified_at = null;
    }
  } else if (email !== undefined && email !== user.email) {
    changes.email = email; // only the letter case changed
  }
  let updated: UserRow;
  try {
    updated = await core.transact(async (tx) => {
      let row = await tx.updateTable('users').set(changes).where('id', '=', user.id).returningAll().executeTakeFirstOrThrow();
      if (pending) {
        await requestEmailChange(core, tx, row, actor!, email!);
      } else if (emailChanged) {
        await recordSecurityEvent(tx, user.id, 'email.changed', caller, now, { by: caller.kind === 'user' ? caller.username : null });
        // One-time links to the former address die by their stamp; invitation keys are not
        // one-time tokens, so they are ended here.
        await core.identityHooks.emailChanged(tx, user.id);
      }
      row = await tx.selectFrom('users').selectAll().where('id', '=', user.id).executeTakeFirstOrThrow();
      return row;
    });
  } catch (error) {
    if (isUniqueViolation(error, 'users_email_key')) throw emailTaken();
    throw error;
  }
  return profileOf(core, caller, updated);
}

/** Re-sends the activation link to a user whose e-mail address is not verified yet. */
export async function resendActivation(core: Core, caller: Caller, ref: Ref): Promise<UserBriefView> {
  const user = await loadTarget(core, caller, ref, 'user.update');
  if (user.email_verified_at) throw new BadRequest('User is already active.', 'user.already_activated');
  if (!user.email) throw new Invalid('email', 'This user has no e-mail address to send the link to.', 'email.missing');
  await checkSendLimit(core, core.db, caller, 'activation', `user:${user.id}`);
  await core.transact((tx) => sendActivationLink(core, tx, user));
  return briefOf(user);
}

/** Organizations where the user is the one accepted manager (their own billing profile aside). */
async function soleManagerOf(db: Db, userId: number): Promise<string[]> {
  const rows = await sql<{ slug: string }>`
    select o.slug from organizations o
      join roles r on r.organization_id = o.id
      join role_descriptions rd on rd.id = r.role_description_id
     where r.user_id = ${userId} and rd.slug = 'manager'
       and r.grant_key_hash is null and r.request_key is null
       and o.closed_at is null
       and not (o.type = 'personal' and o.personal_user_id = ${userId})
       and not exists (
         select 1 from roles r2
           join role_descriptions rd2 on rd2.id = r2.role_description_id
          where r2.organization_id = o.id and rd2.slug = 'manager' and r2.user_id <> ${userId}
            and r2.grant_key_hash is null and r2.request_key is null)
     order by o.slug`.execute(db);
  return rows.rows.map((r) => r.slug);
}

/**
 * Deletes an account by anonymizing it: the slug and e-mail are freed, personal data and
 * credentials are gone, and nobody can log in as it again.
 */
export async function deleteAccount(core: Core, caller: Caller, ref: Ref): Promise<void> {
  const user = await loadTarget(core, caller, ref, 'user.delete');
  const orphaned = await soleManagerOf(core.db, user.id);
  if (orphaned.length) {
    throw new Conflict(`${user.slug} is the only manager of ${orphaned.join(', ')}; add another manager before deleting this account.`, 'role.last_manager');
  }
  const now = core.now();
  // `deleted-` is reserved, so no one registers deleted-<id> to block this; a row named so
  // before the reservation existed still cannot: the name then gets a random tail.
  const clash = await core.db.selectFrom('users').select('id')
    .where((eb) => eb(eb.fn('lower', ['slug']), '=', `deleted-${user.id}`)).where('id', '!=', user.id).executeTakeFirst();
  const anonymousSlug = clash ? `deleted-${user.id}-${randomBytes(6).toString('hex')}` : `deleted-${user.id}`;
  await core.transact(async (tx) => {
    await tx.updateTable('users').set({
      slug: anonymousSlug,
      email: null,
      full_name: '',
      nick_name: null,
      picture: null,
      extra: null,
      phone: null,
      first_name: null,
      last_name: null,
      mobile: null,
      phone_verified_at: null,
      mobile_verified_at: null,
      pending_email: null,
      pending_phone: null,
      pending_mobile: null,
      date_of_birth: null,
      sex: null,
      password_hash: null,
      email_verified_at: null,
      status: 'disabled',
      otp_secret: null,
      otp_last_step: null,
      otp_enabled: false,
      email_verification_enabled: false,
      phone_verification_enabled: false,
      ssh_pubkey: null,
      notifications: null,
      deleted_at: now,
      updated_at: now,
    }).where('id', '=', user.id).execute();
    await revokeApiKeys(tx, user.id, now);
    await endUserSessions(tx, user.id, 'deleted', now);
    await tx.updateTable('one_time_tokens').set({ used_at: now }).where('user_id', '=', user.id).where('used_at', 'is', null).execute();
    // A token's target may be an address or a username asked for: personal data too.
    await tx.updateTable('one_time_tokens').set({ target: null }).where('user_id', '=', user.id).execute();
    await tx.deleteFrom('user_preferences').where('user_id', '=', user.id).execute();
    await tx.deleteFrom('phone_verifications').where('user_id', '=', user.id).execute();
    await forgetPasswordHistory(tx, user.id);
    // Without roles the row grants nothing, even to code that forgets to check deleted_at.
    await tx.deleteFrom('roles').where('user_id', '=', user.id).execute();
    // Their personal billing profiles carry their name and contact details: closed and
    // anonymized like any closed organization (see docs/security.md).
    await core.identityHooks.userDeleted(tx, user.id, caller.kind === 'user' ? caller.userId : null, now);
  });
}
