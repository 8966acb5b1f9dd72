// The outbox keeps no one-time link once it is no longer needed: a sent mail keeps its
// recipient, template and times, not its content; unsent mail (development, no SMTP)
// stays readable until the links in it have expired.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { jobHandlers } from '../../src/jobs/handlers.js';

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
