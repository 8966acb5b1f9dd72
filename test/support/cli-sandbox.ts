// A sandbox for running `account-portal` as a real process: a data folder of its own and,
// on PostgreSQL, an empty database of its own (not the migrated template, so `migrate` has
// work to do), both removed after the file's tests. Settings that would leak in from the
// shell (an admin to create, an SMTP server) are left out of its environment.
import { before, after } from 'node:test';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { withDatabase } from './templates.js';

export interface Run { code: number; stdout: string; stderr: string }

export interface CliSandbox {
  /** Resolves once the folder and database exist: a file's own `before` awaits it first (hooks may overlap). */
  ready(): Promise<void>;
  /** The sandbox's data folder (set in `before`). */
  dataDir(): string;
  /** Whether the commands run on PostgreSQL (a database of the sandbox's own) rather than PGlite. */
  onPostgres(): boolean;
  /** The environment the commands run in (built after `before`). */
  env(): NodeJS.ProcessEnv;
  /** Runs a program in the sandbox's environment. */
  run(file: string, args: string[]): Promise<Run>;
  /** Runs `account-portal <args>` from the sources. */
  cli(...args: string[]): Promise<Run>;
}

const SECRET_KEY = 'cli-test-secret-0123456789-abcdefghijklmn';

async function pgAdmin(statement: string): Promise<void> {
  const pg = (await import('pg')).default;
  const client = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await client.connect();
  try { await client.query(statement); } finally { await client.end(); }
}

/** Registers the sandbox's before/after hooks in the calling test file; `prefix` names its folder. */
export function cliSandbox(prefix: string): CliSandbox {
  let dataDir = '';
  let databaseUrl: string | undefined;
  let drop: () => Promise<void> = async () => {};
  let setup: Promise<void> | null = null;
  const ready = (): Promise<void> => {
    setup ??= (async () => {
      dataDir = mkdtempSync(join(tmpdir(), prefix));
      if (process.env.DATABASE_URL) {
        const name = `ap_test_${process.pid}_${randomBytes(4).toString('hex')}`;
        await pgAdmin(`create database "${name}"`);
        databaseUrl = withDatabase(process.env.DATABASE_URL, name);
        drop = () => pgAdmin(`drop database if exists "${name}" with (force)`);
      }
    })();
    return setup;
  };
  before(ready);
  after(async () => {
    await drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const env = (): NodeJS.ProcessEnv => {
    const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SECRET_KEY, LOG_LEVEL: 'silent' };
    for (const name of ['DATABASE_URL', 'ADMIN_USERNAME', 'ADMIN_EMAIL', 'ADMIN_PASSWORD', 'SMTP_URL']) delete e[name];
    if (databaseUrl) e.DATABASE_URL = databaseUrl;
    return e;
  };
  const run = (file: string, args: string[]): Promise<Run> => new Promise((done) => {
    execFile(file, args, { env: env(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
  return { ready, dataDir: () => dataDir, onPostgres: () => databaseUrl !== undefined, env, run, cli: (...args) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]) };
}
