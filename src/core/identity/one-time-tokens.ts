// Single-use, expiring secrets sent to a user: activation, password-reset and e-mail
// change links, and login codes. Only a hash is stored; consuming one marks it used in the
// same statement that checks it, so two requests racing with the same secret cannot both
// succeed.
//
// Each token is bound to a stamp of what it was issued for: a digest of the user's
// password hash and e-mail address, computed by the database when the token is written
// and compared with the row as it is when the token is used. A new password (changed,
// reset, activated) or a new e-mail address ends every link issued before it, whichever
// code path made the change, without anyone having to remember to revoke them.
import { sql, type RawBuilder } from 'kysely';
import type { Db } from '../../db/database.js';
import type { OneTimeTokenPurpose } from '../../db/schema.js';
import { randomDigits, randomToken, sha256 } from './secrets.js';
import { deleteOlderThan } from '../batches.js';

export interface IssuedToken {
  secret: string;
  expiresAt: Date;
}

/**
 * Purposes that outlive a change of credentials or address. The undo link of an e-mail
 * change goes to the former address precisely to reverse such a change, so whoever made
 * it must not be able to kill it by changing the password next.
 */
const UNBOUND: ReadonlySet<OneTimeTokenPurpose> = new Set(['email_undo']);

/** The stamp of user `userId` as its row is now (one definition, used to issue and to check). */
function currentStamp(userId: RawBuilder<unknown> | number): RawBuilder<string> {
  return sql<string>`(select md5(coalesce(u.password_hash, '') || '|' || lower(coalesce(u.email, ''))) from users u where u.id = ${userId})`;
}

export interface IssueOptions {
  kind?: 'link' | 'code';
  /** What the token is about (see OneTimeTokensTable.target). */
  target?: string | null;
  /**
   * Leave earlier unused tokens of the same purpose working. Activation links are re-sent
   * (on request, or when someone logs in before activating): the first mail must not
   * become a dead link because a second one went out.
   */
  keepEarlier?: boolean;
}

/** Issues a new secret; unless `keepEarlier`, earlier unused ones for the same purpose stop working. */
export async function issueOneTimeToken(
  tx: Db,
  userId: number,
  purpose: OneTimeTokenPurpose,
  lifetimeSeconds: number,
  now: Date,
  options: IssueOptions | 'link' | 'code' = {},
): Promise<IssuedToken> {
  const { kind = 'link', target = null, keepEarlier = false } = typeof options === 'string' ? { kind: options } : options;
  // An unbound link (an e-mail change's undo) is never ended by a later one: whoever made the
  // change could otherwise kill the owner's undo link by changing the address once more.
  if (!keepEarlier && !UNBOUND.has(purpose)) await revokeOneTimeTokens(tx, userId, purpose, now);
  // A code is short, so it is hashed with the user id to keep codes of different users apart.
  const secret = kind === 'code' ? randomDigits(6) : randomToken(32);
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
  await tx.insertInto('one_time_tokens').values({
    user_id: userId,
    purpose,
    token_hash: hashFor(purpose, secret, kind === 'code' ? userId : null),
    expires_at: expiresAt,
    created_at: now,
    stamp: UNBOUND.has(purpose) ? null : currentStamp(userId),
    target,
  }).execute();
  return { secret, expiresAt };
}

/** Ends every unused token of `purpose` for the user. */
export async function revokeOneTimeTokens(tx: Db, userId: number, purpose: OneTimeTokenPurpose, now: Date, issuedAfter?: number): Promise<void> {
  let query = tx.updateTable('one_time_tokens').set({ used_at: now })
    .where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null);
  if (issuedAfter !== undefined) query = query.where('id', '>', issuedAfter);
  await query.execute();
}

function hashFor(purpose: OneTimeTokenPurpose, secret: string, userId: number | null): string {
  return sha256(userId === null ? `${purpose}:${secret}` : `${purpose}:${userId}:${secret}`);
}

/** The token still stands for what it was issued for (or its purpose is not bound). */
function stampHolds(purpose: OneTimeTokenPurpose): RawBuilder<boolean> {
  return UNBOUND.has(purpose)
    ? sql<boolean>`true`
    : sql<boolean>`one_time_tokens.stamp = ${currentStamp(sql.ref('one_time_tokens.user_id'))}`;
}

export interface TokenHolder {
  userId: number;
  target: string | null;
  /** The token's row id: later ids were issued after it. */
  id: number;
}

/** Finds an unused, unexpired, still-valid link secret without consuming it (to show who it is for). */
export async function peekOneTimeToken(db: Db, purpose: OneTimeTokenPurpose, secret: string, now: Date): Promise<number | undefined> {
  return (await peekOneTimeTokenHolder(db, purpose, secret, now))?.userId;
}

export async function peekOneTimeTokenHolder(db: Db, purpose: OneTimeTokenPurpose, secret: string, now: Date): Promise<TokenHolder | undefined> {
  const row = await db.selectFrom('one_time_tokens').select(['id', 'user_id', 'target'])
    .where('token_hash', '=', hashFor(purpose, secret, null))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where(stampHolds(purpose))
    .executeTakeFirst();
  return row ? { userId: row.user_id, target: row.target, id: row.id } : undefined;
}

/**
 * Consumes a secret: returns the user it belongs to, or undefined when it is unknown,
 * expired, already used, or issued before the user's password or address changed.
 * Pass `userId` for codes (they are per user).
 */
export async function consumeOneTimeToken(
  tx: Db,
  purpose: OneTimeTokenPurpose,
  secret: string,
  now: Date,
  userId?: number,
): Promise<number | undefined> {
  return (await consumeOneTimeTokenHolder(tx, purpose, secret, now, userId))?.userId;
}

export async function consumeOneTimeTokenHolder(
  tx: Db,
  purpose: OneTimeTokenPurpose,
  secret: string,
  now: Date,
  userId?: number,
): Promise<TokenHolder | undefined> {
  const row = await tx.updateTable('one_time_tokens').set({ used_at: now })
    .where('token_hash', '=', hashFor(purpose, secret, userId ?? null))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .where(stampHolds(purpose))
    .returning(['id', 'user_id', 'target'])
    .executeTakeFirst();
  if (!row || (userId !== undefined && row.user_id !== userId)) return undefined;
  return { userId: row.user_id, target: row.target, id: row.id };
}

/** An expired link is kept this long after its expiry, so support can still see it was sent. */
export const EXPIRED_TOKEN_RETENTION_SECONDS = 7 * 86_400;

/**
 * Part of the daily `prune-records` job: deletes links and codes expired for more than
 * EXPIRED_TOKEN_RETENTION_SECONDS. They open nothing now: an expired secret and an
 * unknown one get the same answer, so deleting one changes no answer.
 */
export async function pruneExpiredTokens(db: Db, now: Date): Promise<number> {
  const before = new Date(now.getTime() - EXPIRED_TOKEN_RETENTION_SECONDS * 1000);
  return deleteOlderThan(db, 'one_time_tokens', 'expires_at', before);
}
