// A queued mail survives a crash and goes out exactly once: the real `serve` queues an
// invitation while it runs no workers (JOB_WORKERS=off), is killed with SIGKILL, and a new
// process on the same database (a PGlite data folder, or PostgreSQL with DATABASE_URL)
// delivers it through a real SMTP server; once that process has stopped, no delivery job
// is left that could send it again.
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

test('kill -9 with a mail queued: the next process delivers it exactly once', { timeout: 180_000 }, async () => {
  const smtp = new TestSmtp();
  const smtpUrl = await smtp.start();
  harness.onCleanup(() => smtp.stop());
  const dataDir = mkdtempSync(join(tmpdir(), 'ap-crash-'));
  const database = await databaseEnv();
  harness.onCleanup(async () => { await database.drop(); rmSync(dataDir, { recursive: true, force: true }); });
  const env: NodeJS.ProcessEnv = {
    ...process.env, DATABASE_URL: undefined, ...database.env,
    DATA_DIR: dataDir, LOG_LEVEL: 'info', SMTP_URL: smtpUrl, MAIL_FROM: 'Portal <portal@example.com>', JOB_POLL_INTERVAL_MS: '500',
    SECRET_KEY: 'crash-test-secret-0123456789-abcdefghijklm',
    ADMIN_USERNAME: 'admin', ADMIN_EMAIL: 'admin@example.com', ADMIN_PASSWORD: PASSWORD,
  };

  // First life: the invitation is committed with its delivery job, but no worker runs here.
  const first = await serve({ ...env, JOB_WORKERS: 'off' });
  const login = await call(first.base, 'POST', '/api/auth/', { username: 'admin', password: PASSWORD });
  assert.equal(login.status, 200, JSON.stringify(login.json));
  const invitee = 'crash-invitee@example.com';
  const invited = await call(first.base, 'POST', '/api/profile/broker/roles/manager/', { email: invitee }, String(login.json.token));
  assert.equal(invited.status, 201, JSON.stringify(invited.json));
  first.child.kill('SIGKILL');
  await first.exited;
  assert.equal(first.child.signalCode, 'SIGKILL');
  assert.equal(smtp.to(invitee).length, 0, 'nothing was sent before the crash');

  // Second life: the worker finds the job and sends the mail.
  const second = await serve(env);
  const mail = await smtp.waitFor(invitee, (m) => /invites you/.test(m.subject), 60_000);
  assert.match(mail.messageId, /^<outbox\.\d+\.[0-9a-z]+@example\.com>$/);
  // A graceful stop waits for jobs under way; then the database tells what is left.
  second.child.kill('SIGTERM');
  await second.exited;
  assert.equal(second.child.exitCode, 0, second.output());

  const handle: DatabaseHandle = database.env.DATABASE_URL ? await openPostgres(database.env.DATABASE_URL, { max: 1 }) : await openPGlite(dataDir);
  try {
    const rows = await handle.db.selectFrom('mail_outbox').select(['id', 'sent_at', 'attempts', 'text_body'])
      .where('recipient', '=', invitee).execute();
    assert.equal(rows.length, 1);
    assert.ok(rows[0]!.sent_at, 'marked sent');
    assert.equal(rows[0]!.attempts, 1);
    assert.equal(rows[0]!.text_body, '', 'content erased once sent');
    const { rows: jobs } = await sql<{ state: string }>`
      select state from pgboss.job where name = 'mail-delivery' and (data->>'mailId')::bigint = ${rows[0]!.id}`.execute(handle.db);
    assert.deepEqual(jobs.map((j) => j.state), ['completed']);
    // `serve` with workers registers the maintenance schedule (test/service/maintenance.test.ts runs each sweep), the daily renewals and the ledger roll-up's folding.
    const { rows: schedules } = await sql<{ name: string }>`select name from pgboss.schedule order by name`.execute(handle.db);
    assert.deepEqual(schedules.map((r) => r.name), ['erase-expired-mail', 'fold-ledger-sums', 'prune-records', 'prune-registrations', 'prune-sessions', 'recover-charges', 'renewals', 'sweep-rate-limits', 'sweep-send-limits']);
  } finally {
    await handle.close();
  }
  assert.equal(smtp.to(invitee).length, 1, 'delivered exactly once');
});
