// Secret API keys. A key is `ap_<key id>_<secret>`: the key id finds the row, and the
// SHA-256 of the whole key is compared in constant time. Only the hash is stored; the
// key is shown once, when it is made.
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { randomToken, safeEqual, sha256 } from './secrets.js';
import type { AuthState } from './authenticate.js';

const KEY_PATTERN = /^ap_([A-Za-z0-9]{12})_([A-Za-z0-9_-]{40,})$/;

function newKeyId(): string {
  return randomToken(12).replace(/[^A-Za-z0-9]/g, '').padEnd(12, '0').slice(0, 12);
}

/** Revokes every live key of the user; answers how many. */
export async function revokeApiKeys(tx: Db, userId: number, now: Date): Promise<number> {
  const revoked = await tx.updateTable('api_keys').set({ revoked_at: now })
    .where('user_id', '=', userId).where('revoked_at', 'is', null).returning('id').execute();
  return revoked.length;
}

/** Revokes the user's keys and makes a new one; returns the secret, shown only now. */
export async function resetApiKey(tx: Db, userId: number, now: Date, title: string | null = null): Promise<string> {
  await revokeApiKeys(tx, userId, now);
  const keyId = newKeyId();
  const secret = `ap_${keyId}_${randomToken(32)}`;
  await tx.insertInto('api_keys')
    .values({ user_id: userId, key_id: keyId, secret_hash: sha256(secret), title, created_at: now })
    .execute();
  return secret;
}

export async function findUserByApiKey(core: Core, key: string): Promise<AuthState | undefined> {
  const match = KEY_PATTERN.exec(key);
  if (!match) return undefined;
  const row = await core.db
    .selectFrom('api_keys')
    .innerJoin('users', 'users.id', 'api_keys.user_id')
    .select(['api_keys.id as key_row', 'api_keys.secret_hash', 'api_keys.revoked_at', 'api_keys.last_used_at',
      'users.id', 'users.slug', 'users.status', 'users.deleted_at', 'users.password_changed_at'])
    .where('api_keys.key_id', '=', match[1])
    .executeTakeFirst();
  if (!row || row.revoked_at || !safeEqual(row.secret_hash, sha256(key))) return undefined;
  // Recording each use would put a write on every request made with the key: once a
  // minute is enough to tell which keys are alive.
  const now = core.now();
  if (!row.last_used_at || now.getTime() - row.last_used_at.getTime() > 60_000) {
    await core.db.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row.key_row).execute();
  }
  return row;
}
