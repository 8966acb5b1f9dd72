// The phone number is where login codes go: a stolen session cannot move it, the owner is
// told, and codes keep going to the verified number until the new one proves itself.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

let counter = 0;
function newNumber(): string {
  counter += 1;
  return `+4477${String(process.pid % 10000).padStart(4, '0')}${String(counter).padStart(4, '0')}`;
}

function texts(to: string): string[] {
  return (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === to).map((m) => m.text);
}

function lastCode(to: string): string {
  const match = /\b(\d{6})\b/.exec(texts(to).at(-1) ?? '');
  assert.ok(match, `no code sent to ${to}`);
  return match[1];
}

test('a new phone number needs the password, is announced to the owner, and gets login codes only once verified', async () => {
  const u = await s.user();
  const mine = newNumber();
  await s.core.db.updateTable('users').set({ phone: mine, phone_verified_at: new Date(), phone_verification_enabled: true })
    .where('id', '=', u.id).execute();
  const url = `/api/users/${u.username}/personal-info/`;
  const theirs = newNumber();

  // A session alone is refused, for PATCH and PUT alike.
  const bare = await s.request({ method: 'PATCH', url, token: u.token, body: { phone: theirs } });
  assert.equal(bare.statusCode, 400);
  assert.ok(Array.isArray(bare.json().password), bare.body);
  const put = await s.request({ method: 'PUT', url, token: u.token, body: { first_name: 'A', last_name: 'B', phone: theirs } });
  assert.equal(put.statusCode, 400);
  const wrong = await s.request({ method: 'PATCH', url, token: u.token, body: { phone: theirs, password: 'not-it-at-all' } });
  assert.equal(wrong.statusCode, 400);
  assert.ok(wrong.json().password);
  // Removing the number login codes go to is refused while they are on.
  const removed = await s.request({ method: 'PATCH', url, token: u.token, body: { phone: null, password: u.password } });
  assert.equal(removed.statusCode, 400);
  assert.ok(removed.json().phone);

  const ok = await s.request({ method: 'PATCH', url, token: u.token, body: { phone: theirs, password: u.password } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().phone, mine);
  assert.equal(ok.json().phone_verified, true);
  assert.equal(ok.json().phone_pending, theirs);
  const notice = await s.smtp.waitFor(u.email, (m) => /phone number/i.test(m.subject));
  assert.match(notice.text, new RegExp(theirs.slice(-2)));

  // The next login code goes to the verified number, not the new one.
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(login.statusCode, 400);
  assert.equal(texts(theirs).length, 0);
  const code = lastCode(mine);
  const done = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(done.statusCode, 200, done.body);

  // Once the new number confirms a code sent to it, it is the one.
  const verify = `/api/users/${u.username}/personal-info/phone/verify/`;
  const sent = await s.request({ method: 'POST', url: verify, token: u.token });
  assert.equal(sent.statusCode, 200, sent.body);
  assert.equal(texts(theirs).length, 1);
  const confirmed = await s.request({ method: 'POST', url: `${verify}confirm/`, token: u.token, body: { code: lastCode(theirs) } });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  const info = await s.request({ method: 'GET', url, token: u.token });
  assert.deepEqual([info.json().phone, info.json().phone_verified, info.json().phone_pending], [theirs, true, null]);
  await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(texts(theirs).length, 2);
});

test('a broker manager changes a user\'s phone with their own password; going back to the current number needs none', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/personal-info/`;
  const first = newNumber();
  const noPw = await s.request({ method: 'PATCH', url, token: s.admin.token, body: { phone: first } });
  assert.equal(noPw.statusCode, 400);
  const ok = await s.request({ method: 'PATCH', url, token: s.admin.token, body: { phone: first, password: s.admin.password } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.deepEqual([ok.json().phone, ok.json().phone_pending], [null, first]);
  const cancel = await s.request({ method: 'PATCH', url, token: u.token, body: { phone: null } });
  assert.equal(cancel.statusCode, 200, cancel.body);
  assert.deepEqual([cancel.json().phone, cancel.json().phone_pending], [null, null]);
});
