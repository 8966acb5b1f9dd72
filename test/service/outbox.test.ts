// The outbox keeps no one-time link once it is no longer needed: a sent mail keeps its
// recipient, template and times, not its content; unsent mail (development, no SMTP)
// stays readable until the links in it have expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { sql } from 'kysely';
import { jobHandlers } from '../../src/jobs/handlers.js';
import { MAIL_MAX_ATTEMPTS } from '../../src/core/notify/mailer.js';
import { freePort } from '../support/processes.js';

/** A port nothing listens on: a mail server that is down. */
const closedPort = freePort;

/** Polls `probe` until it answers something, for at most `timeoutMs`. */
async function waitFor<T>(probe: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

let s: TestService;
let dev: TestService;
before(async () => {
  s = await startService();
  dev = await startService({ SMTP_URL: '' });
});
after(async () => {
  await s.stop();
  await dev.stop();
});

async function outboxRow(service: TestService, recipient: string) {
  return service.core.db.selectFrom('mail_outbox').selectAll().where('recipient', '=', recipient).orderBy('id', 'desc').executeTakeFirstOrThrow();
}

test('a sent mail keeps its recipient, template and times, not its link', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } });
  assert.equal(res.statusCode, 200);
  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(u.email, (m) => m.text.includes('/api/auth/reset/'));
  assert.match(mail.subject, /Reset your/);
  await s.core.jobs.idle();
  const row = await outboxRow(s, u.email);
  assert.ok(row.sent_at, 'sent');
  assert.equal(row.template, 'password_reset');
  assert.ok(row.created_at);
  assert.equal(row.text_body, '');
  assert.equal(row.subject, '');
  assert.equal(row.html_body, null);
});

test('without SMTP, unsent mail stays readable until its links have expired, then its content is erased', async () => {
  const u = await dev.user();
  const res = await dev.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } });
  assert.equal(res.statusCode, 200);
  await dev.core.jobs.idle();
  let row = await outboxRow(dev, u.email);
  assert.equal(row.sent_at, null);
  assert.match(row.text_body, /\/api\/auth\/reset\//);
  assert.match(row.subject, /Reset your/);

  // The maintenance job, once the link lifetime has passed, erases it.
  dev.clock.advance(dev.config.linkLifetimeSeconds + 1);
  await jobHandlers(dev.core)['erase-expired-mail']({});
  row = await outboxRow(dev, u.email);
  assert.equal(row.sent_at, null);
  assert.equal(row.text_body, '');
  assert.equal(row.subject, '');
  assert.equal(row.template, 'password_reset');
});

/** The newest outbox row to `recipient`, once its delivery job is done. */
async function deliveredRow(service: TestService, recipient: string) {
  await service.core.jobs.idle();
  return outboxRow(service, recipient);
}

test('a delivery job run again after the mail was sent sends nothing: the row is marked once, the Message-ID is the row\'s', async () => {
  const u = await s.user();
  await s.core.transact((tx) => s.core.mailer.enqueue(tx, { to: u.email, template: 'password_changed', context: { full_name: 'A' } }));
  const mail = await s.smtp.waitFor(u.email);
  const row = await deliveredRow(s, u.email);
  assert.ok(row.sent_at);
  assert.equal(mail.messageId, s.core.mailer.messageId(row));
  // A retried job (after a crash between the send and the job's completion) finds it sent.
  await jobHandlers(s.core)['mail-delivery']({ mailId: row.id });
  assert.equal(s.smtp.to(u.email).length, 1);
  assert.equal((await outboxRow(s, u.email)).attempts, 1);
});

test('a mail that cannot be delivered is retried with growing delays, then given up and erased', async () => {
  const down = await startService({ SMTP_URL: `smtp://127.0.0.1:${await closedPort()}` });
  try {
    const u = await down.user();
    await down.core.transact((tx) => down.core.mailer.enqueue(tx, { to: u.email, template: 'password_changed', context: { full_name: 'A' } }));
    // The worker's first try fails; pg-boss schedules the retry from 30 s on.
    const job = await waitFor(async () => {
      const { rows } = await sql<{ state: string; retry_count: number; start_after: Date }>`
        select state, retry_count, start_after from pgboss.job where name = 'mail-delivery' and state = 'retry'`.execute(down.core.db);
      return rows[0];
    });
    assert.equal(job.retry_count, 0, 'pg-boss counts a retry when it starts');
    assert.ok(job.start_after.getTime() - Date.now() > 20_000, `retry at ${job.start_after.toISOString()}`);
    let row = await outboxRow(down, u.email);
    assert.equal(row.attempts, 1);
    assert.match(row.last_error ?? '', /ECONNREFUSED/);
    assert.notEqual(row.text_body, '');
    // idle() runs the retries without their delays: after the last, the mail is given up.
    await down.core.jobs.idle();
    row = await outboxRow(down, u.email);
    assert.equal(row.attempts, MAIL_MAX_ATTEMPTS);
    assert.equal(row.sent_at, null);
    assert.equal(row.text_body, '');
    assert.equal(row.subject, '');
    const { rows } = await sql<{ state: string }>`select state from pgboss.job where name = 'mail-delivery'`.execute(down.core.db);
    assert.deepEqual(rows.map((r) => r.state), ['completed']);
  } finally {
    await down.stop();
  }
});
