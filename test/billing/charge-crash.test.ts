// kill -9 between the processor's answer and the ledger write: the test processor's record
// of the charge survives (it is the other side of the network), the charge is left
// `created` with no payment booked, and the next process's recovery job settles it from
// that record, once: one charge at the processor, one payment in the ledger. On PGlite
// (a data folder) and on PostgreSQL with DATABASE_URL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../../src/config.js';
import { createService, type Service } from '../../src/server.js';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { balance } from '../../src/core/billing/ledger.js';
import { databaseEnv } from '../support/processes.js';

const cleanups: Array<() => Promise<void>> = [];
after(async () => { for (const cleanup of cleanups.reverse()) await cleanup(); });

async function counts(service: Service, chargeId: number, idempotencyKey: string) {
  const { db } = service.core;
  const records = await db.selectFrom('test_processor_records').select('key').where('idempotency_key', '=', idempotencyKey).execute();
  const rows = await sql<{ n: string | number }>`select count(*) as n from ledger_transactions where event_id = ${`cha_${chargeId}/`}`.execute(db);
  const charge = await db.selectFrom('charges').select(['state', 'processor_key']).where('id', '=', chargeId).executeTakeFirstOrThrow();
  return { records: records.map((r) => r.key), rows: Number(rows.rows[0]!.n), state: charge.state, processorKey: charge.processor_key };
}

test('kill -9 after the processor charged: the next start books the payment once and charges nothing more', { timeout: 180_000 }, async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-charge-crash-'));
  const database = await databaseEnv();
  cleanups.push(async () => { await database.drop(); rmSync(dataDir, { recursive: true, force: true }); });
  const env: Record<string, string | undefined> = {
    ...process.env, DATABASE_URL: undefined, ...database.env,
    DATA_DIR: dataDir, LOG_LEVEL: 'silent', SMTP_URL: undefined, SECRET_KEY: 'charge-crash-secret-0123456789-abcdefghij',
  };

  // First life: dies by SIGKILL inside executeCharge.
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/charge-crash-child.ts'], {
    env: { ...env, PROCESSOR_FAULT: 'exit-after-charge' }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString(); });
  await new Promise((done) => child.once('exit', done));
  assert.equal(child.signalCode, 'SIGKILL', output);
  assert.doesNotMatch(output, /still alive/);
  // The child's first JSON line (a library may warn on stderr before it).
  const made = JSON.parse(output.split('\n').find((line) => line.startsWith('{'))!) as { chargeId: number; idempotencyKey: string; payerId: number; providerId: number };

  // Second life, without the fault: what the crash left, then what the recovery does.
  const config = loadConfig(env);
  const second = await createService(config, { log: false });
  try {
    const left = await counts(second, made.chargeId, made.idempotencyKey);
    assert.equal(left.records.length, 1, 'the processor kept its charge');
    assert.equal(left.state, 'created');
    assert.equal(left.rows, 0, 'the ledger never heard of it');
    assert.equal(await balance(second.core, { organizationId: made.payerId, account: 'Payable', unit: 'usd' }), 24900);

    // createService queued the recovery at start; the workers run it.
    await second.core.jobs.work(jobHandlers(second.core));
    await second.core.jobs.idle();
    const recovered = await counts(second, made.chargeId, made.idempotencyKey);
    assert.equal(recovered.state, 'done');
    assert.equal(recovered.processorKey, left.records[0]);
    assert.deepEqual(recovered.records, left.records, 'charged once');
    assert.equal(recovered.rows, 3, 'the charge, the processor fee and the distribution, once');
    assert.equal(await balance(second.core, { organizationId: made.payerId, account: 'Payable', unit: 'usd' }), 0);
    assert.equal(await balance(second.core, { organizationId: made.providerId, account: 'Receivable', unit: 'usd' }), 0);
  } finally {
    await second.close();
  }

  // A third start recovers nothing more.
  const third = await createService(config, { log: false });
  try {
    await third.core.jobs.work(jobHandlers(third.core));
    await third.core.jobs.idle();
    const again = await counts(third, made.chargeId, made.idempotencyKey);
    assert.equal(again.records.length, 1);
    assert.equal(again.rows, 3);
  } finally {
    await third.close();
  }
});
