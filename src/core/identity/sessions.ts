// Sessions. Each time a person proves who they are (login, activation, reset, password
// change) a session row is opened, and every token issued for it names it (`sid`) and
// when it began (`sat`). Refreshing keeps the session and never goes past its maximum
// age; ending a session (logout, "log out everywhere", a password change or reset,
// suspension, deletion) ends every token of it at once, since the authentication hook
// reads the session's state on each request (from the read cache, whose entry goes with
// any write to the user's sessions: see src/db/change-feed.ts).
import type { Caller, Core, RequestOrigin } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import type { SessionEndReason, SessionMethod } from '../../db/schema.js';
import { BadRequest, Forbidden, NotFound, Unauthenticated, isCodeOf } from '../errors.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { loadTarget } from './accounts.js';
import { authenticateToken } from './authenticate.js';
import { randomToken } from './secrets.js';
import { recordSecurityEvent } from './security-events.js';
import type { TokenSubject } from './tokens.js';

export const SESSION_ENDED = 'This session has ended: log in again.';

export interface OpenedSession {
  token: string;
  sessionId: string;
}

/** The latest time a session may last until: its start plus SESSION_MAX_AGE_SECONDS. */
export function sessionEndsAt(core: Core, startedAt: Date): Date {
  return new Date(startedAt.getTime() + core.config.sessionMaxAgeSeconds * 1000);
}

/** Opens a session for a user who just proved who they are, and issues its first token. */
export async function openSession(
  core: Core,
  db: Db,
  user: TokenSubject,
  method: SessionMethod,
  origin: RequestOrigin,
  now: Date,
): Promise<OpenedSession> {
  const id = randomToken(24);
  await db.insertInto('sessions').values({
    id,
    user_id: user.id,
    method,
    // Bounded: these come from the client.
    ip: origin.ip?.slice(0, 100) ?? null,
    user_agent: origin.userAgent?.slice(0, 500) ?? null,
    created_at: now,
    refreshed_at: now,
  }).execute();
  const token = await core.tokens.issue(user, { id, startedAt: now, notAfter: sessionEndsAt(core, now) }, now);
  return { token, sessionId: id };
}

/**
 * A new token in the same session, for the user as they are now (name, e-mail, password):
 * used by refresh and after the caller changed their own password. Refused once the session
 * ended or reached its maximum age.
 */
export async function reissueToken(core: Core, sessionId: string, now: Date): Promise<string> {
  const row = await core.db.selectFrom('sessions')
    .innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['sessions.created_at', 'sessions.ended_at', 'users.id', 'users.slug', 'users.email', 'users.full_name', 'users.password_changed_at'])
    .where('sessions.id', '=', sessionId)
    .executeTakeFirst();
  if (!row || row.ended_at) throw new BadRequest(SESSION_ENDED, 'session.ended');
  const notAfter = sessionEndsAt(core, row.created_at);
  if (notAfter <= now) throw new BadRequest(SESSION_ENDED, 'session.ended');
  await core.db.updateTable('sessions').set({ refreshed_at: now }).where('id', '=', sessionId).execute();
  return core.tokens.issue(row, { id: sessionId, startedAt: row.created_at, notAfter }, now);
}

/** Ends one session of the user; false when it was unknown or had already ended. */
export async function endSession(db: Db, userId: number, sessionId: string, reason: SessionEndReason, now: Date): Promise<boolean> {
  const ended = await db.updateTable('sessions').set({ ended_at: now, end_reason: reason })
    .where('id', '=', sessionId).where('user_id', '=', userId).where('ended_at', 'is', null)
    .returning('id').execute();
  return ended.length > 0;
}

/** Ends every open session of the user, but `keep` when given; answers how many ended. */
export async function endUserSessions(db: Db, userId: number, reason: SessionEndReason, now: Date, keep?: string): Promise<number> {
  let query = db.updateTable('sessions').set({ ended_at: now, end_reason: reason })
    .where('user_id', '=', userId).where('ended_at', 'is', null);
  if (keep) query = query.where('id', '!=', keep);
  return (await query.returning('id').execute()).length;
}

function originOf(caller: Caller): RequestOrigin {
  return { ip: caller.ip, userAgent: caller.userAgent };
}

/**
 * Checks a token exactly as the authentication hook would (signature, expiry, session,
 * user state, password), answering a 400 with the same reason the API gives with its 401.
 * The caller, when logged in, must be the token's user.
 */
async function checkToken(core: Core, caller: Caller, token: string): Promise<{ userId: number; sessionId: string }> {
  let holder;
  try {
    holder = await authenticateToken(core, token, 'jwt', originOf(caller));
  } catch (error) {
    // The hook's 401 as a 400, with the same code (listed with both kinds).
    if (error instanceof Unauthenticated) throw new BadRequest(error.message, isCodeOf(error.code, 'refused') ? error.code : undefined);
    throw error;
  }
  if (caller.kind === 'user' && caller.userId !== holder.userId) {
    throw new Forbidden('The token belongs to another user than the one making the request.', 'token.other_user');
  }
  return { userId: holder.userId, sessionId: holder.sessionId! };
}

/** Answers the token itself when the API would accept it. */
export async function verifyToken(core: Core, caller: Caller, token: string): Promise<string> {
  await checkToken(core, caller, token);
  return token;
}

/**
 * A new token in the same session (same `sid` and `sat`), expiring later but never past the
 * session's maximum age. An expired token is refused: refresh extends a working token only.
 */
export async function refreshToken(core: Core, caller: Caller, token: string): Promise<string> {
  const { userId, sessionId } = await checkToken(core, caller, token);
  const now = core.now();
  const fresh = await reissueToken(core, sessionId, now);
  await recordSecurityEvent(core.db, userId, 'token.refreshed', originOf(caller), now);
  return fresh;
}

/** Logout: ends the caller's session, or every session of theirs with `everywhere`. */
export async function logout(core: Core, caller: Caller, everywhere = false): Promise<void> {
  if (caller.kind !== 'user') return;
  const now = core.now();
  await core.transact(async (tx) => {
    let ended = 0;
    if (everywhere) ended = await endUserSessions(tx, caller.userId, 'logout_everywhere', now);
    else if (caller.sessionId) ended = Number(await endSession(tx, caller.userId, caller.sessionId, 'logout', now));
    await recordSecurityEvent(tx, caller.userId, 'logout', caller, now, { via: caller.via, ...(everywhere ? { everywhere, sessions_ended: ended } : {}) });
  });
}

// ---------------------------------------------------------------- a user's sessions, listed and ended

export const SESSION_LIST: ListSpec = {
  orderable: { created_at: 'created_at', refreshed_at: 'refreshed_at' },
  searchable: ['ip', 'user_agent'],
  dateColumn: 'created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: 'id',
};

export interface SessionView {
  id: string;
  method: SessionMethod;
  ip: string | null;
  userAgent: string | null;
  createdAt: Date;
  refreshedAt: Date;
  /** When the session ends at the latest (its maximum age). */
  expiresAt: Date;
  /** True for the session the request was made with. */
  current: boolean;
}

/** The open sessions of a user: for the user and the broker's managers. */
export async function listSessions(core: Core, caller: Caller, ref: Ref, list: ListQuery): Promise<Page<SessionView>> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  const now = core.now();
  const oldest = new Date(now.getTime() - core.config.sessionMaxAgeSeconds * 1000);
  const page = await paginate(core.db.selectFrom('sessions')
    .select(['id', 'method', 'ip', 'user_agent', 'created_at', 'refreshed_at'])
    .where('user_id', '=', user.id).where('ended_at', 'is', null).where('created_at', '>', oldest), list, SESSION_LIST);
  const currentId = caller.kind === 'user' ? caller.sessionId : undefined;
  return {
    count: page.count,
    results: page.results.map((row) => ({
      id: row.id,
      method: row.method,
      ip: row.ip,
      userAgent: row.user_agent,
      createdAt: row.created_at,
      refreshedAt: row.refreshed_at,
      expiresAt: sessionEndsAt(core, row.created_at),
      current: row.id === currentId,
    })),
  };
}

/** Ends one session of a user (the user's own, or anyone's for the broker's managers). */
export async function endSessionOf(core: Core, caller: Caller, ref: Ref, sessionId: string): Promise<void> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const now = core.now();
  const reason = caller.userId === user.id ? 'ended_by_user' : 'ended_by_admin';
  await core.transact(async (tx) => {
    if (!(await endSession(tx, user.id, sessionId, reason, now))) throw new NotFound('session', 'No such open session.');
    await recordSecurityEvent(tx, user.id, 'session.ended', caller, now, reason === 'ended_by_admin' ? { by: caller.username } : undefined);
  });
}

/** Ends every session of a user, the caller's own included: "log out everywhere". */
export async function endAllSessionsOf(core: Core, caller: Caller, ref: Ref): Promise<number> {
  const user = await loadTarget(core, caller, ref, 'user.credentials');
  if (caller.kind !== 'user') throw new Unauthenticated();
  const now = core.now();
  const reason = caller.userId === user.id ? 'logout_everywhere' : 'ended_by_admin';
  return core.transact(async (tx) => {
    const ended = await endUserSessions(tx, user.id, reason, now);
    await recordSecurityEvent(tx, user.id, 'session.ended_all', caller, now,
      { sessions_ended: ended, ...(reason === 'ended_by_admin' ? { by: caller.username } : {}) });
    return ended;
  });
}

/** Ended sessions are kept this long (who was logged in from where, for the owner and support), then deleted. */
export const ENDED_SESSION_RETENTION_SECONDS = 30 * 86400;

/**
 * The `prune-sessions` job: deletes sessions that ended (logged out, or past their maximum
 * age) more than ENDED_SESSION_RETENTION_SECONDS ago. A token of a deleted session is
 * refused like one of an ended session (no row, no session).
 */
export async function pruneEndedSessions(core: Core): Promise<number> {
  const before = new Date(core.now().getTime() - ENDED_SESSION_RETENTION_SECONDS * 1000);
  const startedBefore = new Date(before.getTime() - core.config.sessionMaxAgeSeconds * 1000);
  const result = await core.db.deleteFrom('sessions')
    .where((eb) => eb.or([eb('ended_at', '<', before), eb('created_at', '<', startedBefore)]))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
