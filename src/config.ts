// Every setting of the service, read once from the environment and typed.
// The README lists each of them; keep the two in step.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { isIP } from 'node:net';
import { join, resolve } from 'node:path';

/** The embedded database's buffer cache unless EMBEDDED_DB_CACHE_MB says otherwise (src/db/database.ts). */
export const EMBEDDED_DB_CACHE_MB = 32;

/** How long a password hash may wait for a core unless PASSWORD_HASH_MAX_WAIT_MS says otherwise (src/core/identity/passwords.ts). */
export const PASSWORD_HASH_MAX_WAIT_MS = 2000;

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  /** postgres://... when set; otherwise the embedded PGlite database under dataDir. */
  databaseUrl: string | null;
  /** Connections this node keeps open to databaseUrl at most (PostgreSQL only). */
  databasePoolSize: number;
  /** How long, in ms, a request may wait for a free connection before it is refused (503); PostgreSQL only. */
  databasePoolWaitMs: number;
  /** The longest a statement may run, in ms, then it is cancelled (503); 0: no limit. PostgreSQL only; migrations have none. */
  databaseStatementTimeoutMs: number;
  /**
   * postgres://... straight to the server, for what a transaction pooler (PgBouncer in
   * transaction mode) in front of databaseUrl cannot carry: LISTEN and the migrations'
   * session lock. Null: databaseUrl serves both.
   */
  databaseDirectUrl: string | null;
  /** The embedded database's buffer cache (PostgreSQL's shared_buffers), in MB; PGlite only. */
  embeddedCacheMb: number;
  /**
   * How long, in ms, a password hash (a login, a new password) may wait for a free core
   * before the request is refused with 503 and Retry-After; 0 refuses any that would wait.
   */
  passwordHashMaxWaitMs: number;
  /** redis://... when set: request rate limits are counted there, shared by every node. */
  redisUrl: string | null;
  /** Signing secret for tokens; the first one signs, the others still verify (rotation). */
  secretKeys: string[];
  smtpUrl: string | null;
  mailFrom: string;
  brokerSlug: string;
  brokerName: string;
  admin: { username: string; email: string; password: string } | null;
  tokenLifetimeSeconds: number;
  /** A session (and every token refreshed from it) ends this long after the user authenticated. */
  sessionMaxAgeSeconds: number;
  linkLifetimeSeconds: number;
  /** Failed logins from one address before that address is locked out of the account. */
  loginMaxAttempts: number;
  /** Failed logins from all addresses together before the account locks for everyone. */
  loginAccountMaxAttempts: number;
  /** The first lock; each following lock doubles, up to loginLockoutMaxSeconds. */
  loginLockoutSeconds: number;
  loginLockoutMaxSeconds: number;
  /** Failures and lock history are forgotten after this long without an attempt. */
  loginFailureResetSeconds: number;
  authRateLimit: { max: number; windowSeconds: number };
  passwordMinLength: number;
  /** Days a password is good for before it counts as expired; 0: passwords never expire. */
  passwordMaxAgeDays: number;
  bodyLimitBytes: number;
  pageSize: number;
  maxPageSize: number;
  logLevel: string;
  /** The login code a user with e-mail or SMS verification receives is valid this long. */
  codeLifetimeSeconds: number;
  /**
   * Which peers may speak for the client in X-Forwarded-For (and X-Request-Id): none, the
   * nearest N hops, or these addresses and CIDR blocks. Never "every hop".
   */
  trustProxy: false | number | string[];
  /** Bearer token that /metrics requires on the public port; null when unset. */
  metricsToken: string | null;
  /** A separate listener for /metrics (METRICS_HOST:METRICS_PORT); null when unset. */
  metricsPort: number | null;
  metricsHost: string;
  /**
   * Join requests (and re-sends) one user may make per window, and requests an
   * organization's managers are mailed per window (beyond it they wait in the list).
   */
  joinRequests: { perUser: number; perOrganization: number; windowSeconds: number };
  /** How often each job worker looks for due jobs. */
  jobPollIntervalMs: number;
  /**
   * Whether `serve` runs the job workers and the maintenance schedule (JOB_WORKERS=off: this
   * node answers requests and queues jobs; other nodes run them).
   */
  jobWorkers: boolean;
  /** Re-sent links, invitations, requests and texted codes, per target and per caller. */
  sendLimits: { perTarget: number; perCaller: number; windowSeconds: number };
  /** Who charges cards: the built-in offline test processor (the default) or Stripe. */
  processor: 'test' | 'stripe';
  /** Stripe's keys when PROCESSOR=stripe; `apiUrl` points the SDK elsewhere (an offline fake in tests). */
  stripe: { secretKey: string; publishableKey: string | null; webhookSecret: string | null; apiUrl: string | null } | null;
  /**
   * Crash tests only (PROCESSOR=test): `exit-after-charge` kills the process with SIGKILL
   * right after the test processor recorded a charge, before our ledger has it.
   */
  processorFault: 'exit-after-charge' | null;
  /** Deployments (get.chat): where the local driver puts applications, `{name}.{deployDomain}`. */
  deployDomain: string;
  /** How long the `command` and `http` deployers may take before a try counts as failed. */
  deployTimeoutMs: number;
  /**
   * Outgoing calls to addresses users choose (webhooks, provisioning and configurator URLs)
   * may reach loopback, private and link-local addresses: development only.
   */
  webhookAllowPrivate: boolean;
  /** How long a webhook receiver may take to answer one delivery. */
  webhookTimeoutMs: number;
  /** Days a finished webhook delivery (delivered or given up) and its tries are kept, for the receiver's history. */
  webhookRetentionDays: number;
  /** Days security events are kept; 0 keeps them for ever (an audit trail the operator may have to keep). */
  securityEventRetentionDays: number;
  /**
   * Accountcentral's message signing without a credential (DKIM_SIGNING_OPEN=on): anyone may
   * have mail signed as any active customer's domains. Off by default: only a trusted network
   * in front of the service makes it safe.
   */
  dkimSigningOpen: boolean;
  /**
   * Who may have mail signed with the platform's DKIM key (and the FBLs' keys), when it has no
   * key of its own (DKIM_PLATFORM_SIGNING): `customers` (the default), organizations a partner
   * or the broker made (a customer relationship exists); `all`, any organization, self-made ones
   * included; `off`, none. Anyone may sign up and make an organization: with `all`, anyone
   * could have mail signed as the platform.
   */
  dkimPlatformSigning: 'customers' | 'all' | 'off';
  /** The largest message signing request body (the message is in it). */
  dkimSignMaxBytes: number;
  /**
   * Accountcentral's news feed (NEWS_FEED_URL): a JSON Feed 1.1 document the broker's staff
   * import news from ("Trigger update from explora"); null when none is configured.
   */
  newsFeedUrl: string | null;
  /** How often an idle server-sent event stream says it is alive (a comment line). */
  eventStreamHeartbeatMs: number;
}

function processorSettings(env: Env): Pick<Config, 'processor' | 'stripe' | 'processorFault'> {
  const processor = (env.PROCESSOR?.trim() || 'test').toLowerCase();
  if (processor !== 'test' && processor !== 'stripe') throw new ConfigError(`PROCESSOR must be test or stripe, got "${env.PROCESSOR}"`);
  const fault = env.PROCESSOR_FAULT?.trim() || null;
  if (fault !== null && (fault !== 'exit-after-charge' || processor !== 'test')) {
    throw new ConfigError('PROCESSOR_FAULT may only be exit-after-charge, with PROCESSOR=test (crash tests)');
  }
  const apiUrl = env.STRIPE_API_URL?.trim() || null;
  if (apiUrl && !/^https?:\/\/[^/]+/.test(apiUrl)) throw new ConfigError('STRIPE_API_URL must be an http(s) URL');
  if (processor === 'test') return { processor, stripe: null, processorFault: fault === null ? null : 'exit-after-charge' };
  const secretKey = env.STRIPE_SECRET_KEY?.trim();
  if (!secretKey) throw new ConfigError('PROCESSOR=stripe needs STRIPE_SECRET_KEY');
  return {
    processor,
    stripe: {
      secretKey,
      publishableKey: env.STRIPE_PUBLISHABLE_KEY?.trim() || null,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET?.trim() || null,
      apiUrl,
    },
    processorFault: null,
  };
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function onOff(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (raw === 'on' || raw === 'true' || raw === '1') return true;
  if (raw === 'off' || raw === 'false' || raw === '0') return false;
  throw new ConfigError(`${name} must be on or off, got "${env[name]}"`);
}

function platformSigning(env: Env): Config['dkimPlatformSigning'] {
  const raw = (env.DKIM_PLATFORM_SIGNING?.trim() || 'customers').toLowerCase();
  if (raw === 'customers' || raw === 'all' || raw === 'off') return raw;
  throw new ConfigError(`DKIM_PLATFORM_SIGNING must be customers, all or off, got "${env.DKIM_PLATFORM_SIGNING}"`);
}

/** DATABASE_STATEMENT_TIMEOUT_MS: 0 for no limit, else 100 ms to an hour. */
function statementTimeout(env: Env): number {
  const value = atMost('DATABASE_STATEMENT_TIMEOUT_MS', int(env, 'DATABASE_STATEMENT_TIMEOUT_MS', 30_000, 0), 3_600_000);
  if (value > 0 && value < 100) throw new ConfigError(`DATABASE_STATEMENT_TIMEOUT_MS must be 0 (no limit) or at least 100, got "${value}"`);
  return value;
}

function atMost(name: string, value: number, max: number): number {
  if (value > max) throw new ConfigError(`${name} must be at most ${max}, got "${value}"`);
  return value;
}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

/**
 * TRUST_PROXY: a hop count or a list of proxy addresses/CIDRs. `true` would let any client
 * choose its own address (and dodge per-address limits) by sending X-Forwarded-For, so it
 * is refused with a message that says what to set instead.
 */
function trustProxy(env: Env): false | number | string[] {
  const raw = env.TRUST_PROXY?.trim();
  if (!raw || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(true|yes|on)$/i.test(raw)) {
    throw new ConfigError(
      'TRUST_PROXY=true would trust every hop of X-Forwarded-For, so any client could pick its own address; ' +
      'set the number of proxies in front of the service (TRUST_PROXY=1) or their addresses (TRUST_PROXY=10.0.0.5,10.1.0.0/16)',
    );
  }
  if (/^\d+$/.test(raw)) return Number(raw) || false;
  const entries = raw.split(',').map((s) => s.trim()).filter(Boolean);
  for (const entry of entries) {
    const [address, bits, extra] = entry.split('/');
    const family = isIP(address ?? '');
    const maxBits = family === 4 ? 32 : 128;
    const validBits = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= maxBits);
    if (!family || !validBits || extra !== undefined) {
      throw new ConfigError(`TRUST_PROXY must be a number of hops or comma-separated proxy addresses or CIDR blocks, got "${entry}"`);
    }
  }
  return entries;
}

/** SECRET_KEY when given; otherwise one generated on first start and kept in the data folder. */
function secretKeys(env: Env, dataDir: string): string[] {
  const fallbacks = (env.SECRET_KEY_FALLBACKS ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  if (env.SECRET_KEY) return [env.SECRET_KEY, ...fallbacks];
  const file = join(dataDir, 'secret_key');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(48).toString('base64url') + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
  }
  return [readFileSync(file, 'utf8').trim(), ...fallbacks];
}

export function loadConfig(env: Env = process.env): Config {
  const dataDir = resolve(env.DATA_DIR || '.data');
  const port = int(env, 'PORT', 8000);
  const host = env.HOST || '127.0.0.1';
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const redisUrl = env.REDIS_URL?.trim() || null;
  if (redisUrl && !/^rediss?:\/\//.test(redisUrl)) {
    throw new ConfigError('REDIS_URL must be a redis:// or rediss:// URL');
  }
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const databaseDirectUrl = env.DATABASE_DIRECT_URL?.trim() || null;
  if (databaseDirectUrl && !databaseUrl) throw new ConfigError('DATABASE_DIRECT_URL needs DATABASE_URL');
  if (databaseDirectUrl && !/^postgres(ql)?:\/\//.test(databaseDirectUrl)) {
    throw new ConfigError('DATABASE_DIRECT_URL must start with postgres:// or postgresql://');
  }
  const adminUsername = env.ADMIN_USERNAME?.trim();
  const adminEmail = env.ADMIN_EMAIL?.trim();
  const adminPassword = env.ADMIN_PASSWORD;
  const someAdmin = adminUsername || adminEmail || adminPassword;
  if (someAdmin && !(adminUsername && adminEmail && adminPassword)) {
    throw new ConfigError('ADMIN_USERNAME, ADMIN_EMAIL and ADMIN_PASSWORD must be set together');
  }
  const pageSize = int(env, 'PAGE_SIZE', 25, 1);
  const loginMaxAttempts = int(env, 'LOGIN_MAX_ATTEMPTS', 5, 1);
  const loginLockoutSeconds = int(env, 'LOGIN_LOCKOUT_SECONDS', 900, 1);
  // PGlite's memory is WebAssembly's: 2 GB in all, for the cache and everything else.
  const embeddedCacheMb = atMost('EMBEDDED_DB_CACHE_MB', int(env, 'EMBEDDED_DB_CACHE_MB', EMBEDDED_DB_CACHE_MB, 1), 512);
  const passwordHashMaxWaitMs = atMost('PASSWORD_HASH_MAX_WAIT_MS', int(env, 'PASSWORD_HASH_MAX_WAIT_MS', PASSWORD_HASH_MAX_WAIT_MS, 0), 60_000);
  const metricsToken = env.METRICS_TOKEN || null;
  if (metricsToken && metricsToken.length < 16) throw new ConfigError('METRICS_TOKEN must be at least 16 characters');
  return {
    port,
    host,
    baseUrl: (env.BASE_URL || `http://${host}:${port}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl,
    databasePoolSize: int(env, 'DATABASE_POOL_SIZE', 10, 1),
    // At least 100 ms: below that nearly every request would be refused.
    databasePoolWaitMs: atMost('DATABASE_POOL_WAIT_MS', int(env, 'DATABASE_POOL_WAIT_MS', 10_000, 100), 600_000),
    databaseStatementTimeoutMs: statementTimeout(env),
    databaseDirectUrl,
    embeddedCacheMb,
    passwordHashMaxWaitMs,
    redisUrl,
    secretKeys: secretKeys(env, dataDir),
    smtpUrl: env.SMTP_URL?.trim() || null,
    mailFrom: env.MAIL_FROM || 'Account Portal <no-reply@localhost>',
    brokerSlug: env.BROKER_SLUG || 'broker',
    brokerName: env.BROKER_NAME || env.BROKER_SLUG || 'Broker',
    admin: someAdmin ? { username: adminUsername!, email: adminEmail!, password: adminPassword! } : null,
    tokenLifetimeSeconds: int(env, 'TOKEN_LIFETIME_SECONDS', 3600, 60),
    sessionMaxAgeSeconds: int(env, 'SESSION_MAX_AGE_SECONDS', 30 * 86400, 60),
    linkLifetimeSeconds: int(env, 'LINK_LIFETIME_SECONDS', 86400, 60),
    loginMaxAttempts,
    loginAccountMaxAttempts: Math.max(loginMaxAttempts, int(env, 'LOGIN_ACCOUNT_MAX_ATTEMPTS', 20, 1)),
    loginLockoutSeconds,
    loginLockoutMaxSeconds: Math.max(loginLockoutSeconds, int(env, 'LOGIN_LOCKOUT_MAX_SECONDS', 86400, 1)),
    loginFailureResetSeconds: int(env, 'LOGIN_FAILURE_RESET_SECONDS', 43200, 60),
    authRateLimit: {
      max: int(env, 'AUTH_RATE_LIMIT', 30, 1),
      windowSeconds: int(env, 'AUTH_RATE_LIMIT_WINDOW_SECONDS', 60, 1),
    },
    passwordMinLength: int(env, 'PASSWORD_MIN_LENGTH', 10, 6),
    passwordMaxAgeDays: int(env, 'PASSWORD_MAX_AGE_DAYS', 0, 0),
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024),
    pageSize,
    maxPageSize: Math.max(pageSize, int(env, 'MAX_PAGE_SIZE', 100, 1)),
    logLevel: env.LOG_LEVEL || 'info',
    codeLifetimeSeconds: int(env, 'CODE_LIFETIME_SECONDS', 600, 30),
    trustProxy: trustProxy(env),
    metricsToken,
    metricsPort: env.METRICS_PORT ? int(env, 'METRICS_PORT', 0) : null,
    metricsHost: env.METRICS_HOST || host,
    joinRequests: {
      perUser: int(env, 'JOIN_REQUEST_LIMIT_PER_USER', 10, 1),
      perOrganization: int(env, 'JOIN_REQUEST_LIMIT_PER_ORGANIZATION', 20, 1),
      windowSeconds: int(env, 'JOIN_REQUEST_WINDOW_SECONDS', 86400, 60),
    },
    jobPollIntervalMs: int(env, 'JOB_POLL_INTERVAL_MS', 2000, 500),
    jobWorkers: onOff(env, 'JOB_WORKERS', true),
    sendLimits: {
      perTarget: int(env, 'SEND_LIMIT_PER_TARGET', 5, 1),
      perCaller: int(env, 'SEND_LIMIT_PER_CALLER', 20, 1),
      windowSeconds: int(env, 'SEND_LIMIT_WINDOW_SECONDS', 3600, 1),
    },
    ...processorSettings(env),
    deployDomain: deployDomain(env),
    deployTimeoutMs: int(env, 'DEPLOY_TIMEOUT_MS', 120_000, 1000),
    webhookAllowPrivate: onOff(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    webhookTimeoutMs: int(env, 'WEBHOOK_TIMEOUT_MS', 10_000, 500),
    webhookRetentionDays: int(env, 'WEBHOOK_RETENTION_DAYS', 30, 1),
    securityEventRetentionDays: int(env, 'SECURITY_EVENT_RETENTION_DAYS', 0, 0),
    dkimSigningOpen: onOff(env, 'DKIM_SIGNING_OPEN', false),
    dkimPlatformSigning: platformSigning(env),
    dkimSignMaxBytes: int(env, 'DKIM_SIGN_MAX_BYTES', 10 * 1024 * 1024, 1024),
    newsFeedUrl: newsFeedUrl(env),
    eventStreamHeartbeatMs: int(env, 'EVENT_STREAM_HEARTBEAT_MS', 15_000, 100),
  };
}

function newsFeedUrl(env: Env): string | null {
  const value = env.NEWS_FEED_URL?.trim() || null;
  if (value && !/^https?:\/\/[^/]+/i.test(value)) throw new ConfigError(`NEWS_FEED_URL must be an http(s) URL, got "${value}"`);
  return value;
}

function deployDomain(env: Env): string {
  const domain = (env.DEPLOY_DOMAIN?.trim() || 'apps.localhost').toLowerCase().replace(/^\.+|\.+$/g, '');
  if (!/^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(domain)) throw new ConfigError(`DEPLOY_DOMAIN must be a domain name, got "${env.DEPLOY_DOMAIN}"`);
  return domain;
}
