// Request rate limits counted in the database, so every node of a deployment on PostgreSQL
// shares them (the HTTP layer's store, src/http/rate-limit.ts, calls this). One atomic
// upsert per request: concurrent hits on any node each get their own count. Time is the
// database's, so nodes with skewed clocks agree on when a window ends.
import { sql } from 'kysely';
import type { Core } from './context.js';

/** Expired windows are deleted at most this often per node, by the hit that notices. */
const SWEEP_INTERVAL_MS = 60_000;

export class RateLimitCounter {
  #lastSweep = 0;
  #sweeping: Promise<void> | null = null;

  constructor(private readonly core: Pick<Core, 'db'>, private readonly onSweepError: (error: unknown) => void = () => {}) {}

  /** Counts one hit on `key` in a window of `windowMs`: the count so far and the milliseconds left. */
  async hit(key: string, windowMs: number): Promise<{ current: number; ttl: number }> {
    const window = `${Math.max(1, Math.trunc(windowMs))} milliseconds`;
    const row = await sql<{ count: number; ttl: number }>`
      insert into rate_limits as r (key, expires_at, count) values (${key}, now() + ${window}::interval, 1)
      on conflict (key) do update set
        count = case when r.expires_at <= now() then 1 else r.count + 1 end,
        expires_at = case when r.expires_at <= now() then excluded.expires_at else r.expires_at end
      returning count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::int as ttl`.execute(this.core.db);
    this.#maybeSweep();
    return { current: row.rows[0].count, ttl: row.rows[0].ttl };
  }

  /** The count and time left of `key`'s window, without counting (0 when none is open). */
  async read(key: string): Promise<{ current: number; ttl: number }> {
    const row = await sql<{ count: number; ttl: number }>`
      select count, greatest(0, ceil(extract(epoch from (expires_at - now())) * 1000))::int as ttl
        from rate_limits where key = ${key} and expires_at > now()`.execute(this.core.db);
    return row.rows[0] ? { current: row.rows[0].count, ttl: row.rows[0].ttl } : { current: 0, ttl: 0 };
  }

  /** Deletes every window that ended; answers how many. */
  async sweep(): Promise<number> {
    const result = await this.core.db.deleteFrom('rate_limits').where('expires_at', '<=', sql<Date>`now()`).executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Sweeps in the background, once per interval; the next sweep catches what a failed one left. */
  #maybeSweep(): void {
    const now = Date.now();
    if (this.#sweeping || now - this.#lastSweep < SWEEP_INTERVAL_MS) return;
    this.#lastSweep = now;
    this.#sweeping = this.sweep().then(() => {}, this.onSweepError).finally(() => { this.#sweeping = null; });
  }

  /** Waits for a sweep in progress (on shutdown, so it does not outlive the pool). */
  async idle(): Promise<void> {
    await this.#sweeping;
  }
}
