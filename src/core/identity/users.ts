// Looking users up. A deleted user keeps its row (history points at it) but is never found.
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { NotFound } from '../errors.js';
import { refMatches, type Ref } from '../refs.js';

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** The one user resolver: by id or by username (case-insensitive). Deleted users are never found. */
export async function findUser(db: Db, ref: Ref): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll()
    .where(refMatches('users', ref))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

export async function getUser(db: Db, ref: Ref): Promise<UserRow> {
  const user = await findUser(db, ref);
  if (!user) throw new NotFound('user');
  return user;
}

/** A username given as data (registration, a grant by username), not as a reference. */
export async function findUserBySlug(db: Db, slug: string): Promise<UserRow | undefined> {
  return findUser(db, { slug });
}

export async function findUserByEmail(db: Db, email: string): Promise<UserRow | undefined> {
  return db.selectFrom('users').selectAll()
    .where((eb) => eb(eb.fn('lower', ['email']), '=', normalizeEmail(email)))
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
}

/**
 * A login identifier is a username or an e-mail address (the e-mail wins when both match).
 * One query whatever the answer, so an unknown identifier costs what a known one does.
 */
export async function findUserByLogin(db: Db, login: string): Promise<UserRow | undefined> {
  const value = login.trim().toLowerCase();
  return db.selectFrom('users').selectAll()
    .where((eb) => eb.or([eb(eb.fn('lower', ['email']), '=', value), eb(eb.fn('lower', ['slug']), '=', value)]))
    .where('deleted_at', 'is', null)
    .orderBy(sql`case when lower(email) = ${value} then 0 else 1 end`)
    .limit(1)
    .executeTakeFirst();
}

/**
 * Usernames the service gives itself, so nobody may register them: `pending-…` holds an
 * account between registration and activation (the username asked for is only taken
 * then, so registering reveals nothing), `deleted-<id>` names a deleted account,
 * `invited-…` holds an invitation sent to an address with no account yet.
 */
const RESERVED_USERNAME = /^(pending|deleted|invited)-/i;

export function isReservedUsername(username: string): boolean {
  return RESERVED_USERNAME.test(username);
}

/** An account not activated yet: its slug is a stand-in until the owner activates it. */
export function isProvisionalSlug(slug: string): boolean {
  return /^pending-/i.test(slug);
}

/** True if the user can log in: has a password, is active and not deleted. */
export function hasCredentials(user: Pick<UserRow, 'password_hash' | 'status' | 'deleted_at'>): boolean {
  return !!user.password_hash && user.status === 'active' && !user.deleted_at;
}

export function printableName(user: Pick<UserRow, 'full_name' | 'slug'>): string {
  return user.full_name || user.slug;
}
