// kill -9 between the processor's answer and the ledger write: the real `serve` places an
// order through POST .../checkout/ with PROCESSOR_FAULT=exit-after-charge, so it dies by
// SIGKILL right after the test processor recorded the charge and before our ledger heard
// of it. A new process on the same database (a PGlite data folder, or PostgreSQL with
// DATABASE_URL) recovers the charge at start from the processor's record: the card was
// charged once, and the ledger books the payment once.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openPGlite, openPostgres, type DatabaseHandle } from '../../src/db/database.js';
import { ProcessHarness, callJson, databaseEnv } from '../support/processes.js';
import { TestSmtp } from '../support/smtp.js';

const PASSWORD = 'Crash-Pa55word-for-tests';
const harness = new ProcessHarness();
after(() => harness.close());
const serve = (env: NodeJS.ProcessEnv) => harness.serve(env);
const call = callJson;

test('kill -9 after the processor charged, before the ledger write: the restart books it once, the card was charged once', { timeout: 240_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-checkout-crash-'));
  const database = await databaseEnv();
  harness.onCleanup(async () => { await database.drop(); rmSync(dataDir, { recursive: true, force: true }); });
  // The receipt is queued in the unit that books the payment: its arrival says recovery committed.
  const smtp = new TestSmtp();
  const smtpUrl = await smtp.start();
  harness.onCleanup(() => smtp.stop());
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: undefined, ...database.env,
    DATA_DIR: dataDir, LOG_LEVEL: 'info', JOB_POLL_INTERVAL_MS: '500', SMTP_URL: smtpUrl, MAIL_FROM: 'Portal <portal@example.com>',
    SECRET_KEY: 'crash-test-secret-0123456789-abcdefghijklm',
    ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD,
  };
  const open = (): Promise<DatabaseHandle> => (database.env.DATABASE_URL ? openPostgres(database.env.DATABASE_URL, { max: 1 }) : openPGlite(dataDir));

  // A first life sets the database up (migrations, broker, admin); then, with nothing
  // running, a provider, its plan, a buyer managed by the admin and the admin's cart.
  const setup = await serve(env);
  setup.child.kill('SIGTERM');
  await setup.exited;
  let handle = await open();
  let buyerId: number;
  try {
    const db = handle.db;
    const admin = await db.selectFrom('users').select('id').where('slug', '=', 'admin').executeTakeFirstOrThrow();
    const provider = await db.insertInto('organizations').values({ slug: 'crash-provider', full_name: 'Provider', is_provider: true })
      .returning('id').executeTakeFirstOrThrow();
    const buyer = await db.insertInto('organizations').values({ slug: 'crash-buyer', full_name: 'Buyer', email: 'buyer@example.com' })
      .returning('id').executeTakeFirstOrThrow();
    buyerId = buyer.id;
    const manager = await db.selectFrom('role_descriptions').select('id').where('slug', '=', 'manager').where('organization_id', 'is', null)
      .executeTakeFirstOrThrow();
    await db.insertInto('roles').values({ organization_id: buyer.id, user_id: admin.id, role_description_id: manager.id }).execute();
    const plan = await db.insertInto('plans').values({
      organization_id: provider.id, slug: 'crash-plan', title: 'Crash plan', is_active: true, period_amount: 4900, period_type: 'monthly',
    }).returning('id').executeTakeFirstOrThrow();
    await db.insertInto('cart_items').values({ user_id: admin.id, plan_id: plan.id }).execute();
  } finally {
    await handle.close();
  }

  // Second life: the processor records the charge, and the process dies before booking it.
  const doomed = await serve({ ...env, PROCESSOR_FAULT: 'exit-after-charge', JOB_WORKERS: 'off' });
  const login = await call(doomed.base, 'POST', '/api/auth/', { username: 'admin', password: PASSWORD });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const token = String(login.json.token);
  await assert.rejects(call(doomed.base, 'POST', '/api/billing/crash-buyer/checkout/', { processor_token: 'tok_visa' }, token));
  await doomed.exited;
  assert.equal(doomed.child.signalCode, 'SIGKILL');

  const counts = async (db: DatabaseHandle['db']) => {
    const { rows } = await sql<{ charges: string; done: string; processed: string; payments: string; funds: string; receipts: string }>`
      select (select count(*) from charges where organization_id = ${buyerId}) as charges,
             (select count(*) from charges where organization_id = ${buyerId} and state = 'done') as done,
             (select count(*) from test_processor_records where kind = 'charge') as processed,
             (select count(*) from ledger_transactions where orig_account = 'Backlog' and dest_account = 'Receivable') as payments,
             (select count(*) from ledger_transactions where orig_organization_id = ${buyerId} and orig_account = 'Liability' and dest_account = 'Funds') as funds,
             (select count(*) from mail_outbox where template = 'charge_receipt' and recipient = 'buyer@example.com') as receipts`
      .execute(db);
    return Object.fromEntries(Object.entries(rows[0]!).map(([k, v]) => [k, Number(v)]));
  };
  handle = await open();
  try {
    assert.deepEqual(await counts(handle.db), { charges: 1, done: 0, processed: 1, payments: 0, funds: 0, receipts: 0 },
      'the processor charged; our ledger has the order and the charge created, not the payment');
  } finally {
    await handle.close();
  }

  // Third life: the recovery job, queued at start, settles the charge from the processor's record.
  const third = await serve(env);
  const relogin = await call(third.base, 'POST', '/api/auth/', { username: 'admin', password: PASSWORD });
  const fresh = String(relogin.json.token);
  // Paid once recovered: the receipt arrives, and nothing is due any more.
  await smtp.waitFor('buyer@example.com', (m) => /receipt/i.test(m.subject), 120_000);
  const priced = await call(third.base, 'GET', '/api/billing/crash-buyer/checkout/', undefined, fresh);
  assert.equal(priced.status, 200, JSON.stringify(priced.json));
  assert.deepEqual(priced.json.results, []);
  third.child.kill('SIGTERM');
  await third.exited;
  assert.equal(third.child.exitCode, 0, third.output());

  handle = await open();
  try {
    assert.deepEqual(await counts(handle.db), { charges: 1, done: 1, processed: 1, payments: 1, funds: 1, receipts: 1 },
      'one charge at the processor, booked once, one receipt');
  } finally {
    await handle.close();
  }
});
