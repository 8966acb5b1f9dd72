// get.chat's token answer: `{id_token, access_token, token_type, expires_in}`, given by
// login, e-mail verification and password reset. The access token is the session's JWT
// (what `Authorization: Bearer` carries everywhere); the ID token is an OpenID Connect
// statement of who logged in, signed with a key of its own so it never passes for the
// access token.
import type { Caller, Core } from '../context.js';
import type { UserRow } from '../../db/schema.js';
import type { AnonymousCarry } from './hooks.js';
import { login } from './login.js';
import { activate, register, type RegistrationAnswer } from './registration.js';
import { resetPasswordWithKey } from './recovery.js';

export interface TokenAnswer {
  id_token: string;
  access_token: string;
  token_type: 'Bearer';
  expires_in: number;
}

/** The audience of the ID tokens this service gives its own users (OAuth2 clients get theirs). */
export const ACCOUNT_AUDIENCE = 'account-portal';

/** Seconds until the access token expires, read from its own `exp`. */
function secondsLeft(core: Core, accessToken: string): number {
  const payload = JSON.parse(Buffer.from(accessToken.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown };
  const exp = typeof payload.exp === 'number' ? payload.exp : 0;
  return Math.max(0, exp - Math.floor(core.now().getTime() / 1000));
}

export function tokenAnswer(core: Core, user: Pick<UserRow, 'id' | 'email' | 'email_verified_at' | 'full_name'>, accessToken: string): TokenAnswer {
  const expiresIn = secondsLeft(core, accessToken);
  return {
    id_token: core.tokens.issueIdToken(
      { id: user.id, email: user.email, email_verified: user.email_verified_at !== null, full_name: user.full_name },
      core.links.site(), ACCOUNT_AUDIENCE, core.now(), expiresIn,
    ),
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: expiresIn,
  };
}

/** Login by e-mail (or username) and password; lockout and second factors as for every login. */
export async function loginForTokens(core: Core, caller: Caller, email: string, password: string): Promise<TokenAnswer> {
  const { token, user } = await login(core, caller, { username: email, password });
  return tokenAnswer(core, user, token);
}

/**
 * Registration with a password kept for the account (see `register`): the answer is the
 * same whether or not the address has an account, so it is not a token.
 */
export async function registerWithPassword(core: Core, caller: Caller, email: string, password: string): Promise<RegistrationAnswer> {
  return register(core, caller, { email, password, full_name: '' }, { keepPassword: true });
}

/**
 * Verifies the address with the mailed token and logs the user in. The password given at
 * registration stays, unless `password` chooses another (which an account registered
 * without one, through the native API or an invitation, must do).
 */
export async function verifyEmailForTokens(
  core: Core, caller: Caller, key: string, password?: string, carried: AnonymousCarry = {},
): Promise<TokenAnswer> {
  const input = password === undefined ? {} : { new_password: password };
  const { token, user } = await activate(core, caller, key, input, carried,
    { keepRegisteredPassword: true, passwordField: 'password' });
  return tokenAnswer(core, user, token);
}

/** Sets a new password with the mailed reset token and logs the user in. */
export async function resetPasswordForTokens(core: Core, caller: Caller, key: string, password: string): Promise<TokenAnswer> {
  const { token, user } = await resetPasswordWithKey(core, caller, key, password);
  return tokenAnswer(core, user, token);
}
