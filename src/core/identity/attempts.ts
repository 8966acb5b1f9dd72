// One attempt at proving a password (a login, or a route re-checking the caller's
// password): counted before the password is checked, so parallel guesses cannot overrun
// the limit; a failure is a security event, and a lock is mailed to the account's owner.
// Both paths, known account or not, do the same database work (see recordFailedAttempt),
// so neither the answer nor its timing tells whether the account exists.
import type { Core, RequestOrigin } from '../context.js';
import type { Db } from '../../db/database.js';
import type { Database, UserRow } from '../../db/schema.js';
import type { QueryCreator } from 'kysely';
import { TooManyAttempts, Unavailable } from '../errors.js';
import { claimAttempt, clearAfterSuccess, clearAfterSuccessQuery, lockoutPolicy, recordFailure, releaseAttempt, throttleKeys, type ThrottleKeys } from './throttle.js';
import { printableName } from './users.js';
import { passwordHashLine, verifyPassword } from './passwords.js';

export type AttemptUser = Pick<UserRow, 'id' | 'slug' | 'email' | 'full_name'>;

/** Why an attempt failed, as recorded in the `login.failed` security event. */
export type FailureReason = 'password' | 'password_confirmation' | 'otp' | 'email' | 'phone' | 'recovery_code';

export function lockedError(retryAfter: number): TooManyAttempts {
  const seconds = Math.max(1, Math.ceil(retryAfter));
  return new TooManyAttempts(`Too many failed login attempts. Try again in ${seconds} seconds.`, seconds, 'login.locked');
}

export class PasswordAttempt {
  readonly keys: ThrottleKeys;

  /**
   * `login` is what the caller typed to name the account: an unknown one is counted
   * under that name, a known one under the account's username, whichever name was typed.
   */
  constructor(
    private readonly core: Core,
    private readonly origin: RequestOrigin,
    readonly user: AttemptUser | undefined,
    login: string,
  ) {
    this.keys = throttleKeys(user ? user.slug : login, origin.ip);
  }

  /** Counts the attempt; throws the 429 to answer when the account or this address is locked, the 503 when every core is busy hashing. */
  async begin(): Promise<void> {
    // Too busy to check the password: refused before the attempt is counted.
    passwordHashLine.refuseWhenFull();
    const claim = await claimAttempt(this.core.db, this.keys, this.core.now(), lockoutPolicy(this.core.config));
    if (!claim.ok) throw lockedError(claim.retryAfter);
  }

  /**
   * Checks the password against `stored` (the decoy when there is none). When the service is
   * too busy to check it (Unavailable), nothing was tried: the attempt is given back.
   */
  async checkPassword(stored: string | null, password: string): Promise<boolean> {
    try {
      return await verifyPassword(stored, password);
    } catch (error) {
      if (error instanceof Unavailable) await this.abandon();
      throw error;
    }
  }

  /** The attempt ended without proving anything wrong (e.g. the second factor is still to come). */
  async abandon(): Promise<void> {
    await releaseAttempt(this.core.db, this.keys);
  }

  /** Forgets the failures of the account (and of this address), in the caller's transaction. */
  async succeeded(tx: Db): Promise<void> {
    await clearAfterSuccess(tx, this.keys);
  }

  /** The statement of `succeeded`, for a login that makes all its records in one statement. */
  succeededQuery(db: QueryCreator<Database>) {
    return clearAfterSuccessQuery(db, this.keys);
  }

  /**
   * Records the failure; returns the error to answer: `answer`, or a 429 when this failure
   * started a lock. The same statements run whether the account exists or not.
   */
  async fail(reason: FailureReason, answer: Error): Promise<Error> {
    const { core, origin, user } = this;
    const now = core.now();
    const policy = lockoutPolicy(core.config);
    // An unknown account gets the same writes, aimed at no row (user id 0).
    const userId = user?.id ?? 0;
    const result = await core.transact(async (tx) => {
      const state = await recordFailure(tx, this.keys, now, policy);
      await recordEventIfUser(tx, userId, 'login.failed', origin, now, { reason, failures: state.failures });
      if (state.newLock) {
        await recordEventIfUser(tx, userId, 'login.locked', origin, now, {
          until: state.newLock.until.toISOString(), scope: state.newLock.scope,
        });
        await noticeLockIfUser(core, tx, userId, user, origin, now, reason, state.newLock);
      }
      return state;
    });
    return result.retryAfter !== null ? lockedError(result.retryAfter) : answer;
  }
}

/** A security event for the user, or the same statement affecting no row when there is none. */
async function recordEventIfUser(
  tx: Db,
  userId: number,
  type: 'login.failed' | 'login.locked',
  origin: RequestOrigin,
  now: Date,
  detail: Record<string, unknown>,
): Promise<void> {
  await tx.insertInto('security_events')
    .columns(['user_id', 'type', 'ip', 'user_agent', 'detail', 'created_at'])
    .expression((eb) => eb.selectFrom('users').select((s) => [
      'users.id',
      s.val(type).as('type'),
      s.val(origin.ip ?? null).as('ip'),
      s.val(origin.userAgent?.slice(0, 300) ?? null).as('user_agent'),
      s.val(JSON.stringify(detail)).as('detail'),
      s.val(now).as('created_at'),
    ]).where('users.id', '=', userId))
    .execute();
}

/** Tells the owner their account (or one address) is locked; for no user, the same insert writes nothing. */
async function noticeLockIfUser(
  core: Core,
  tx: Db,
  userId: number,
  user: AttemptUser | undefined,
  origin: RequestOrigin,
  now: Date,
  reason: FailureReason,
  lock: { scope: 'account' | 'address'; until: Date },
): Promise<void> {
  await core.mailer.enqueueToUser(tx, userId, {
    template: 'login_locked',
    context: {
      full_name: user ? printableName(user) : '',
      username: user?.slug ?? '',
      at: now.toISOString(),
      ip: origin.ip ?? 'unknown',
      attempt: reason === 'password_confirmation' ? 'while confirming a change with the password' : 'while logging in',
      scope: lock.scope === 'account'
        ? 'Logging in to the account is blocked for everyone'
        : `Logging in to the account from that address (${origin.ip ?? 'unknown'}) is blocked`,
      until: lock.until.toISOString(),
      site: core.config.brokerName,
      recover_url: core.links.recover(),
    },
  });
}
