// Where @fastify/rate-limit counts requests. A limit must hold for the whole deployment,
// not per process, or N nodes would allow N times the limit:
// - REDIS_URL set: Redis (the plugin's own store, one Lua script per hit);
// - PostgreSQL: the rate_limits table (core.rateLimits, one atomic upsert per hit);
// - PGlite: in process memory (the embedded database allows one process anyway).
// As with the plugin's own stores, each route counts apart (the route is in the key).
import type { FastifyRateLimitOptions, FastifyRateLimitStore, FastifyRateLimitStoreCtor } from '@fastify/rate-limit';
import type { Core } from '../core/context.js';
import type { RateLimitCounter } from '../core/rate-limits.js';

export interface RateLimitBackend {
  kind: 'redis' | 'database' | 'memory';
  /** Options to register @fastify/rate-limit with (on top of the app's own). */
  options: Partial<FastifyRateLimitOptions>;
  close(): Promise<void>;
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** A store class for the plugin, counting in the database through `counter`. */
function databaseStore(counter: RateLimitCounter): FastifyRateLimitStoreCtor {
  class DatabaseStore implements FastifyRateLimitStore {
    constructor(_options: FastifyRateLimitOptions, private readonly prefix = '') {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      counter.hit(this.prefix + key, timeWindow).then((result) => callback(null, result), (error: Error) => callback(error));
    }

    read(key: string, callback: Callback): void {
      counter.read(this.prefix + key).then((result) => callback(null, result), (error: Error) => callback(error));
    }

    // The plugin passes the route's merged limit options, the route itself under routeInfo.
    child(options: Parameters<FastifyRateLimitStore['child']>[0]): FastifyRateLimitStore {
      const route = (options as unknown as { routeInfo?: { method?: unknown; url?: unknown } }).routeInfo ?? {};
      return new DatabaseStore({}, `${this.prefix}${String(route.method)}${String(route.url)}-`);
    }
  }
  return DatabaseStore as unknown as FastifyRateLimitStoreCtor;
}

export async function rateLimitBackend(core: Core): Promise<RateLimitBackend> {
  if (core.config.redisUrl) {
    const { Redis } = await import('ioredis');
    // A request waits for at most one reconnection attempt: a Redis outage answers errors
    // rather than holding every limited request open.
    const redis = new Redis(core.config.redisUrl, { maxRetriesPerRequest: 1, connectTimeout: 2000, lazyConnect: false });
    redis.on('error', () => {}); // reported through the failing requests; ioredis reconnects
    return {
      kind: 'redis',
      options: { redis, nameSpace: 'account-portal-rate-limit:' },
      async close() {
        await redis.quit().catch(() => redis.disconnect());
      },
    };
  }
  const counter = core.rateLimits;
  if (counter) {
    return { kind: 'database', options: { store: databaseStore(counter) }, close: async () => {} };
  }
  return { kind: 'memory', options: {}, close: async () => {} };
}
