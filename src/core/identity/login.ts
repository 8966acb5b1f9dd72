// Logging in with a username (or e-mail) and password, plus a second factor when the
// user asked for one; refreshing and verifying tokens; logging out. Every way a login
// can fail before the password is proven right answers the same, in about the same
// time, so the answers never tell whether an account exists.
import type { Caller, Core, RequestOrigin } from '../context.js';
import type { AnonymousCarry } from './hooks.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { BadRequest, Forbidden, Invalid, codeInvalid } from '../errors.js';
import { refusalReason } from './authenticate.js';
import { sendActivationLink } from './activation.js';
import { consumeOneTimeToken, issueOneTimeToken } from './one-time-tokens.js';
import { normalizeCode, verifyOtpCode } from './otp.js';
import { normalizeRecoveryCode, spendRecoveryCode } from './recovery-codes.js';
import { recordSecurityEvent, securityEventRow } from './security-events.js';
import { passwordHashLine } from './passwords.js';
import { PasswordAttempt } from './attempts.js';
import { openSession } from './sessions.js';
import { findUserByLogin, printableName } from './users.js';
import { countSend } from '../notify/send-limits.js';

export const INVALID_CREDENTIALS = 'Invalid username or password.';

export interface Credentials {
  username: string;
  password: string;
  /** The one-time code; the seed sends it as an integer. */
  code?: string | number;
  /** The application the user logs in to (an OAuth2 client's id), recorded with the login's security event. */
  application?: string;
}

export interface LoggedIn {
  token: string;
  user: UserRow;
}

function originOf(caller: Caller): RequestOrigin {
  return { ip: caller.ip, userAgent: caller.userAgent };
}


type SecondFactor = 'otp' | 'email' | 'phone' | null;

function secondFactor(user: UserRow): SecondFactor {
  if (user.otp_enabled) return 'otp';
  if (user.email_verification_enabled) return 'email';
  if (user.phone_verification_enabled) return 'phone';
  return null;
}

/** Sends a login code by e-mail or SMS and explains it in a 400 on `code`. */
async function sendLoginCode(core: Core, user: UserRow, factor: 'email' | 'phone'): Promise<Invalid> {
  const now = core.now();
  if (factor === 'phone' && !user.phone) {
    return new Invalid('code', 'A code by text message is required, but there is no phone number on file for this account. Contact an administrator.', 'phone.missing');
  }
  if (factor === 'email' && !user.email) {
    return new Invalid('code', 'A code by e-mail is required, but there is no e-mail address on file for this account. Contact an administrator.', 'email.missing');
  }
  const purpose = factor === 'email' ? 'login_code' : 'phone_code';
  const lifetime = core.config.codeLifetimeSeconds;
  const minutes = Math.max(1, Math.round(lifetime / 60));
  let secret = '';
  await core.transact(async (tx) => {
    ({ secret } = await issueOneTimeToken(tx, user.id, purpose, lifetime, now, 'code'));
    if (factor === 'email') {
      await core.mailer.enqueue(tx, {
        to: user.email!,
        template: 'login_code',
        context: { full_name: printableName(user), username: user.slug, code: secret, minutes, site: core.config.brokerName },
      });
    }
  });
  if (factor === 'email') {
    return new Invalid('code', 'We sent a one-time code to your e-mail address.', 'login.code_sent');
  }
  await core.sms.send(user.phone!, `${secret} is your ${core.config.brokerName} login code. It expires in ${minutes} minutes.`);
  return new Invalid('code', 'We sent a one-time code to your phone by text message.', 'login.code_sent');
}

async function checkSecondFactor(core: Core, tx: Db, user: UserRow, factor: Exclude<SecondFactor, null>, code: string, now: Date): Promise<boolean> {
  if (factor === 'otp') return verifyOtpCode(core, tx, user, code, now);
  const purpose = factor === 'email' ? 'login_code' : 'phone_code';
  return (await consumeOneTimeToken(tx, purpose, code, now, user.id)) === user.id;
}

/** Spends a recovery code in place of the second factor: a security event and a mail to the owner. */
async function spendRecoveryCodeAtLogin(core: Core, tx: Db, user: UserRow, code: string, origin: RequestOrigin, now: Date): Promise<boolean> {
  const remaining = await spendRecoveryCode(tx, user.id, code, now);
  if (remaining === null) return false;
  await recordSecurityEvent(tx, user.id, 'otp.recovery_code_used', origin, now, { remaining });
  if (user.email) {
    await core.mailer.enqueue(tx, {
      to: user.email,
      template: 'recovery_code_used',
      context: {
        full_name: printableName(user), username: user.slug, at: now.toISOString(), ip: origin.ip ?? 'unknown',
        remaining, site: core.config.brokerName, recover_url: core.links.recover(),
      },
    });
  }
  return true;
}

export async function login(core: Core, caller: Caller, credentials: Credentials, carried: AnonymousCarry = {}): Promise<LoggedIn> {
  // Too busy to check a password: refused before the first query (and the same for every account).
  passwordHashLine.refuseWhenFull();
  const origin = originOf(caller);
  const user = await findUserByLogin(core.db, credentials.username);
  // Counted before the password is checked, known account or not (see attempts.ts).
  const attempt = new PasswordAttempt(core, origin, user, credentials.username);
  await attempt.begin();

  // With no such user (or no password) this still spends one argon2 verification.
  const ok = await attempt.checkPassword(user?.password_hash ?? null, credentials.password);
  if (!ok || !user) {
    throw await attempt.fail('password', new BadRequest(INVALID_CREDENTIALS, 'login.invalid_credentials'));
  }

  // From here on the caller proved the password, so telling them about the account is
  // fine; an answer that is neither success nor a wrong second factor gives the attempt back.
  const factor = secondFactor(user);
  // A recovery code stands in for whichever second factor the user has.
  const recoveryCode = factor ? normalizeRecoveryCode(credentials.code) : null;
  const code = recoveryCode ?? normalizeCode(credentials.code);
  const pending = await passwordProven(core, caller, user, factor, code);
  if (pending) {
    await attempt.abandon();
    throw pending;
  }

  const now = core.now();
  const detail = {
    ...(factor ? { factor: recoveryCode ? 'recovery_code' : factor } : {}),
    ...(credentials.application ? { application: credentials.application } : {}),
  };
  const record = (db: Db) => recordLoginSucceeded(db, user.id, attempt, origin, now, Object.keys(detail).length ? detail : undefined);
  // Without a second factor nothing is left to check: the one statement commits on its own.
  const accepted = !factor ? (await record(core.db), true) : await core.transact(async (tx) => {
    const passed = recoveryCode
      ? await spendRecoveryCodeAtLogin(core, tx, user, recoveryCode, origin, now)
      : code !== null && await checkSecondFactor(core, tx, user, factor, code!, now);
    if (!passed) return false;
    await record(tx);
    return true;
  });
  if (!accepted) {
    throw await attempt.fail(recoveryCode ? 'recovery_code' : factor!, codeInvalid());
  }
  // Roles an organization grants to every user of its e-mail domain arrive at login.
  await core.identityHooks.loggedIn(core, user);
  await core.identityHooks.claimAnonymous(core, user.id, carried);
  const method = !factor ? 'password' : recoveryCode ? 'password+recovery_code' : `password+${factor}` as const;
  const { token } = await openSession(core, core.db, user, method, origin, now);
  return { token, user: { ...user, last_login_at: now } };
}

/**
 * What an accepted login records: the user's last login, the attempt's throttle counts
 * forgotten (attempts.ts) and the `login.succeeded` event, as one statement (data-modifying
 * CTEs commit or fail together) rather than a transaction of five: on PGlite every
 * statement runs on the event loop, beside the reads (docs/benchmarks/startup-logins-nodes.md).
 */
async function recordLoginSucceeded(db: Db, userId: number, attempt: PasswordAttempt, origin: RequestOrigin, now: Date, detail?: Record<string, unknown>): Promise<void> {
  await db
    .with('cleared', (qc) => attempt.succeededQuery(qc))
    .with('seen', (qc) => qc.updateTable('users').set({ last_login_at: now }).where('id', '=', userId))
    .insertInto('security_events').values(securityEventRow(userId, 'login.succeeded', origin, now, detail))
    .execute();
}

/** What to answer instead of logging in, once the password is right: refusal, activation, code needed. */
async function passwordProven(core: Core, caller: Caller, user: UserRow, factor: SecondFactor, code: string | null | undefined): Promise<Error | null> {
  const refusal = refusalReason(user);
  if (refusal) return new Forbidden(`${refusal.message} Contact an administrator.`, refusal.code);

  if (!user.email_verified_at) {
    const refusal = await countSend(core, core.db, caller, 'activation', `user:${user.id}`);
    if (refusal) return refusal;
    await core.transact((tx) => sendActivationLink(core, tx, user));
    return new BadRequest('This account is not activated yet: we sent a new activation link to your e-mail address. Open it to activate the account, then log in.', 'user.not_activated');
  }

  if (factor && code === undefined) {
    if (factor === 'otp') return new Invalid('code', 'A one-time code is required.', 'login.code_required');
    return (await countSend(core, core.db, caller, 'login_code', `user:${user.id}`)) ?? sendLoginCode(core, user, factor);
  }
  return null;
}
