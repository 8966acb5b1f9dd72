// Login throttling, after Keycloak's brute-force detection. Failures are counted on two
// rows: the account's (every address together) and the account-from-this-address one.
// An address locks itself out of the account after config.loginMaxAttempts failures; the
// account locks for everyone only after config.loginAccountMaxAttempts, so one address
// cannot lock its victim out quickly. Each lock in a row lasts twice the one before (up
// to a maximum); counts are forgotten after a quiet period. Unknown identifiers are
// counted the same way, so a lock says nothing about whether the account exists.
//
// An attempt is counted *before* its password is checked, by one atomic upsert per row
// that refuses once the row is full: however many requests run in parallel, at most the
// limit of them get to check a password. Success clears the count; an attempt that
// ends without a verdict (second factor still to come) gives its place back.
import { sql, type QueryCreator, type RawBuilder } from 'kysely';
import type { Config } from '../../config.js';
import type { Db } from '../../db/database.js';
import type { Database } from '../../db/schema.js';
import { randomToken } from './secrets.js';

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

export interface LockoutPolicy {
  /** Failures from one address before that address is locked out of the account. */
  addressMaxAttempts: number;
  /** Failures from all addresses before the account is locked for everyone. */
  accountMaxAttempts: number;
  /** The first lock; each following one doubles, up to lockoutMaxSeconds. */
  lockoutSeconds: number;
  lockoutMaxSeconds: number;
  /** Without an attempt for this long, counts and lock history are forgotten. */
  failureResetSeconds: number;
}

export function lockoutPolicy(config: Config): LockoutPolicy {
  return {
    addressMaxAttempts: config.loginMaxAttempts,
    accountMaxAttempts: config.loginAccountMaxAttempts,
    lockoutSeconds: config.loginLockoutSeconds,
    lockoutMaxSeconds: config.loginLockoutMaxSeconds,
    failureResetSeconds: config.loginFailureResetSeconds,
  };
}

const ACCOUNT = '';

export interface ThrottleKeys {
  identifier: string;
  address: string;
}

export function throttleKeys(identifier: string, address: string | undefined): ThrottleKeys {
  return { identifier: normalizeIdentifier(identifier), address: address || 'unknown' };
}

/** Seconds of the next lock, given how many locks came before it. */
function lockSeconds(policy: LockoutPolicy, lockouts: number): number {
  return Math.min(policy.lockoutSeconds * 2 ** Math.min(lockouts, 30), policy.lockoutMaxSeconds);
}

interface Row {
  failures: number;
  locked_until: Date | null;
  lockouts: number;
}

/**
 * The upsert that counts one attempt on one row unless it is locked or full; `source`
 * gives the row to insert when it does not exist yet (`values (...)` or a `select`).
 */
function claimRowStatement(source: RawBuilder<unknown>, max: number, now: Date, policy: LockoutPolicy): RawBuilder<unknown> {
  const cutoff = new Date(now.getTime() - policy.failureResetSeconds * 1000);
  const t = sql.table('login_throttle');
  const locked = sql`${t}.locked_until > ${now}::timestamptz`;
  const stale = sql`greatest(${t}.last_failure_at, coalesce(${t}.locked_until, ${t}.last_failure_at)) <= ${cutoff}::timestamptz`;
  return sql`
    insert into login_throttle (identifier, address, failures, locked_until, last_failure_at, lockouts)
    ${source}
    on conflict (identifier, address) do update set
      failures = case
        when ${locked} then ${t}.failures
        when ${stale} or ${t}.locked_until is not null then 1
        else least(${t}.failures + 1, ${max}::int + 1) end,
      lockouts = case when not (${locked}) and ${stale} then 0 else ${t}.lockouts end,
      locked_until = case when ${locked} then ${t}.locked_until else null end,
      lock_attempt = case when ${locked} then ${t}.lock_attempt else null end,
      last_failure_at = case when ${locked} then ${t}.last_failure_at else ${now}::timestamptz end
    returning failures, locked_until, lockouts`;
}

function refusal(row: Row, max: number, now: Date, policy: LockoutPolicy): number | null {
  if (row.locked_until && row.locked_until > now) return (row.locked_until.getTime() - now.getTime()) / 1000;
  // Full: the limit's worth of attempts are failed or still being checked.
  if (row.failures > max) return lockSeconds(policy, row.lockouts);
  return null;
}

async function releaseRow(db: Db, identifier: string, address: string): Promise<void> {
  await db.updateTable('login_throttle')
    .set({ failures: sql<number>`greatest(failures - 1, 0)` })
    .where('identifier', '=', identifier).where('address', '=', address)
    .execute();
}

export type Claim = { ok: true } | { ok: false; retryAfter: number };

/**
 * Counts an attempt before its password is checked. The address's row comes first: an
 * address locked out of the account adds nothing to the account's count. Both rows are
 * counted by one statement (the account's upsert reads the address's result), which on
 * PGlite costs half of two: every statement runs on the event loop there.
 */
export async function claimAttempt(db: Db, keys: ThrottleKeys, now: Date, policy: LockoutPolicy): Promise<Claim> {
  const own = claimRowStatement(sql`values (${keys.identifier}, ${keys.address}, 1, null, ${now}::timestamptz, 0)`,
    policy.addressMaxAttempts, now, policy);
  // The account's row is only counted when the address's row let the attempt through.
  const ownLetThrough = sql`(own.locked_until is null or own.locked_until <= ${now}::timestamptz) and own.failures <= ${policy.addressMaxAttempts}::int`;
  const account = claimRowStatement(sql`select ${keys.identifier}, ${ACCOUNT}, 1, null::timestamptz, ${now}::timestamptz, 0 from own where ${ownLetThrough}`,
    policy.accountMaxAttempts, now, policy);
  const { rows } = await sql<Row & { scope: 'own' | 'account' }>`
    with own as (${own}), account as (${account})
    select 'own' as scope, * from own union all select 'account' as scope, * from account`.execute(db);
  const ownRow = rows.find((row) => row.scope === 'own')!;
  const ownRefusal = refusal(ownRow, policy.addressMaxAttempts, now, policy);
  if (ownRefusal !== null) return { ok: false, retryAfter: ownRefusal };
  const accountRow = rows.find((row) => row.scope === 'account')!;
  const accountRefusal = refusal(accountRow, policy.accountMaxAttempts, now, policy);
  if (accountRefusal !== null) {
    await releaseRow(db, keys.identifier, keys.address);
    return { ok: false, retryAfter: accountRefusal };
  }
  return { ok: true };
}

/** Gives back a claimed attempt that ended neither in success nor in failure. */
export async function releaseAttempt(db: Db, keys: ThrottleKeys): Promise<void> {
  await releaseRow(db, keys.identifier, keys.address);
  await releaseRow(db, keys.identifier, ACCOUNT);
}

export interface FailureState {
  /** Failures on the account's row. */
  failures: number;
  /** Seconds to wait when the account or this address is now locked, else null. */
  retryAfter: number | null;
  /** The lock this very failure started, if any. */
  newLock: { scope: 'account' | 'address'; until: Date } | null;
}

/** Turns a claimed attempt into a failure: locks the rows that reached their limit. */
async function failRow(tx: Db, identifier: string, address: string, max: number, now: Date, policy: LockoutPolicy, attempt: string) {
  const t = sql.table('login_throttle');
  const starts = sql`(${t}.locked_until is null or ${t}.locked_until <= ${now}::timestamptz) and ${t}.failures >= ${max}::int`;
  const seconds = sql`least(${policy.lockoutSeconds}::float8 * power(2, least(${t}.lockouts, 30)), ${policy.lockoutMaxSeconds}::float8)`;
  const result = await sql<Row & { lock_attempt: string | null }>`
    update login_throttle set
      locked_until = case when ${starts} then ${now}::timestamptz + make_interval(secs => ${seconds}) else ${t}.locked_until end,
      lockouts = case when ${starts} then ${t}.lockouts + 1 else ${t}.lockouts end,
      lock_attempt = case when ${starts} then ${attempt} else ${t}.lock_attempt end,
      last_failure_at = ${now}::timestamptz
    where identifier = ${identifier} and address = ${address}
    returning failures, locked_until, lockouts, lock_attempt`.execute(tx);
  return result.rows[0] as (Row & { lock_attempt: string | null }) | undefined;
}

export async function recordFailure(tx: Db, keys: ThrottleKeys, now: Date, policy: LockoutPolicy): Promise<FailureState> {
  const attempt = randomToken(12);
  const own = await failRow(tx, keys.identifier, keys.address, policy.addressMaxAttempts, now, policy, attempt);
  const account = await failRow(tx, keys.identifier, ACCOUNT, policy.accountMaxAttempts, now, policy, attempt);
  let retryAfter: number | null = null;
  for (const row of [own, account]) {
    if (row?.locked_until && row.locked_until > now) {
      retryAfter = Math.max(retryAfter ?? 0, (row.locked_until.getTime() - now.getTime()) / 1000);
    }
  }
  let newLock: FailureState['newLock'] = null;
  if (account?.lock_attempt === attempt && account.locked_until) newLock = { scope: 'account', until: account.locked_until };
  else if (own?.lock_attempt === attempt && own.locked_until) newLock = { scope: 'address', until: own.locked_until };
  return { failures: account?.failures ?? 0, retryAfter, newLock };
}

/** After a success: forgets the account's count and this address's, not other addresses'. */
export async function clearAfterSuccess(tx: Db, keys: ThrottleKeys): Promise<void> {
  await clearAfterSuccessQuery(tx, keys).execute();
}

/** The statement of clearAfterSuccess, for a login that makes all its records in one statement. */
export function clearAfterSuccessQuery(db: QueryCreator<Database>, keys: ThrottleKeys) {
  // The rows are locked in claimAttempt's order, this address's then the account's. Deleted
  // by `in`, the account's would be locked first (index order), and a claim running beside
  // this one, holding the address's row and waiting for the account's, would deadlock it.
  return db.deleteFrom('login_throttle')
    .where('identifier', '=', keys.identifier)
    .where('address', 'in', (eb) => eb.selectFrom('login_throttle').select('address')
      .where('identifier', '=', keys.identifier).where('address', 'in', [keys.address, ACCOUNT])
      .orderBy(sql`address = ${ACCOUNT}`).forUpdate());
}

export interface Lockout {
  locked: boolean;
  lockedUntil: Date | null;
  failures: number;
}

/** The account-wide state, for administrators: locked if any identifier's row is. */
export async function getLockout(db: Db, identifiers: string[], now: Date): Promise<Lockout> {
  if (identifiers.length === 0) return { locked: false, lockedUntil: null, failures: 0 };
  const rows = await db.selectFrom('login_throttle')
    .select(['failures', 'locked_until'])
    .where('identifier', 'in', identifiers)
    .where('address', '=', ACCOUNT)
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

/** Forgets every count and lock of these identifiers, from every address (unlock, reset). */
export async function clearLockout(tx: Db, identifiers: string[]): Promise<void> {
  if (identifiers.length === 0) return;
  await tx.deleteFrom('login_throttle').where('identifier', 'in', identifiers).execute();
}
