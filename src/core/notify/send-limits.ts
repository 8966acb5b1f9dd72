// Limits on what one request can make the service send: activation links, invitations,
// reset links, texted codes (join requests have their own limits, in memberships/requests.ts). Each kind is counted per target (the person or
// mailbox that receives it, so nobody's inbox or phone can be flooded) and per caller (the
// user, or the address of an anonymous one, so nobody can spread a flood over many
// targets). Counters live in the database, so every node of a deployment shares them.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { TooManyAttempts } from '../errors.js';

export type SendKind = 'activation' | 'invitation' | 'phone_code' | 'login_code' | 'password_reset'
  | 'registration' | 'email_change' | 'role_grant';

/** Counts one send in the window of `key` and answers the count and when the window ends. */
async function count(db: Db, key: string, now: Date, windowSeconds: number): Promise<{ count: number; endsAt: Date }> {
  const windowStart = new Date(now.getTime() - windowSeconds * 1000);
  const row = await db.insertInto('send_limits')
    .values({ key, window_started_at: now, count: 1 })
    .onConflict((oc) => oc.column('key').doUpdateSet({
      count: sql<number>`case when send_limits.window_started_at <= ${windowStart} then 1 else send_limits.count + 1 end`,
      window_started_at: sql<Date>`case when send_limits.window_started_at <= ${windowStart} then ${now}::timestamptz else send_limits.window_started_at end`,
    }))
    .returning(['count', 'window_started_at'])
    .executeTakeFirstOrThrow();
  return { count: row.count, endsAt: new Date(row.window_started_at.getTime() + windowSeconds * 1000) };
}

function callerKey(caller: Caller): string {
  return caller.kind === 'user' ? `user:${caller.userId}` : `ip:${caller.ip ?? 'unknown'}`;
}

/**
 * Counts a send of `kind` to `target` asked for by `caller`, through `db` (the caller's
 * transaction, if any); 429 with Retry-After when either count is over its limit. Once
 * over, a refused attempt keeps the count over until the window ends.
 */
export async function checkSendLimit(core: Core, db: Db, caller: Caller, kind: SendKind, target: string, options: SendOptions = {}): Promise<void> {
  const refusal = await countSend(core, db, caller, kind, target, options);
  if (refusal) throw refusal;
}

export interface SendOptions {
  /**
   * Count the caller too (the default). Off for sends that are the caller's everyday work
   * to many targets, such as a manager inviting a whole team: the per-target count still
   * protects each recipient.
   */
  perCaller?: boolean;
}

/** `checkSendLimit` for callers that answer the refusal rather than throw it. */
export async function countSend(core: Core, db: Db, caller: Caller, kind: SendKind, target: string, options: SendOptions = {}): Promise<TooManyAttempts | null> {
  const { perTarget, perCaller, windowSeconds } = core.config.sendLimits;
  const now = core.now();
  const byTarget = await count(db, `${kind}:to:${target}`, now, windowSeconds);
  const byCaller = options.perCaller === false ? null : await count(db, `${kind}:by:${callerKey(caller)}`, now, windowSeconds);
  const over = [byTarget.count > perTarget ? byTarget.endsAt : null, byCaller && byCaller.count > perCaller ? byCaller.endsAt : null]
    .filter((d): d is Date => d !== null);
  if (over.length === 0) return null;
  const until = Math.max(...over.map((d) => d.getTime()));
  const retryAfter = Math.max(1, Math.ceil((until - now.getTime()) / 1000));
  return new TooManyAttempts(`Too many of these were sent recently. Try again in ${retryAfter} seconds.`, retryAfter, 'send.limited');
}

/**
 * When `target` may next receive a mail of `kind` (now, if it may already): the end of the
 * window once its count reached the limit. Read only, so asking changes nothing.
 */
export async function nextSendAllowedAt(core: Core, kind: SendKind, target: string): Promise<Date> {
  const { perTarget, windowSeconds } = core.config.sendLimits;
  const now = core.now();
  const row = await core.db.selectFrom('send_limits').select(['count', 'window_started_at'])
    .where('key', '=', `${kind}:to:${target}`).executeTakeFirst();
  if (!row) return now;
  const endsAt = new Date(row.window_started_at.getTime() + windowSeconds * 1000);
  return row.count >= perTarget && endsAt > now ? endsAt : now;
}

/**
 * The `sweep-send-limits` job: forgets counters whose window has ended (a new send starts
 * a new window anyway, so only the table's size depends on it).
 */
export async function sweepSendLimits(core: Core): Promise<number> {
  const windowStart = new Date(core.now().getTime() - core.config.sendLimits.windowSeconds * 1000);
  const result = await core.db.deleteFrom('send_limits').where('window_started_at', '<=', windowStart).executeTakeFirst();
  return Number(result.numDeletedRows);
}
