// Establishes who is calling from the credentials a request carries: a JWT (header or
// session cookie) or a secret API key. A token stops working when its session ends (see
// sessions.ts), when its user is suspended, disabled or deleted, or changed their password
// after the token was issued.
import type { Caller, Core, RequestOrigin, UserCaller } from '../context.js';
import { Unauthenticated } from '../errors.js';
import { InvalidToken } from './tokens.js';
import { findUserByApiKey } from './api-keys.js';
import { SESSION_ENDED, sessionEndsAt } from './sessions.js';

export interface AuthState {
  id: number;
  slug: string;
  status: string;
  deleted_at: Date | null;
  password_changed_at: Date | null;
}

export interface Refusal {
  code: 'user.not_found' | 'user.suspended' | 'user.disabled';
  message: string;
}

/** Why this account may not act at all, or null. */
export function refusalReason(user: AuthState | undefined): Refusal | null {
  if (!user || user.deleted_at) return { code: 'user.not_found', message: 'User not found.' };
  if (user.status === 'suspended') return { code: 'user.suspended', message: 'This account is suspended.' };
  if (user.status === 'disabled') return { code: 'user.disabled', message: 'This account is disabled.' };
  return null;
}

/** A session and the state of its user: what the authentication hook needs, in one read. */
interface SessionAuthState extends AuthState {
  session_created_at: Date;
  session_ended_at: Date | null;
}

/**
 * One cache entry per session, so the hot path stays one lookup. It depends on its user's
 * row and sessions, and a hit is fenced: a suspension, a password change or a logout
 * committed on any node before this request is seen (docs/architecture.md, "Read cache").
 */
async function loadSessionAuthState(core: Core, sessionId: string): Promise<SessionAuthState | undefined> {
  return core.cache.get(`session-auth:${sessionId}`, () => core.db
    .selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.slug', 'users.status', 'users.deleted_at', 'users.password_changed_at',
      'sessions.created_at as session_created_at', 'sessions.ended_at as session_ended_at'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst(),
  (state) => (state ? [`users:${state.id}`, `sessions:${state.id}`] : ['sessions:*']),
  { fenced: true });
}

export async function authenticateToken(
  core: Core,
  token: string,
  via: 'jwt' | 'session',
  origin: RequestOrigin,
): Promise<UserCaller> {
  const now = core.now();
  let claims;
  try {
    claims = core.tokens.verifySync(token, now);
  } catch (error) {
    if (error instanceof InvalidToken) throw new Unauthenticated(error.message, error.code);
    throw error;
  }
  // A token without a session (issued before sessions existed) cannot be logged out: refused.
  const sessionId = claims.sid;
  if (!sessionId) throw new Unauthenticated(SESSION_ENDED, 'session.ended');
  const state = await loadSessionAuthState(core, sessionId);
  if (!state || String(state.id) !== claims.sub) throw new Unauthenticated(SESSION_ENDED, 'session.ended');
  const refusal = refusalReason(state);
  if (refusal) throw new Unauthenticated(refusal.message, refusal.code);
  // A password change ends every token issued before it: exactly when the token names the
  // password it was issued under, otherwise by its issue time (one-second precision).
  const changed = state.password_changed_at;
  const stale = claims.pwc !== undefined
    ? claims.pwc !== (changed?.getTime() ?? 0)
    : !!changed && claims.iat < Math.floor(changed.getTime() / 1000);
  if (stale) throw new Unauthenticated('Token was issued before the last password change.', 'token.password_changed');
  if (state.session_ended_at || now >= sessionEndsAt(core, state.session_created_at)) throw new Unauthenticated(SESSION_ENDED, 'session.ended');
  return { kind: 'user', userId: state.id, username: state.slug, via, sessionId, ...origin };
}

export async function authenticateApiKey(core: Core, key: string, origin: RequestOrigin): Promise<UserCaller> {
  const user = await findUserByApiKey(core, key);
  const refusal = user ? refusalReason(user) : { code: 'api_key.invalid' as const, message: 'Invalid API key.' };
  if (refusal) throw new Unauthenticated(refusal.message, refusal.code);
  return { kind: 'user', userId: user!.id, username: user!.slug, via: 'api_key', ...origin };
}

export function anonymous(origin: RequestOrigin): Caller {
  return { kind: 'anonymous', ...origin };
}
