// What every core function receives: the database, the settings, the clock and the
// services that reach outside (mail, SMS). Tests build one with a fixed clock.
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { Mailer } from './notify/mailer.js';
import type { TokenService } from './identity/tokens.js';
import type { SmsSender } from './notify/sms.js';
import type { ReadCache } from './cache.js';
import type { JobQueue } from '../jobs/queue.js';
import type { IdentityHooks } from './identity/hooks.js';
import type { Links } from './links.js';
import type { RateLimitCounter } from './rate-limits.js';
import type { PaymentProcessor } from './billing/processors/processor.js';

export interface Core {
  /**
   * The database. Inside `transact` every query made through it joins that transaction,
   * wherever it is issued: the pool is out of reach until the unit of work ends.
   */
  db: Db;
  /**
   * One unit of work: authorization, the writes and the outbox rows (mail, jobs) commit
   * together or not at all. A nested call joins the outer unit; `tx` is `db`, named so
   * the reader sees the boundary.
   */
  transact<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Runs after the current unit of work commits (dropped if it rolls back); soon, outside one. */
  afterCommit(hook: () => void | Promise<void>): void;
  config: Config;
  /** Every URL a mail points at (the core knows no surface's paths). */
  links: Links;
  mailer: Mailer;
  tokens: TokenService;
  sms: SmsSender;
  /** Hot-path reads (token users, broker managers); an entry goes when a row it was read from changes. */
  cache: ReadCache;
  /**
   * Request rate limits in the database, shared by every node: on PostgreSQL. Null on PGlite
   * (one process: the HTTP layer counts in memory). REDIS_URL, when set, takes precedence.
   */
  rateLimits: RateLimitCounter | null;
  /** The durable job queue: work done after the answer, surviving restarts. */
  jobs: JobQueue;
  /**
   * Who charges cards (PROCESSOR): the built-in test processor or Stripe. A network call:
   * never made inside a unit of work.
   */
  processor: PaymentProcessor;
  /** What identity asks of the capabilities above it (src/core/hooks.ts fills it in). */
  identityHooks: IdentityHooks;
  now(): Date;
}

/** Who is making a request, as established by authentication. */
export type Caller =
  | { kind: 'anonymous'; ip?: string; userAgent?: string }
  | {
      kind: 'user';
      userId: number;
      username: string;
      /** How the caller proved who they are (`oauth2`: an access token of the authorization server). */
      via: 'jwt' | 'session' | 'api_key' | 'oauth2';
      /** The session a token (header or cookie) belongs to; none for an API key. */
      sessionId?: string;
      ip?: string;
      userAgent?: string;
    };

export type UserCaller = Extract<Caller, { kind: 'user' }>;

/** Where a request came from, for security events and rate limits. */
export interface RequestOrigin {
  ip?: string;
  userAgent?: string;
}
