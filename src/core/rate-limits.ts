// Request rate limits counted in the database, so every node of a deployment on PostgreSQL
// shares them (the HTTP layer's store, src/http/rate-limit.ts, calls this). One atomic
// upsert per request: concurrent hits on any node each get their own count. Time is the
// database's, so nodes with skewed clocks agree on when a window ends.
import { sql } from 'kysely';
import type { Core } from './context.js';

/**
 * The `sweep-rate-limits` job: deletes every window that ended (a new hit on its key would
 * start over anyway); answers how many. Scheduled maintenance, not work on the request path.
 */
export async function sweepRateLimits(core: Pick<Core, 'db'>): Promise<number> {
  const result = await core.db.deleteFrom('rate_limits').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export class RateLimitCounter {
  constructor(private readonly core: Pick<Core, 'db'>) {}

  /** Counts one hit on `key` in a window of `windowMs`: the count so far and the milliseconds left. */
  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const window = `${Math.max(1, Math.trunc(windowMs))} milliseconds`;
    const row = await sql<{ count: number; ttl: number }>`
      insert into rate_limits as r (key, expires_at, count) values (${key}, now() + ${window}::interval, 1)
      on conflict (key) do update set
        count = case when r.expires_at <= now() then 1 else r.count + 1 end,
        expires_at = case when r.expires_at <= now() then excluded.expires_at else r.expires_at end
      returning count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::int as ttl`.execute(this.core.db);
    // now() is when each statement's transaction began: a hit that waited for the row while an
    // earlier-started one opened the window sees a little more than the window left. Capped.
    return { current: row.rows[0].count, ttl: Math.min(row.rows[0].ttl, Math.max(1, Math.trunc(windowMs))) };
  }

  /** The count and time left of `key`'s window, without counting (0 when none is open). */
  async read(key: string): Promise<{ current: number; ttl: number }> {
    const row = await sql<{ count: number; ttl: number }>`
      select count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::int as ttl
        from rate_limits where key = ${key} and expires_at > now()`.execute(this.core.db);
    return row.rows[0] ? { current: row.rows[0].count, ttl: row.rows[0].ttl } : { current: 0, ttl: 0 };
  }
}
