// POST /api/notifications/{template}/: a broker manager sends themselves a test mail of any
// template, with sample values, through the outbox and the real SMTP server.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s?.stop(); });

test('a manager gets a test mail of the template, every placeholder filled with a sample', async () => {
  const answer = await s.request({ method: 'POST', url: '/api/notifications/role_grant_invite/', token: s.admin.token });
  assert.equal(answer.statusCode, 201, answer.body);
  const mail = await s.smtp.waitFor(s.admin.email, (m) => /invit/i.test(m.subject + m.text));
  assert.ok(!/\{\{/.test(mail.subject + mail.text + (mail.html ?? '')), 'no placeholder is left');
  assert.match(mail.text, /Example Team/);
  assert.ok(mail.html, 'the template\'s HTML part goes too');
  const row = await s.core.db.selectFrom('mail_outbox').select(['template', 'recipient']).orderBy('id', 'desc').executeTakeFirstOrThrow();
  assert.deepEqual(row, { template: 'role_grant_invite', recipient: s.admin.email });
});

test('every template renders as a test mail', async () => {
  for (const template of s.core.mailer.templates.names()) {
    const answer = await s.request({ method: 'POST', url: `/api/notifications/${template}/`, token: s.admin.token, body: {} });
    assert.equal(answer.statusCode, 201, `${template}: ${answer.body}`);
  }
});

test('an unknown template is 404; anyone but a broker manager is refused', async () => {
  const unknown = await s.request({ method: 'POST', url: '/api/notifications/no_such_template/', token: s.admin.token });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error_code, 'template.not_found');
  const odd = await s.request({ method: 'POST', url: '/api/notifications/..%2F..%2Fetc%2Fpasswd/', token: s.admin.token });
  assert.equal(odd.statusCode, 404);
  const user = await s.user();
  const refused = await s.request({ method: 'POST', url: '/api/notifications/verification/', token: user.token });
  assert.equal(refused.statusCode, 403);
  assert.equal((await s.request({ method: 'POST', url: '/api/notifications/verification/' })).statusCode, 401);
  assert.equal(s.smtp.to(user.email).length, 0);
});
