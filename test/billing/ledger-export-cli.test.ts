// `account-portal ledger export` run as a real process on a database of its own: to a file
// (written whole or not at all) and to standard output, `--since`, and refused arguments.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { createService } from '../../src/server.js';
import { book, move } from '../../src/core/billing/ledger.js';
import { withDatabase } from '../support/templates.js';

const SECRET_KEY = 'cli-test-secret-0123456789-abcdefghijklmn';
let dataDir: string;
let databaseUrl: string | undefined;
let drop: () => Promise<void> = async () => {};

async function pgAdmin(statement: string): Promise<void> {
  const pg = (await import('pg')).default;
  const c = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  try { await c.query(statement); } finally { await c.end(); }
}

function env(): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, SECRET_KEY, LOG_LEVEL: 'silent' };
  delete e.DATABASE_URL;
  delete e.ADMIN_USERNAME;
  delete e.ADMIN_EMAIL;
  delete e.ADMIN_PASSWORD;
  if (databaseUrl) e.DATABASE_URL = databaseUrl;
  return e;
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(file, args, { env: env(), maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}
const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args]);
const ledger = (...args: string[]) => run(process.env.LEDGER_PATH ?? '/usr/bin/ledger', args);

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'ap-ledger-cli-'));
  if (process.env.DATABASE_URL) {
    const name = `ap_test_${process.pid}_${randomBytes(4).toString('hex')}`;
    await pgAdmin(`create database "${name}"`);
    databaseUrl = withDatabase(process.env.DATABASE_URL, name);
    drop = () => pgAdmin(`drop database if exists "${name}" with (force)`);
  }
  // The service migrates its database on start; two organizations and two rows, a month apart.
  const service = await createService(loadConfig(env()), { log: false });
  try {
    const core = service.core;
    const [seller, buyer] = await Promise.all(['seller-co', 'buyer-co'].map((slug) => core.db.insertInto('organizations')
      .values({ slug, full_name: slug, email: `billing@${slug}.example` }).returning(['id', 'slug']).executeTakeFirstOrThrow()));
    await book(core, [
      move(12345, 'usd', { organizationId: seller!.id, account: 'Receivable' }, { organizationId: buyer!.id, account: 'Payable' },
        'Order in March', 'sub_1/', new Date('2026-03-05T12:00:00Z')),
      move(500, 'usd', { organizationId: buyer!.id, account: 'Payable' }, { organizationId: seller!.id, account: 'Receivable' },
        'Credit in April', 'sub_1/', new Date('2026-04-05T12:00:00Z')),
    ]);
  } finally {
    await service.close();
  }
});

after(async () => {
  await drop();
  rmSync(dataDir, { recursive: true, force: true });
});

test('--output writes the journal whole; ledger-cli reads it and totals each account', async () => {
  const file = join(dataDir, 'books.ledger');
  const res = await cli('ledger', 'export', '--output', file);
  assert.equal(res.code, 0, res.stderr);
  assert.equal(res.stdout, '');
  assert.match(res.stderr, /2 transactions written to/);
  assert.deepEqual(readdirSync(dataDir).filter((name) => name.includes('.partial-')), [], 'no partial file left behind');
  assert.match(readFileSync(file, 'utf8'), /^2026\/03\/05 \* \(\d+\) Order in March$/m);

  const totals = await ledger('-f', file, 'balance', '--flat', '--no-total', '-F', '%(account)\t%(quantity(scrub(display_total)))\n');
  assert.equal(totals.code, 0, totals.stderr);
  assert.deepEqual(totals.stdout.trim().split('\n').sort(), ['buyer-co:Payable\t118.45', 'seller-co:Receivable\t-118.45']);
});

test('without --output the journal goes to standard output; --since keeps later rows only', async () => {
  const all = await cli('ledger', 'export');
  assert.equal(all.code, 0, all.stderr);
  assert.equal(all.stdout.match(/^\d{4}\/\d{2}\/\d{2} /gm)?.length, 2);
  const since = await cli('ledger', 'export', '--since', '2026-04-01');
  assert.equal(since.code, 0, since.stderr);
  assert.deepEqual(since.stdout.match(/^\d{4}\/\d{2}\/\d{2} .*$/gm), [since.stdout.match(/^2026\/04\/05 \* \(\d+\) Credit in April$/m)?.[0]]);
  assert.match(since.stdout, /rows created since 2026-04-01T00:00:00.000Z/);
});

test('a date that is not one, or a missing command word, is refused with exit code 2', async () => {
  const bad = await cli('ledger', 'export', '--since', 'last tuesday');
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--since must be an ISO 8601 date/);
  const noWord = await cli('ledger');
  assert.equal(noWord.code, 2);
  assert.match(noWord.stderr, /Usage: account-portal ledger export/);
  const target = join(dataDir, 'never.ledger');
  assert.equal((await cli('ledger', 'export', '--since', '2026-13-45', '--output', target)).code, 2);
  assert.equal(existsSync(target), false);
});
