// Wires settings, database, core services and the HTTP app together, and takes them
// apart again in the right order on shutdown.
import './core/oauth2/runtime-warning.js';
import { join } from 'node:path';
import pino, { type Logger } from 'pino';
import type { Config } from './config.js';
import type { Core } from './core/context.js';
import { openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest } from './db/migrate.js';
import { Mailer } from './core/notify/mailer.js';
import { TokenService } from './core/identity/tokens.js';
import { passwordHashLine } from './core/identity/passwords.js';
import { DevelopmentSmsSender } from './core/notify/sms.js';
import { ReadCache } from './core/cache.js';
import { RateLimitCounter } from './core/rate-limits.js';
import { JobQueue } from './jobs/queue.js';
import { ensureAdmin, ensureBroker } from './core/bootstrap.js';
import { identityHooks } from './core/hooks.js';
import { ensureProcessorOrganization, makeProcessor } from './core/billing/processors/index.js';
import { loadPackages } from './core/provisioning/packages.js';
import { checkPlatformApplications } from './core/team/platform-applications.js';
import { checkPlatformSites } from './core/team/platform-sites.js';
import { buildApp, type App } from './http/app.js';
import { portalLinks } from './http/portal/links.js';
import type { Links } from './core/links.js';
import { Metrics, listenForMetrics, type MetricsListener } from './http/metrics.js';
import { requestForLog } from './http/logging.js';

/** Log lines never carry credentials, whatever a request or error holds. */
export const REDACT = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.new_password',
  '*.token',
  '*.secret',
];

export function makeLogger(config: Pick<Config, 'logLevel'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    // Request lines log the URL with one-time keys taken out (src/http/logging.ts).
    serializers: { req: requestForLog },
  };
  return destination ? pino(options, destination) : pino(options);
}

/** The steps of a start, in order (`serve` adds the listening and the job workers). */
export type StartPhase = 'database' | 'migrations' | 'jobQueue' | 'bootstrap' | 'app';

export interface Service {
  app: App;
  core: Core;
  database: DatabaseHandle;
  metrics: Metrics;
  /** Listens on HOST:PORT, and on METRICS_HOST:METRICS_PORT for /metrics when that is set. */
  listen(): Promise<{ metrics: MetricsListener | null }>;
  close(): Promise<void>;
}

export async function createCore(
  config: Config,
  database: DatabaseHandle,
  log: Logger,
  now: () => Date = () => new Date(),
  options: { schedule?: boolean; links?: Links } = {},
): Promise<Core> {
  const { unitOfWork } = database;
  // The line is the process's (its cores are): the last core made sets its bound.
  passwordHashLine.maxWaitMs = config.passwordHashMaxWaitMs;
  // A hook that fails must not turn a committed change into an error: it is logged.
  const afterCommit = (hook: () => void | Promise<void>) =>
    unitOfWork.afterCommit(async () => {
      try {
        await hook();
      } catch (error) {
        log.error({ err: error }, 'after-commit hook failed');
      }
    });
  const jobs = new JobQueue(database.db, { log, pollIntervalMs: config.jobPollIntervalMs, afterCommit, schedule: options.schedule });
  const mailer = new Mailer(database.db, {
    afterCommit,
    jobs,
    transact: (fn) => unitOfWork.transact(fn),
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    templateDir: join(config.dataDir, 'templates', 'email'),
    log,
    keepUnsentSeconds: config.linkLifetimeSeconds,
    now,
  });
  const cache = new ReadCache(database.changes);
  const core: Core = {
    db: database.db,
    // `core.db` as it is when the unit starts: a test may wrap it to watch the statements.
    transact: (fn) => unitOfWork.transact(() => fn(core.db)),
    afterCommit,
    // Mails point at the portal's pages; the API tests give the native API's links instead.
    links: options.links ?? portalLinks(config.baseUrl),
    cache,
    rateLimits: database.kind === 'postgres'
      ? new RateLimitCounter(database)
      : null,
    jobs,
    config,
    mailer,
    tokens: new TokenService(config.secretKeys, config.tokenLifetimeSeconds),
    sms: new DevelopmentSmsSender(log),
    processor: await makeProcessor(config, database.db, now),
    identityHooks,
    now,
  };
  return core;
}

/** Opens the database, migrates it, makes the broker and admin, and builds the app. */
export async function createService(
  config: Config,
  options: {
    log?: Logger | false;
    database?: DatabaseHandle;
    now?: () => Date;
    migrate?: boolean;
    /** Run the maintenance schedule (pg-boss's timekeeper) on this node: `serve` with JOB_WORKERS on. */
    schedule?: boolean;
    /** Where mails point (default: the native API's routes). */
    links?: Links;
    /** Called as each step of the start ends, with its name: `serve` logs how long each took. */
    phase?: (name: StartPhase) => void;
  } = {},
): Promise<Service> {
  const phase = options.phase ?? (() => {});
  const log = options.log === undefined ? makeLogger(config) : options.log;
  const database = options.database ?? (await openDatabase(config));
  phase('database');
  const quiet = pino({ level: 'silent' });
  if (options.migrate !== false) await migrateToLatest(database.direct);
  phase('migrations');
  const core = await createCore(config, database, log || quiet, options.now, { schedule: options.schedule, links: options.links });
  await core.jobs.open();
  phase('jobQueue');
  await ensureBroker(core);
  await ensureProcessorOrganization(core);
  // The data folder's packages file (or the built-in Inbox and HubSpot): a broken file stops the start.
  const packages = await loadPackages(core);
  if (log && packages.created.length + packages.updated.length + packages.retired.length + packages.kept.length) {
    log.info({ ...packages }, 'packages loaded');
  }
  // The data folder's applications and sites files (or the built-in lists): a broken file stops the start.
  const applications = checkPlatformApplications(core);
  if (log && applications.file) log.info({ ...applications }, 'platform applications loaded');
  const sites = checkPlatformSites(core);
  if (log && sites.file) log.info({ ...sites }, 'platform sites loaded');
  // Charges a crash left half done are settled from the processor's record, once the workers run.
  await core.jobs.enqueue('recover-charges', {});
  if (config.admin) {
    const { created } = await ensureAdmin(core, config.admin);
    if (created && log) log.info({ username: config.admin.username }, 'created the administrator');
  }
  phase('bootstrap');
  const metrics = new Metrics();
  const app = await buildApp({ core, logger: log, metrics });
  phase('app');
  let metricsListener: MetricsListener | null = null;
  let closing: Promise<void> | null = null;
  return {
    app,
    core,
    database,
    metrics,
    async listen() {
      await app.listen({ port: config.port, host: config.host });
      if (config.metricsPort !== null) {
        metricsListener = await listenForMetrics(metrics, { host: config.metricsHost, port: config.metricsPort, token: config.metricsToken });
      }
      return { metrics: metricsListener };
    },
    close() {
      closing ??= (async () => {
        await metricsListener?.close();
        await app.close();
        await core.jobs.close();
        core.mailer.close();
        await database.close();
      })();
      return closing;
    },
  };
}
