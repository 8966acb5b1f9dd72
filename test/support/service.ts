// Boots the real service for one test file: its own database copied from the migrated
// template, a real SMTP server, a clock the test can move, and helpers to call the API.
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import { loadConfig, type Config } from '../../src/config.js';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/db/database.js';
import { createService, type Service } from '../../src/server.js';
import { hashPassword } from '../../src/core/identity/passwords.js';
import { openSession } from '../../src/core/identity/sessions.js';
import { TestSmtp } from './smtp.js';
import type { Links } from '../../src/core/links.js';
import { djaoappLinks } from '../../src/http/djaoapp/links.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { pgliteTemplatePath, postgresTemplateName, withDatabase } from './templates.js';

export interface TestService extends Service {
  smtp: TestSmtp;
  config: Config;
  clock: { now: Date; advance(seconds: number): void };
  request(options: RequestOptions): Promise<LightMyRequestResponse & { body: string; json<T = any>(): T }>;
  /** Creates an active user with a password and returns it with a fresh JWT, in a session of its own. */
  user(options?: Partial<TestUserOptions>): Promise<TestUser>;
  /** The broker's administrator (created at boot). */
  admin: TestUser;
  stop(): Promise<void>;
}

export interface RequestOptions {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD' | 'OPTIONS';
  url: string;
  body?: unknown;
  /** A JWT, sent as a Bearer token. */
  token?: string;
  headers?: Record<string, string>;
  ip?: string;
}

export interface TestUserOptions {
  username: string;
  email: string;
  password: string;
  fullName: string;
  activated: boolean;
}

export interface TestUser {
  id: number;
  username: string;
  email: string;
  password: string;
  token: string;
}

let counter = 0;
export function unique(prefix = 'u'): string {
  counter += 1;
  return `${prefix}${process.pid}x${counter}${randomBytes(2).toString('hex')}`;
}

async function openTestDatabase(config: Config, env: Record<string, string>): Promise<{ handle: DatabaseHandle; drop(): Promise<void> }> {
  const url = process.env.DATABASE_URL;
  if (!url) {
    const blob = new Blob([readFileSync(pgliteTemplatePath())]);
    return { handle: await openPGlite(null, blob), drop: async () => {} };
  }
  const name = `ap_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`create database "${name}" template "${postgresTemplateName()}"`);
  await admin.end();
  // The service's own limits on waiting and running; five connections unless the test says.
  const handle = await openPostgres(withDatabase(url, name), {
    max: env.DATABASE_POOL_SIZE ? config.databasePoolSize : 5,
    poolWaitMs: config.databasePoolWaitMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
  });
  return {
    handle,
    drop: async () => {
      const again = new pg.Client({ connectionString: url });
      await again.connect();
      await again.query(`drop database if exists "${name}" with (force)`).catch(() => {});
      await again.end();
    },
  };
}

export const ADMIN_PASSWORD = 'Admin-Pa55word-for-tests';

/**
 * `links`: where mails point. By default the native API's routes (the API tests follow
 * them); 'service' keeps what the service itself uses (the portal's pages).
 */
export async function startService(env: Record<string, string> = {}, options: { links?: Links | 'service' } = {}): Promise<TestService> {
  const smtp = new TestSmtp();
  const smtpUrl = await smtp.start();
  const config = loadConfig({
    SECRET_KEY: 'test-secret-key-0123456789-abcdefghijklmnop',
    DATA_DIR: `/tmp/account-portal-test-${process.pid}`,
    BASE_URL: 'http://portal.test',
    SMTP_URL: smtpUrl,
    MAIL_FROM: 'Portal <portal@example.com>',
    BROKER_SLUG: 'broker',
    ADMIN_USERNAME: 'admin',
    ADMIN_EMAIL: 'admin@example.com',
    ADMIN_PASSWORD,
    LOG_LEVEL: 'silent',
    AUTH_RATE_LIMIT: '1000',
    JOB_POLL_INTERVAL_MS: '500',
    // Sending limits are tested in test/service/mail-safety.test.ts; elsewhere they stay out of the way.
    SEND_LIMIT_PER_TARGET: '1000',
    SEND_LIMIT_PER_CALLER: '1000',
    ...env,
  });
  const { handle, drop } = await openTestDatabase(config, env);
  const clock = {
    now: new Date(),
    advance(seconds: number) {
      this.now = new Date(this.now.getTime() + seconds * 1000);
    },
  };
  // Real time unless a test moves the clock: then time runs on from the new point.
  let offset = 0;
  const now = () => new Date(Date.now() + offset);
  clock.advance = (seconds: number) => { offset += seconds * 1000; };
  Object.defineProperty(clock, 'now', { get: now });
  const service = await createService(config, { log: false, database: handle, migrate: false, now, links: options.links === 'service' ? undefined : options.links ?? djaoappLinks(config.baseUrl) });
  await service.core.jobs.work(jobHandlers(service.core));

  const request: TestService['request'] = async (options) => {
    const headers: Record<string, string> = { ...(options.headers ?? {}) };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const response = await service.app.inject({
      method: options.method,
      url: options.url,
      headers,
      payload,
      remoteAddress: options.ip ?? '127.0.0.1',
    });
    return response as never;
  };

  // Hashing is the slow part of making a user: a password given twice is hashed once.
  const hashes = new Map<string, Promise<string>>();
  const hashOnce = (password: string) => {
    if (!hashes.has(password)) hashes.set(password, hashPassword(password));
    return hashes.get(password)!;
  };
  const user: TestService['user'] = async (options = {}) => {
    const username = options.username ?? unique('user');
    const email = options.email ?? `${username}@example.com`;
    const password = options.password ?? `Pw-${randomBytes(6).toString('hex')}-long`;
    const created = await service.core.db.insertInto('users').values({
      slug: username,
      email,
      full_name: options.fullName ?? `User ${username}`,
      password_hash: await hashOnce(password),
      password_changed_at: new Date(now().getTime() - 5000),
      email_verified_at: options.activated === false ? null : now(),
    }).returning('id').executeTakeFirstOrThrow();
    const { token } = await openSession(service.core, service.core.db,
      { id: created.id, slug: username, email, full_name: options.fullName ?? '' }, 'password', {}, now());
    return { id: created.id, username, email, password, token };
  };

  const adminRow = await service.core.db.selectFrom('users').select(['id', 'slug', 'email'])
    .where('slug', '=', 'admin').executeTakeFirstOrThrow();
  const admin: TestUser = {
    id: adminRow.id,
    username: 'admin',
    email: adminRow.email!,
    password: ADMIN_PASSWORD,
    token: (await openSession(service.core, service.core.db, { id: adminRow.id, slug: 'admin', email: adminRow.email, full_name: 'admin' },
      'password', {}, new Date(now().getTime() + 1000))).token,
  };

  return Object.assign(service, {
    smtp,
    config,
    clock,
    request,
    user,
    admin,
    async stop() {
      await service.close();
      await smtp.stop();
      await drop();
    },
  }) as TestService;
}
