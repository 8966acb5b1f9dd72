// Following rows for a server-sent event stream, on every node. The watched tables' triggers
// NOTIFY each changed row (src/db/change-feed.ts): on PostgreSQL every node LISTENs, on
// PGlite the one process hears its own commits. A stream wakes on a change naming what it
// follows, reads what is new, and yields it. It also wakes on its caller's user and session
// rows, and on a heartbeat timer, to end as soon as the caller may no longer be served: a
// session ended (logout, suspension, password change, its maximum age), a user suspended,
// disabled or deleted. A lost change feed (a reconnection) names every table: the stream
// reads again from where it was, so nothing committed meanwhile is missed.
import type { Change } from '../../db/change-feed.js';
import type { Core, UserCaller } from '../context.js';
import { refusalReason } from '../identity/authenticate.js';
import { sessionEndsAt } from '../identity/sessions.js';

/** What a stream yields when it has been idle for a heartbeat: the surface writes a comment. */
export const HEARTBEAT = Symbol('heartbeat');

export interface FollowOptions<T> {
  /** Whether a change may concern what the stream follows (a table name `'*'` always does). */
  concerns(change: Change): boolean;
  /** What is new since the last read; called at start and after each change that concerns it. */
  read(): Promise<T[]>;
  /** Ends the stream when aborted (the client went away, the service is stopping). */
  signal: AbortSignal;
}

interface CallerState {
  passwordChangedAt: number;
}

/** The caller's state now, or null when they may no longer be served. */
async function callerState(core: Core, caller: UserCaller): Promise<CallerState | null> {
  const user = await core.db.selectFrom('users')
    .select(['id', 'slug', 'status', 'deleted_at', 'password_changed_at'])
    .where('id', '=', caller.userId)
    .executeTakeFirst();
  if (refusalReason(user)) return null;
  if (caller.sessionId) {
    const session = await core.db.selectFrom('sessions').select(['user_id', 'created_at', 'ended_at'])
      .where('id', '=', caller.sessionId).executeTakeFirst();
    if (!session || session.user_id !== caller.userId || session.ended_at) return null;
    if (core.now() >= sessionEndsAt(core, session.created_at)) return null;
  }
  return { passwordChangedAt: user!.password_changed_at?.getTime() ?? 0 };
}

/** Whether a change touches the caller's own user or sessions rows. */
function concernsCaller(change: Change, caller: UserCaller): boolean {
  if (change.table === '*') return true;
  if (change.table !== 'users' && change.table !== 'sessions') return false;
  return change.keys === '*' || change.keys.includes(String(caller.userId));
}

/**
 * Yields what `read` finds, at start and after each change that concerns it, and HEARTBEAT
 * after each idle `core.config.eventStreamHeartbeatMs`; returns when the caller may no longer
 * be served or `signal` aborts. The caller must be authorized before: this only keeps watch.
 */
export async function* follow<T>(core: Core, caller: UserCaller, options: FollowOptions<T>): AsyncGenerator<T | typeof HEARTBEAT> {
  const start = await callerState(core, caller);
  if (!start) return;
  // Set by the change feed, read and cleared by the loop.
  let dataDirty = true;
  let callerDirty = false;
  let wake: (() => void) | null = null;
  const poke = () => {
    const resolve = wake;
    wake = null;
    resolve?.();
  };
  const stop = core.cache.follow((change) => {
    if (change.table === '*' || options.concerns(change)) dataDirty = true;
    if (concernsCaller(change, caller)) callerDirty = true;
    if (dataDirty || callerDirty) poke();
  });
  options.signal.addEventListener('abort', poke, { once: true });
  try {
    for (;;) {
      if (options.signal.aborted) return;
      if (callerDirty) {
        callerDirty = false;
        const now = await callerState(core, caller);
        if (!now || now.passwordChangedAt !== start.passwordChangedAt) return;
      }
      if (dataDirty) {
        dataDirty = false;
        for (const item of await options.read()) {
          if (options.signal.aborted) return;
          yield item;
        }
        continue;
      }
      let timer: NodeJS.Timeout | undefined;
      const idle = await new Promise<boolean>((resolve) => {
        wake = () => resolve(false);
        timer = setTimeout(() => resolve(true), core.config.eventStreamHeartbeatMs);
        // A change may have come while the last read ran.
        if (dataDirty || callerDirty || options.signal.aborted) poke();
      });
      clearTimeout(timer);
      wake = null;
      if (idle) {
        // No row changes when a session reaches its maximum age: look at each heartbeat.
        const now = await callerState(core, caller);
        if (!now || now.passwordChangedAt !== start.passwordChangedAt) return;
        yield HEARTBEAT;
      }
    }
  } finally {
    stop();
    options.signal.removeEventListener('abort', poke);
  }
}
