// Login throttling. Failures are counted per normalized identifier (username or e-mail)
// whether or not an account answers to it, so being locked out says nothing about
// whether the account exists. After config.loginMaxAttempts failures the identifier is
// locked for config.loginLockoutSeconds; once a lock has expired counting starts over.
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

export function normalizeIdentifier(value: string): string {
  return value.trim().toLowerCase();
}

/** Every identifier a user can log in with, normalized. */
export function loginIdentifiers(user: { slug: string; email: string | null }): string[] {
  const ids = [normalizeIdentifier(user.slug)];
  if (user.email) {
    const email = normalizeIdentifier(user.email);
    if (!ids.includes(email)) ids.push(email);
  }
  return ids;
}

export interface Lockout {
  locked: boolean;
  lockedUntil: Date | null;
  failures: number;
}

/** The strictest state among the identifiers: locked if any of them is locked. */
export async function getLockout(db: Db, identifiers: string[], now: Date): Promise<Lockout> {
  if (identifiers.length === 0) return { locked: false, lockedUntil: null, failures: 0 };
  const rows = await db.selectFrom('login_throttle')
    .select(['failures', 'locked_until'])
    .where('identifier', 'in', identifiers)
    .execute();
  let lockedUntil: Date | null = null;
  let failures = 0;
  for (const row of rows) {
    const until = row.locked_until;
    if (until && until > now) {
      if (!lockedUntil || until > lockedUntil) lockedUntil = until;
    }
    // A lock that has run out no longer counts its failures.
    const stale = until !== null && until <= now;
    if (!stale && row.failures > failures) failures = row.failures;
  }
  return { locked: lockedUntil !== null, lockedUntil, failures };
}

/**
 * Counts one failure on every identifier and locks those that reach `maxAttempts`.
 * Returns the resulting state (locked when this failure started a lock).
 */
export async function recordLoginFailure(
  tx: Db,
  identifiers: string[],
  now: Date,
  maxAttempts: number,
  lockoutSeconds: number,
): Promise<Lockout> {
  const lockUntil = new Date(now.getTime() + lockoutSeconds * 1000);
  let result: Lockout = { locked: false, lockedUntil: null, failures: 0 };
  for (const identifier of identifiers) {
    // One upsert: restart the count when a previous lock has expired, lock on reaching the limit.
    const row = await tx.insertInto('login_throttle')
      .values({
        identifier,
        failures: 1,
        locked_until: maxAttempts <= 1 ? lockUntil : null,
        last_failure_at: now,
      })
      .onConflict((oc) => oc.column('identifier').doUpdateSet({
        failures: sql<number>`case when login_throttle.locked_until is not null and login_throttle.locked_until <= ${now}
          then 1 else login_throttle.failures + 1 end`,
        locked_until: sql<Date | null>`case
          when (case when login_throttle.locked_until is not null and login_throttle.locked_until <= ${now}
                then 1 else login_throttle.failures + 1 end) >= ${maxAttempts} then ${lockUntil}::timestamptz
          when login_throttle.locked_until is not null and login_throttle.locked_until <= ${now} then null
          else login_throttle.locked_until end`,
        last_failure_at: now,
      }))
      .returning(['failures', 'locked_until'])
      .executeTakeFirstOrThrow();
    if (row.failures > result.failures) result = { ...result, failures: row.failures };
    if (row.locked_until && row.locked_until > now && (!result.lockedUntil || row.locked_until > result.lockedUntil)) {
      result = { ...result, locked: true, lockedUntil: row.locked_until };
    }
  }
  return result;
}

/** Forgets failures and locks, after a successful login or a password reset. */
export async function clearLockout(tx: Db, identifiers: string[]): Promise<void> {
  if (identifiers.length === 0) return;
  await tx.deleteFrom('login_throttle').where('identifier', 'in', identifiers).execute();
}
