// Every setting of the service, read once from the environment and typed.
// The README lists each of them; keep the two in step.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync, chmodSync } from 'node:fs';
import { join, resolve } from 'node:path';

export interface Config {
  port: number;
  host: string;
  baseUrl: string;
  dataDir: string;
  /** postgres://... when set; otherwise the embedded PGlite database under dataDir. */
  databaseUrl: string | null;
  /** Signing secret for tokens; the first one signs, the others still verify (rotation). */
  secretKeys: string[];
  smtpUrl: string | null;
  mailFrom: string;
  brokerSlug: string;
  brokerName: string;
  admin: { username: string; email: string; password: string } | null;
  tokenLifetimeSeconds: number;
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
  bodyLimitBytes: number;
  pageSize: number;
  maxPageSize: number;
  logLevel: string;
  /** The login code a user with e-mail or SMS verification receives is valid this long. */
  codeLifetimeSeconds: number;
  trustProxy: boolean;
}

type Env = Record<string, string | undefined>;

export class ConfigError extends Error {}

function int(env: Env, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new ConfigError(`${name} must be an integer >= ${min}, got "${raw}"`);
  }
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
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
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
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
  return {
    port,
    host,
    baseUrl: (env.BASE_URL || `http://${host}:${port}`).replace(/\/+$/, ''),
    dataDir,
    databaseUrl,
    secretKeys: secretKeys(env, dataDir),
    smtpUrl: env.SMTP_URL?.trim() || null,
    mailFrom: env.MAIL_FROM || 'Account Portal <no-reply@localhost>',
    brokerSlug: env.BROKER_SLUG || 'broker',
    brokerName: env.BROKER_NAME || env.BROKER_SLUG || 'Broker',
    admin: someAdmin ? { username: adminUsername!, email: adminEmail!, password: adminPassword! } : null,
    tokenLifetimeSeconds: int(env, 'TOKEN_LIFETIME_SECONDS', 3600, 60),
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
    bodyLimitBytes: int(env, 'BODY_LIMIT_BYTES', 64 * 1024, 1024),
    pageSize,
    maxPageSize: Math.max(pageSize, int(env, 'MAX_PAGE_SIZE', 100, 1)),
    logLevel: env.LOG_LEVEL || 'info',
    codeLifetimeSeconds: int(env, 'CODE_LIFETIME_SECONDS', 600, 30),
    trustProxy: bool(env, 'TRUST_PROXY', false),
  };
}
