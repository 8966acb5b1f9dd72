// Single-use, expiring secrets sent to a user: activation and password-reset links, and
// login codes. Only a hash is stored; consuming one marks it used in the same statement
// that checks it, so two requests racing with the same secret cannot both succeed.
import type { Db } from '../../db/database.js';
import type { OneTimeTokenPurpose } from '../../db/schema.js';
import { randomDigits, randomToken, sha256 } from './secrets.js';

export interface IssuedToken {
  secret: string;
  expiresAt: Date;
}

/** Issues a new secret; earlier unused ones for the same purpose stop working. */
export async function issueOneTimeToken(
  tx: Db,
  userId: number,
  purpose: OneTimeTokenPurpose,
  lifetimeSeconds: number,
  now: Date,
  kind: 'link' | 'code' = 'link',
): Promise<IssuedToken> {
  await tx.updateTable('one_time_tokens').set({ used_at: now })
    .where('user_id', '=', userId).where('purpose', '=', purpose).where('used_at', 'is', null).execute();
  // A code is short, so it is hashed with the user id to keep codes of different users apart.
  const secret = kind === 'code' ? randomDigits(6) : randomToken(32);
  const expiresAt = new Date(now.getTime() + lifetimeSeconds * 1000);
  await tx.insertInto('one_time_tokens').values({
    user_id: userId,
    purpose,
    token_hash: hashFor(purpose, secret, kind === 'code' ? userId : null),
    expires_at: expiresAt,
    created_at: now,
  }).execute();
  return { secret, expiresAt };
}

function hashFor(purpose: OneTimeTokenPurpose, secret: string, userId: number | null): string {
  return sha256(userId === null ? `${purpose}:${secret}` : `${purpose}:${userId}:${secret}`);
}

/** Finds an unused, unexpired link secret without consuming it (to show who it is for). */
export async function peekOneTimeToken(db: Db, purpose: OneTimeTokenPurpose, secret: string, now: Date): Promise<number | undefined> {
  const row = await db.selectFrom('one_time_tokens').select('user_id')
    .where('token_hash', '=', hashFor(purpose, secret, null))
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .executeTakeFirst();
  return row?.user_id;
}

/**
 * Consumes a secret: returns the user it belongs to, or undefined when it is unknown,
 * expired or already used. Pass `userId` for codes (they are per user).
 */
export async function consumeOneTimeToken(
  tx: Db,
  purpose: OneTimeTokenPurpose,
  secret: string,
  now: Date,
  userId?: number,
): Promise<number | undefined> {
  const row = await tx.updateTable('one_time_tokens').set({ used_at: now })
    .where('token_hash', '=', hashFor(purpose, secret, userId ?? null))
    .where('purpose', '=', purpose)
    .where('used_at', 'is', null)
    .where('expires_at', '>', now)
    .returning('user_id')
    .executeTakeFirst();
  if (row && userId !== undefined && row.user_id !== userId) return undefined;
  return row?.user_id;
}
