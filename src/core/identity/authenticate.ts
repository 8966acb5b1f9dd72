// Establishes who is calling from the credentials a request carries: a JWT (header or
// session cookie) or a secret API key. A token stops working when its user is suspended,
// disabled or deleted, or changed their password after the token was issued.
import type { Caller, Core, RequestOrigin, UserCaller } from '../context.js';
import { Unauthenticated } from '../errors.js';
import { InvalidToken } from './tokens.js';
import { findUserByApiKey } from './api-keys.js';

export interface AuthState {
  id: number;
  slug: string;
  status: string;
  deleted_at: Date | null;
  password_changed_at: Date | null;
}

export async function loadAuthState(core: Core, userId: number): Promise<AuthState | undefined> {
  return core.cache.get(`auth-state:${userId}`, () => core.db
    .selectFrom('users')
    .select(['id', 'slug', 'status', 'deleted_at', 'password_changed_at'])
    .where('id', '=', userId)
    .executeTakeFirst());
}

export function refusalReason(user: AuthState | undefined): string | null {
  if (!user || user.deleted_at) return 'User not found.';
  if (user.status === 'suspended') return 'This account is suspended.';
  if (user.status === 'disabled') return 'This account is disabled.';
  return null;
}

export async function authenticateToken(
  core: Core,
  token: string,
  via: 'jwt' | 'session',
  origin: RequestOrigin,
): Promise<UserCaller> {
  let claims;
  try {
    claims = await core.tokens.verify(token, core.now());
  } catch (error) {
    if (error instanceof InvalidToken) throw new Unauthenticated(error.message);
    throw error;
  }
  const user = await loadAuthState(core, Number(claims.sub));
  const refusal = refusalReason(user);
  if (refusal) throw new Unauthenticated(refusal);
  // A password change ends every token issued before it: exactly when the token names the
  // password it was issued under, otherwise by its issue time (one-second precision).
  const changed = user!.password_changed_at;
  const stale = claims.pwc !== undefined
    ? claims.pwc !== (changed?.getTime() ?? 0)
    : !!changed && claims.iat < Math.floor(changed.getTime() / 1000);
  if (stale) throw new Unauthenticated('Token was issued before the last password change.');
  return { kind: 'user', userId: user!.id, username: user!.slug, via, ...origin };
}

export async function authenticateApiKey(core: Core, key: string, origin: RequestOrigin): Promise<UserCaller> {
  const user = await findUserByApiKey(core, key);
  const refusal = user ? refusalReason(user) : 'Invalid API key.';
  if (refusal) throw new Unauthenticated(refusal);
  return { kind: 'user', userId: user!.id, username: user!.slug, via: 'api_key', ...origin };
}

export function anonymous(origin: RequestOrigin): Caller {
  return { kind: 'anonymous', ...origin };
}
