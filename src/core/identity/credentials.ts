// Changing how a user proves who they are: password, secret API key, SSH public key and
// second factors. Each change needs the password of whoever makes the request (a stolen
// session alone is not enough), is recorded as a security event, and the password and API
// key changes are mailed to the account's owner.
import type { Caller, Core, UserCaller } from '../context.js';
import type { Ref } from '../refs.js';
import type { UserRow } from '../../db/schema.js';
import { BadRequest, Invalid, Unauthenticated, codeInvalid } from '../errors.js';
import { loadTarget } from './accounts.js';
import { resetApiKey } from './api-keys.js';
import { OTP_SETUP_SECONDS, createOtpSecret, matchSetupCode, normalizeCode, siteName } from './otp.js';
import { forgetRecoveryCodes, replaceRecoveryCodes } from './recovery-codes.js';
import { checkPasswordPolicy, hashPassword } from './passwords.js';
import { recordSecurityEvent } from './security-events.js';
import { noticeCredentialChange } from './notices.js';
import { PasswordAttempt } from './attempts.js';
import { endUserSessions, openSession, reissueToken } from './sessions.js';
import { refuseReusedPassword, rememberPassword } from './password-history.js';

function changeBy(actor: UserCaller, user: UserRow, now: Date) {
  return { by: actor.userId === user.id ? 'you' : actor.username, ip: actor.ip, at: now };
}

/**
 * Re-checks the password of the user making the request (not of the account changed),
 * for every route that asks for it. A wrong password is a failed login: same counter and
 * lockout as logging in (429 once locked, even with the right password), a security event,
 * and the owner is mailed when it locks; the right one clears the count like a login.
 */
export async function confirmPassword(core: Core, caller: Caller, password: string): Promise<UserCaller> {
  if (caller.kind !== 'user') throw new Unauthenticated();
  const user = await core.db.selectFrom('users').select(['id', 'slug', 'email', 'full_name', 'password_hash'])
    .where('id', '=', caller.userId).executeTakeFirst();
  const attempt = new PasswordAttempt(core, { ip: caller.ip, userAgent: caller.userAgent }, user, user?.slug ?? caller.username);
  await attempt.begin();
  if (!(await attempt.checkPassword(user?.password_hash ?? null, password)) || !user) {
    throw await attempt.fail('password_confirmation', new Invalid('password', 'Incorrect password.', 'password.incorrect'));
  }
  await attempt.succeeded(core.db);
  return caller;
}

export interface PasswordChanged {
  /** A fresh token for the caller, since their older ones just stopped working if they changed their own. */
  token: string;
}

export async function changePassword(
  core: Core,
  caller: Caller,
  ref: Ref,
  input: { password: string; new_password: string },
): Promise<PasswordChanged> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const actor = await confirmPassword(core, caller, input.password);
  checkPasswordPolicy(input.new_password, { username: user.slug, email: user.email }, core.config.passwordMinLength, 'new_password');
  await refuseReusedPassword(core.db, user, input.new_password, 'new_password');
  const passwordHash = await hashPassword(input.new_password);
  const now = core.now();
  const self = actor.userId === user.id;
  await core.transact(async (tx) => {
    // The hash replaced is the one in the row now (a concurrent change may have replaced the one read above).
    const previous = await tx.selectFrom('users').select('password_hash').where('id', '=', user.id).forUpdate().executeTakeFirstOrThrow();
    await tx.updateTable('users').set({ password_hash: passwordHash, password_changed_at: now, updated_at: now })
      .where('id', '=', user.id).execute();
    await rememberPassword(tx, user.id, previous.password_hash, now);
    // Whoever knew the old password is logged out everywhere else; the caller, who just
    // proved it, keeps the session they made the change from. API keys stay (a reset,
    // where someone else may have known the password, revokes them: see recovery.ts).
    const ended = await endUserSessions(tx, user.id, 'password_changed', now, self ? actor.sessionId : undefined);
    await recordSecurityEvent(tx, user.id, 'password.changed', actor, now, { ...(self ? {} : { by: actor.username }), sessions_ended: ended });
    await noticeCredentialChange(core, tx, user, 'password_changed', changeBy(actor, user, now), {
      sessionsEnded: ended, keptCurrent: self && !!actor.sessionId,
    });
  });
  // The caller's token names the password it was issued under: a fresh one, in the same session.
  if (actor.sessionId) return { token: await reissueToken(core, actor.sessionId, now) };
  const row = await core.db.selectFrom('users').select(['id', 'slug', 'email', 'full_name', 'password_changed_at'])
    .where('id', '=', actor.userId).executeTakeFirstOrThrow();
  return { token: (await openSession(core, core.db, row, 'password_change', actor, now)).token };
}

/** Replaces the user's API key; the secret is returned now and never again. */
export async function resetUserApiKey(core: Core, caller: Caller, ref: Ref, input: { password: string }): Promise<string> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const actor = await confirmPassword(core, caller, input.password);
  const now = core.now();
  const secret = await core.transact(async (tx) => {
    const key = await resetApiKey(tx, user.id, now);
    await recordSecurityEvent(tx, user.id, 'api_key.reset', actor, now, actor.userId === user.id ? undefined : { by: actor.username });
    await noticeCredentialChange(core, tx, user, 'api_key_created', changeBy(actor, user, now));
    return key;
  });
  return secret;
}

const SSH_KEY_TYPES = /^(ssh-rsa|ssh-ed25519|ecdsa-sha2-nistp256|ecdsa-sha2-nistp384|ecdsa-sha2-nistp521)$/;
export const MAX_SSH_KEY_LENGTH = 500;

/**
 * Parses an OpenSSH public key line: `<type> <base64 blob> [comment]`. The blob starts with
 * the key type again (a length-prefixed string), which must match the first word.
 */
export function normalizeSshPublicKey(value: string): string {
  const line = value.trim();
  const fail = (why: string) => new Invalid('pubkey', why);
  if (line.length > MAX_SSH_KEY_LENGTH) throw fail(`Ensure this field has no more than ${MAX_SSH_KEY_LENGTH} characters.`);
  if (/[\r\n]/.test(line)) throw fail('Enter a single public key on one line.');
  const [type, blob, ...comment] = line.split(/[ \t]+/);
  if (!type || !SSH_KEY_TYPES.test(type)) throw fail('Unsupported key type; use ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256/384/521.');
  if (!blob || !/^[A-Za-z0-9+/]+={0,2}$/.test(blob)) throw fail('The key is not valid base64.');
  const bytes = Buffer.from(blob, 'base64');
  if (bytes.length < 4) throw fail('The key data is too short.');
  const typeLength = bytes.readUInt32BE(0);
  if (typeLength !== type.length || bytes.length < 4 + typeLength + 4 ||
      bytes.subarray(4, 4 + typeLength).toString('latin1') !== type) {
    throw fail('The key data does not match its declared type.');
  }
  return [type, blob, ...comment].join(' ');
}

export async function updateSshKey(core: Core, caller: Caller, ref: Ref, input: { pubkey: string; password: string }): Promise<void> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const actor = await confirmPassword(core, caller, input.password);
  const pubkey = normalizeSshPublicKey(input.pubkey);
  const now = core.now();
  await core.transact(async (tx) => {
    await tx.updateTable('users').set({ ssh_pubkey: pubkey, updated_at: now }).where('id', '=', user.id).execute();
    await recordSecurityEvent(tx, user.id, 'ssh_key.changed', actor, now, { type: pubkey.split(' ')[0] });
  });
}

export interface OtpSettingsInput {
  password: string;
  otp_enabled?: boolean;
  email_verification_enabled?: boolean;
  phone_verification_enabled?: boolean;
  /** A first code from the authenticator app, confirming the seed it was given. */
  code?: string | number;
}

export type OtpSettingsResult =
  | { kind: 'secret'; priv_key: string; provisioning_uri: string }
  | {
    kind: 'settings';
    otp_enabled: boolean;
    email_verification_enabled: boolean;
    phone_verification_enabled: boolean;
    /** Shown once, when the authenticator app was just confirmed. */
    recovery_codes?: string[];
  };

/**
 * Turns second factors on or off. The authenticator app takes two steps: `otp_enabled:
 * true` makes a new seed and shows it once, without using it yet (a seed already in use
 * keeps working); the same call with `code`, a first code from the app, puts the seed in
 * use and answers ten recovery codes, shown once. Turning it off forgets the seed and the
 * recovery codes.
 */
export async function updateOtpSettings(core: Core, caller: Caller, ref: Ref, input: OtpSettingsInput): Promise<OtpSettingsResult> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const actor = await confirmPassword(core, caller, input.password);
  if (input.phone_verification_enabled && !user.phone) {
    throw new Invalid('phone_verification_enabled', 'Add a phone number to the account before turning on phone verification.', 'phone.missing');
  }
  if (input.email_verification_enabled && !user.email) {
    throw new Invalid('email_verification_enabled', 'Add an e-mail address to the account before turning on e-mail verification.', 'email.missing');
  }
  const now = core.now();
  const confirming = input.code !== undefined;
  let confirmedStep: number | null = null;
  if (confirming) {
    if (input.otp_enabled === false) {
      throw new Invalid('code', 'A code confirms turning the authenticator app on; leave it out to turn the app off.');
    }
    const pending = user.otp_pending_secret;
    if (!pending || !user.otp_pending_at || now.getTime() - user.otp_pending_at.getTime() > OTP_SETUP_SECONDS * 1000) {
      throw new Invalid('code', 'No authenticator app is waiting for its first code (or it waited too long): start again with "otp_enabled": true.', 'otp.not_pending');
    }
    const code = normalizeCode(input.code);
    confirmedStep = code ? await matchSetupCode(core, pending, code, now) : null;
    if (confirmedStep === null) throw codeInvalid();
  }
  const turningOff = input.otp_enabled === false;
  const settings = {
    otp_enabled: confirming ? true : turningOff ? false : user.otp_enabled,
    email_verification_enabled: input.email_verification_enabled ?? user.email_verification_enabled,
    phone_verification_enabled: input.phone_verification_enabled ?? user.phone_verification_enabled,
  };
  const fresh = !confirming && input.otp_enabled === true
    ? createOtpSecret(core, user.email ?? user.slug, await siteName(core))
    : null;
  const recoveryCodes = await core.transact(async (tx) => {
    let update = tx.updateTable('users').set({
      ...settings,
      ...(confirming ? { otp_secret: user.otp_pending_secret, otp_last_step: confirmedStep, otp_pending_secret: null, otp_pending_at: null } : {}),
      ...(fresh ? { otp_pending_secret: fresh.sealed, otp_pending_at: now } : {}),
      ...(turningOff ? { otp_secret: null, otp_last_step: null, otp_pending_secret: null, otp_pending_at: null } : {}),
      updated_at: now,
    }).where('id', '=', user.id);
    // A confirmation takes the seed it checked, in the same statement: of two racing
    // confirmations, or a confirmation racing a new setup, one wins and the other is refused.
    if (confirming) update = update.where('otp_pending_secret', '=', user.otp_pending_secret);
    const { numUpdatedRows } = await update.executeTakeFirst();
    if (confirming && numUpdatedRows === 0n) {
      throw new Invalid('code', 'No authenticator app is waiting for its first code (or it waited too long): start again with "otp_enabled": true.', 'otp.not_pending');
    }
    const setup = fresh ? { otp_setup: 'started' } : confirming ? { otp_setup: 'confirmed' } : {};
    await recordSecurityEvent(tx, user.id, 'otp.changed', actor, now, { ...settings, ...setup });
    if (turningOff) await forgetRecoveryCodes(tx, user.id);
    return confirming ? replaceRecoveryCodes(tx, user.id, now) : null;
  });
  if (fresh) return { kind: 'secret', priv_key: fresh.secret, provisioning_uri: fresh.provisioningUri };
  return { kind: 'settings', ...settings, ...(recoveryCodes ? { recovery_codes: recoveryCodes } : {}) };
}

/** The second factors as they are: what the account page shows before any change. */
export async function getOtpSettings(core: Core, caller: Caller, ref: Ref): Promise<{
  otp_enabled: boolean; email_verification_enabled: boolean; phone_verification_enabled: boolean; recovery_codes_left: number;
}> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const left = await core.db.selectFrom('otp_recovery_codes').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', user.id).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return {
    otp_enabled: user.otp_enabled,
    email_verification_enabled: user.email_verification_enabled,
    phone_verification_enabled: user.phone_verification_enabled,
    recovery_codes_left: user.otp_enabled ? Number(left.n) : 0,
  };
}

/** New recovery codes for the authenticator app, shown once; the old ones stop working. */
export async function regenerateRecoveryCodes(core: Core, caller: Caller, ref: Ref, input: { password: string }): Promise<string[]> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const actor = await confirmPassword(core, caller, input.password);
  if (!user.otp_enabled || !user.otp_secret) {
    throw new BadRequest('Turn on the authenticator app first: recovery codes stand in for it.', 'otp.not_enabled');
  }
  const now = core.now();
  return core.transact(async (tx) => {
    const codes = await replaceRecoveryCodes(tx, user.id, now);
    await recordSecurityEvent(tx, user.id, 'otp.recovery_codes_generated', actor, now, actor.userId === user.id ? undefined : { by: actor.username });
    return codes;
  });
}
