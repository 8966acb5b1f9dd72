// `account-portal renewals [--at <ISO date>]`: the daily renewals run by hand, for a given
// moment (default now); the same steps as the scheduled job (src/core/billing/renewals).
// Prints the run's report as JSON. Mails go to the outbox; the service's workers send them
// (without SMTP_URL they stay there, readable with `account-portal outbox`).
import pino from 'pino';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrationState } from '../db/migrate.js';
import { createCore, makeLogger } from '../server.js';
import { RenewalsIncomplete, runRenewals } from '../core/billing/renewals/index.js';
import { ensureProcessorOrganization } from '../core/billing/processors/index.js';
import { ensureBroker } from '../core/bootstrap.js';

/** Clocks of the operator's shell and the service's host may differ by this much. */
const FUTURE_TOLERANCE_MS = 5 * 60_000;

/** The moment `--at` names: an ISO 8601 date or date-time; null when it is not one. */
export function parseMoment(text: string): Date | null {
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(text.trim())) return null;
  const date = new Date(text.trim());
  return Number.isNaN(date.getTime()) ? null : date;
}

export async function renewalsCommand(config: Config, options: { at?: string }): Promise<number> {
  const at = options.at === undefined ? new Date() : parseMoment(options.at);
  if (!at) {
    console.error(`renewals: --at must be an ISO 8601 date (2026-12-01 or 2026-12-01T02:00:00Z), not "${options.at}"`);
    return 2;
  }
  // A run ahead of time would renew and charge before the period is due, and the job's
  // next run would catch up from there: only the past (a missed night) is run by hand.
  if (at.getTime() > Date.now() + FUTURE_TOLERANCE_MS) {
    console.error(`renewals: --at ${at.toISOString()} is in the future; a run renews and charges what is due at that moment, so only now or an earlier moment may be run`);
    return 2;
  }
  const database = await openDatabase(config);
  try {
    if ((await migrationState(database.db)).pending > 0) {
      console.error('renewals: the database is not migrated: run "npx account-portal migrate" (or start the service) first');
      return 2;
    }
    // The report is the standard output; the log goes to standard error.
    const core = await createCore(config, database, makeLogger(config, pino.destination(2)));
    try {
      // As the service does at start: a charge's fees go to the broker and the processor.
      await ensureBroker(core);
      await ensureProcessorOrganization(core);
      try {
        const report = await runRenewals(core, at);
        console.log(JSON.stringify(report, null, 2));
        return 0;
      } catch (error) {
        // The others were done; running the command again finishes what failed.
        if (!(error instanceof RenewalsIncomplete)) throw error;
        for (const failure of error.failures) console.error(`renewals: ${failure.step} ${failure.subject}: ${failure.message}`);
        console.error(`renewals: ${error.failures.length} item(s) failed, the rest was done; run it again to finish them`);
        return 1;
      }
    } finally {
      await core.jobs.close();
      core.mailer.close();
    }
  } finally {
    await database.close();
  }
}
