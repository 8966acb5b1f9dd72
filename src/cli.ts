#!/usr/bin/env node
// account-portal serve | migrate | create-admin | outbox | renewals | ledger export
import { parseArgs } from 'node:util';
import { loadConfig, ConfigError } from './config.js';
import { DataDirLocked, openDatabase, type DatabaseHandle } from './db/database.js';
import { migrateToLatest, migrationState } from './db/migrate.js';
import { createService, makeLogger, createCore } from './server.js';
import { ensureAdmin } from './core/bootstrap.js';
import { jobHandlers } from './jobs/handlers.js';
import { checkPasswordPolicy } from './core/identity/passwords.js';
import { DomainError } from './core/errors.js';
import { renewalsCommand } from './commands/renewals.js';
import { ledgerExportCommand } from './commands/ledger-export.js';

const HELP = `Usage: account-portal <command> [options]

Commands:
  serve                 Start the HTTP service (migrates the database first).
  migrate               Apply pending database migrations and exit.
  create-admin          Create an active user who manages the broker organization.
      --username NAME   (required)
      --email EMAIL     (required)
      --password PASS   (or the ADMIN_PASSWORD environment variable)
  outbox                Print the mails kept in the outbox (most recent first).
      --limit N         How many (default 20).
  renewals              Run the daily renewals for a moment: recognize income, extend,
                        charge what is due, send the expiration notices. Idempotent.
      --at DATE         The moment (ISO 8601; default now).
  ledger export         Write the ledger in ledger-cli's journal format.
      --since DATE      Only the transactions from this date (ISO 8601).
      --output FILE     Write there instead of standard output.

Settings come from the environment; see README.md for the list.
With the embedded database, one process at a time uses DATA_DIR: stop the service
before running create-admin, migrate, outbox, renewals or ledger on its folder.
Options: -h, --help   Show this help.`;

/** A refusal the CLI says in one line, without a stack trace. */
class CliError extends Error {}

/** Commands that read the database need it migrated: say so instead of failing on a missing table. */
async function requireMigrated(database: DatabaseHandle, where: string): Promise<void> {
  const { applied, pending } = await migrationState(database.db);
  if (pending === 0) return;
  throw new CliError(applied === 0
    ? `the database ${where} was never migrated: run "npx account-portal migrate" (or start the service) first`
    : `the database ${where} lacks ${pending} migration(s): run "npx account-portal migrate" (or start the service) first`);
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      help: { type: 'boolean', short: 'h' },
      username: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      limit: { type: 'string' },
      at: { type: 'string' },
      since: { type: 'string' },
      output: { type: 'string' },
    },
  });
  const command = positionals[0];
  if (values.help || !command || command === 'help') {
    console.log(HELP);
    return command || values.help ? 0 : 1;
  }
  const config = loadConfig();
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate': {
      const database = await openDatabase(config);
      const ran = await migrateToLatest(database.direct);
      console.log(ran.length ? `Applied: ${ran.join(', ')}` : 'Nothing to apply.');
      await database.close();
      return 0;
    }
    case 'create-admin': {
      const password = values.password ?? process.env.ADMIN_PASSWORD;
      if (!values.username || !values.email || !password) {
        console.error('create-admin needs --username, --email and --password (or ADMIN_PASSWORD).');
        return 2;
      }
      checkPasswordPolicy(password, { username: values.username, email: values.email }, config.passwordMinLength);
      const database = await openDatabase(config);
      try {
        await migrateToLatest(database.direct);
        const core = await createCore(config, database, makeLogger({ logLevel: 'silent' }));
        const result = await ensureAdmin(core, { username: values.username, email: values.email, password });
        console.log(result.created ? `Created ${values.username}, manager of ${config.brokerSlug}.` : `${values.username} already exists; nothing changed.`);
      } finally {
        await database.close();
      }
      return 0;
    }
    case 'outbox': {
      const database = await openDatabase(config);
      try {
        await requireMigrated(database, config.databaseUrl ? 'at DATABASE_URL' : `in ${config.dataDir}`);
      } catch (error) {
        await database.close();
        throw error;
      }
      const rows = await database.db.selectFrom('mail_outbox').selectAll()
        .orderBy('id', 'desc').limit(Number(values.limit ?? 20)).execute();
      for (const mail of rows) {
        console.log(`--- #${mail.id} ${mail.created_at.toISOString()} to ${mail.recipient}${mail.sent_at ? ' (sent)' : ''}`);
        // Sent or expired mails keep no content: it held one-time links.
        console.log(mail.text_body ? `Subject: ${mail.subject}\n\n${mail.text_body}` : `(${mail.template}: content erased)\n`);
      }
      await database.close();
      return 0;
    }
    case 'renewals':
      return renewalsCommand(config, { at: values.at });
    case 'ledger':
      if (positionals[1] !== 'export') {
        console.error(`Usage: account-portal ledger export [--since DATE] [--output FILE]`);
        return 2;
      }
      return ledgerExportCommand(config, { since: values.since, output: values.output });
    default:
      console.error(`Unknown command "${command}".\n\n${HELP}`);
      return 2;
  }
}

async function serve(config: ReturnType<typeof loadConfig>): Promise<number> {
  // Milliseconds since the process began, per step: the first is loading the code itself.
  const phases: Record<string, number> = { modules: Math.round(performance.now()) };
  let last = performance.now();
  const phase = (name: string) => {
    const now = performance.now();
    phases[name] = Math.round(now - last);
    last = now;
  };
  const log = makeLogger(config);
  const service = await createService(config, { log, schedule: config.jobWorkers, phase });
  // A signal is handled from here on: one that comes while the port opens or the workers
  // start stops the service cleanly too.
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'shutting down: no new connections, finishing requests in flight');
    const force = setTimeout(() => {
      log.error('shutdown took longer than 10 s; exiting');
      process.exit(1);
    }, 10_000);
    force.unref();
    service.close().then(
      () => { log.info('stopped'); process.exit(0); },
      (error: unknown) => { log.error({ err: error }, 'error while shutting down'); process.exit(1); },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  let listening: Awaited<ReturnType<typeof service.listen>>;
  try {
    listening = await service.listen();
    phase('listen');
    // The workers start once the port is open: their first polls (one query per kind) used
    // to run while the service began to listen. A job queued meanwhile waits in its table.
    if (config.jobWorkers && !stopping) await service.core.jobs.work(jobHandlers(service.core));
    phase('workers');
  } catch (error) {
    // Closing under a signal fails what was starting: the stop above ends the process.
    if (stopping) return new Promise<number>(() => {});
    log.error({ err: error }, 'the service could not start; stopping');
    console.error(`account-portal: the service could not start: ${(error as Error).message}`);
    stopping = true;
    // Exits even if something the start left (a timer, a socket) would keep the process up.
    await service.close().catch(() => {});
    process.exit(1);
  }
  if (stopping) return new Promise<number>(() => {});
  const metricsAt = listening.metrics ? `http://${config.metricsHost}:${listening.metrics.address.port}/metrics` : undefined;
  // `ms` counts from the process's start, so it includes loading the code.
  log.info({ url: config.baseUrl, metrics: metricsAt, database: service.database.kind, ms: Math.round(performance.now()), phases }, 'ready');
  return new Promise<number>(() => {});
}

main(process.argv.slice(2)).then(
  (code) => { if (code !== undefined) process.exitCode = code; },
  (error: unknown) => {
    if (error instanceof DomainError) {
      // The code too, for scripts: they branch on it, never on the message.
      console.error(`account-portal: ${error.message} (${error.code})`);
      process.exitCode = 2;
    } else if (error instanceof ConfigError || error instanceof CliError) {
      console.error(`account-portal: ${error.message}`);
      process.exitCode = 2;
    } else if (error instanceof DataDirLocked) {
      console.error(`account-portal: ${error.message}`);
      process.exitCode = 1;
    } else {
      console.error(error);
      process.exitCode = 1;
    }
  },
);
