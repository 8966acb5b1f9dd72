// Multipart mail: a template with an HTML body beside its text goes out as
// multipart/alternative, both parts through the real SMTP server; every value put into the
// HTML is escaped; the data folder overrides either part, as it does the text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startService, unique, type TestService } from '../support/service.js';
import { grantRole, makeOrganization } from '../support/fixtures.js';
import { linkIn } from '../support/smtp.js';

let s: TestService;
let overrides: string;
before(async () => {
  s = await startService();
  overrides = join(s.config.dataDir, 'templates', 'email');
  mkdirSync(overrides, { recursive: true });
});
after(async () => {
  rmSync(join(s.config.dataDir, 'templates'), { recursive: true, force: true });
  await s.stop();
});

const HOSTILE_NAME = '<script>alert("x")</script> & Eve';
const HOSTILE_MESSAGE = '<img src=x onerror=alert(1)> "quoted" \'single\'';

test('an invitation has a text and an HTML part; hostile values are escaped in the HTML, untouched in the text', async () => {
  const manager = await s.user({ fullName: HOSTILE_NAME });
  const org = await makeOrganization(s);
  await grantRole(s, org, manager.id, 'manager');
  const invitee = `${unique('inv')}@example.com`;
  const res = await s.request({ method: 'POST', url: `/api/profile/${org.slug}/roles/manager/`, token: manager.token,
    body: { email: invitee, message: HOSTILE_MESSAGE } });
  assert.equal(res.statusCode, 201, res.body);
  const mail = await s.smtp.waitFor(invitee);
  assert.equal(mail.contentType, 'multipart/alternative');
  assert.ok(mail.text.includes(HOSTILE_NAME) && mail.text.includes(HOSTILE_MESSAGE), mail.text);
  const html = mail.html ?? '';
  assert.ok(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Eve'), html);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &#39;single&#39;'), html);
  assert.ok(!html.includes('<script') && !html.includes('<img'), html);
  // The same link in both parts, as a real anchor in the HTML.
  const link = linkIn(mail, '/accessibles/accept/');
  assert.ok(html.includes(`<a href="${link}">`), html);
});

test('activation and reset mails are multipart too', async () => {
  const email = `${unique('reg')}@example.com`;
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/register/', body: { email, full_name: 'New <b>One</b>' } })).statusCode, 200);
  await s.core.jobs.idle();
  const activation = await s.smtp.waitFor(email, (m) => /Activate/.test(m.subject));
  assert.equal(activation.contentType, 'multipart/alternative');
  assert.ok(activation.html?.includes('New &lt;b&gt;One&lt;/b&gt;'), activation.html ?? '');
  assert.ok(activation.html?.includes(linkIn(activation, '/api/auth/activate/')));

  const u = await s.user();
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } })).statusCode, 200);
  await s.core.jobs.idle();
  const reset = await s.smtp.waitFor(u.email, (m) => /Reset your/.test(m.subject));
  assert.equal(reset.contentType, 'multipart/alternative');
  assert.ok(reset.html?.includes(linkIn(reset, '/api/auth/reset/')));
});

test('the data folder overrides the HTML part; an overridden text without its HTML goes out as text only', async () => {
  const u = await s.user({ fullName: 'Ann <Admin>' });
  writeFileSync(join(overrides, 'password_reset.html'), '<p>Ours, {{full_name}}: <a href="{{link}}">reset</a></p>\n');
  try {
    assert.equal((await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: u.email } })).statusCode, 200);
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(u.email, (m) => /Reset your/.test(m.subject));
    assert.match(mail.html ?? '', /^<p>Ours, Ann &lt;Admin&gt;: <a href="http:\/\/portal\.test\/api\/auth\/reset\/[^"]+">reset<\/a><\/p>/);
  } finally {
    rmSync(join(overrides, 'password_reset.html'));
  }

  const v = await s.user();
  writeFileSync(join(overrides, 'password_reset.txt'), 'Subject: Our own reset\n\nGo to {{link}}\n');
  try {
    assert.equal((await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: v.email } })).statusCode, 200);
    await s.core.jobs.idle();
    const mail = await s.smtp.waitFor(v.email, (m) => m.subject === 'Our own reset');
    assert.equal(mail.html, null);
    assert.equal(mail.contentType, 'text/plain');
  } finally {
    rmSync(join(overrides, 'password_reset.txt'));
  }
});
