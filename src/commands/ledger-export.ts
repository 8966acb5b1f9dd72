// `account-portal ledger export [--since <date>] [--output FILE]`: the ledger in ledger-cli's
// journal format (src/core/billing/ledger-export.ts), on standard output or into FILE. A
// file is written beside FILE and renamed over it at the end, so a failed export never
// leaves half a journal where the full one is expected.
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { Config } from '../config.js';
import { openDatabase } from '../db/database.js';
import { migrationState } from '../db/migrate.js';
import { exportLedger } from '../core/billing/ledger-export.js';
import { parseMoment } from './renewals.js';

/** Writes a chunk, waiting for the stream to drain when its buffer is full. */
function writerTo(stream: Writable): (chunk: string) => Promise<void> {
  return async (chunk) => {
    if (!stream.write(chunk)) await once(stream, 'drain');
  };
}

async function closeFile(stream: WriteStream): Promise<void> {
  await new Promise<void>((done, fail) => stream.end((error?: Error | null) => (error ? fail(error) : done())));
}

export async function ledgerExportCommand(config: Config, options: { since?: string; output?: string }): Promise<number> {
  const since = options.since === undefined ? undefined : parseMoment(options.since);
  if (since === null) {
    console.error(`ledger export: --since must be an ISO 8601 date (2026-01-01 or 2026-01-01T00:00:00Z), not "${options.since}"`);
    return 2;
  }
  if (options.output === '') {
    console.error('ledger export: --output needs a file name');
    return 2;
  }
  const database = await openDatabase(config);
  try {
    if ((await migrationState(database.db)).pending > 0) {
      console.error('ledger export: the database is not migrated: run "npx account-portal migrate" (or start the service) first');
      return 2;
    }
    if (!options.output) {
      const count = await exportLedger(database.db, { since, now: new Date(), write: writerTo(process.stdout) });
      console.error(`ledger export: ${count} transactions`);
      return 0;
    }
    const partial = `${options.output}.partial-${process.pid}`;
    const file = createWriteStream(partial, { flags: 'wx', mode: 0o600 });
    try {
      await once(file, 'open');
      const count = await exportLedger(database.db, { since, now: new Date(), write: writerTo(file) });
      await closeFile(file);
      renameSync(partial, options.output);
      console.error(`ledger export: ${count} transactions written to ${options.output}`);
      return 0;
    } catch (error) {
      file.destroy();
      rmSync(partial, { force: true });
      throw error;
    }
  } finally {
    await database.close();
  }
}
