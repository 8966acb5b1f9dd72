import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn, pathOf as path } from '../support/smtp.js';

let s: TestService;
before(async () => { s = await startService({ LOGIN_MAX_ATTEMPTS: '2' }); });
after(async () => { await s.stop(); });

const NEW_PASSWORD = 'Brand-New-Secret-Phrase-42';


async function requestReset(email: string): Promise<string> {
  const before = s.smtp.to(email).length;
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { email });
  await s.core.jobs.idle();
  // Other mails (a lock notice) may arrive in between: take the first reset mail after `before`.
  const isReset = (m: { text: string }) => m.text.includes('/api/auth/reset/');
  await s.smtp.waitFor(email, () => s.smtp.to(email).slice(before).some(isReset));
  return path(linkIn(s.smtp.to(email).slice(before).find(isReset)!, '/api/auth/reset/'));
}

test('seed example: recover, reset through the mailed link, log in with the new password', async () => {
  const u = await s.user();
  const link = await requestReset(u.email);
  assert.ok(link.startsWith(`/api/auth/reset/${Buffer.from(String(u.id)).toString('base64url')}/`));
  const mail = s.smtp.to(u.email).at(-1)!;
  assert.match(mail.subject, /Reset your/);

  const res = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD, new_password2: NEW_PASSWORD }, ip: '10.2.2.2' });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(Object.keys(res.json()), ['token']);
  assert.equal(decodeJwt(res.json().token).username, u.username);
  assert.match(String(res.headers['set-cookie']), /sessionid=ey/);

  const notice = await s.smtp.waitFor(u.email, (m) => /password was changed/.test(m.subject));
  assert.match(notice.text, /10\.2\.2\.2/);
  const types = (await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).orderBy('id').execute()).map((e) => e.type);
  assert.deepEqual(types, ['password.reset_requested', 'password.reset']);

  const old = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(old.statusCode, 400);
  const fresh = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: NEW_PASSWORD } });
  assert.equal(fresh.statusCode, 200);

  // Tokens from before the change stop working.
  const stale = await s.request({ method: 'POST', url: '/api/auth/logout/', token: u.token });
  assert.equal(stale.statusCode, 401);

  // The link works once, and nothing changes the second time.
  const again = await s.request({ method: 'POST', url: link, body: { new_password: 'Yet-Another-Password-11' } });
  assert.equal(again.statusCode, 404);
  assert.deepEqual(again.json(), { detail: 'This link is invalid, was already used, or has expired.', error_code: 'link.invalid' });
  const still = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: NEW_PASSWORD } });
  assert.equal(still.statusCode, 200);
});

test('recover answers the same for an unknown e-mail and sends nothing', async () => {
  const email = `${unique('ghost')}@example.com`;
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { email });
  await s.core.jobs.idle();
  assert.equal(s.smtp.to(email).length, 0);
});

test('recover validation: malformed JSON, missing and wrong-typed e-mail', async () => {
  const bad = await s.request({ method: 'POST', url: '/api/auth/recover/', body: '{' });
  assert.equal(bad.statusCode, 400);
  const missing = await s.request({ method: 'POST', url: '/api/auth/recover/', body: {} });
  assert.deepEqual(missing.json().email, ['This field is required.']);
  const wrong = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email: ['a@b.c'] } });
  assert.equal(wrong.statusCode, 400);
  assert.ok(wrong.json().email);
});

test('a reset lifts a lockout and verifies the e-mail', async () => {
  const u = await s.user({ activated: false });
  for (let i = 0; i < 2; i += 1) await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'wrong-wrong-wrong' } });
  const locked = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(locked.statusCode, 429);
  const link = await requestReset(u.email);
  const res = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD } });
  assert.equal(res.statusCode, 200);
  const row = await s.core.db.selectFrom('users').select('email_verified_at').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.ok(row.email_verified_at);
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: NEW_PASSWORD } });
  assert.equal(ok.statusCode, 200);
});

test('reset: mismatched new_password2, weak password, missing field, wrong type change nothing', async () => {
  const u = await s.user();
  const link = await requestReset(u.email);
  const mismatch = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD, new_password2: `${NEW_PASSWORD}x` } });
  assert.equal(mismatch.statusCode, 400);
  assert.deepEqual(mismatch.json().new_password2, ["The two password fields didn't match."]);
  const weak = await s.request({ method: 'POST', url: link, body: { new_password: '12345678901' } });
  assert.equal(weak.statusCode, 400);
  assert.ok(weak.json().new_password.includes('This password is entirely numeric.'));
  const missing = await s.request({ method: 'POST', url: link, body: {} });
  assert.deepEqual(missing.json().new_password, ['This field is required.']);
  const type = await s.request({ method: 'POST', url: link, body: { new_password: 123 } });
  assert.equal(type.statusCode, 400);
  assert.ok(type.json().new_password);
  // Still usable after all those refusals.
  const ok = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD } });
  assert.equal(ok.statusCode, 200);
});

test('reset: a link for another user, an unknown link, and an expired link are refused', async () => {
  const a = await s.user();
  const b = await s.user();
  const linkA = await requestReset(a.email);
  const secret = linkA.split('/')[5];
  const other = `/api/auth/reset/${Buffer.from(String(b.id)).toString('base64url')}/${secret}/`;
  const mismatched = await s.request({ method: 'POST', url: other, body: { new_password: NEW_PASSWORD } });
  assert.equal(mismatched.statusCode, 404);
  assert.equal(mismatched.json().error_code, 'link.invalid');
  const unknown = await s.request({ method: 'POST', url: '/api/auth/reset/0123456789abcef0123456789abcef/abc123/', body: { new_password: NEW_PASSWORD } });
  assert.equal(unknown.statusCode, 404);
  assert.equal(unknown.json().error_code, 'link.invalid');

  s.clock.advance(s.config.linkLifetimeSeconds + 1);
  const expired = await s.request({ method: 'POST', url: linkA, body: { new_password: NEW_PASSWORD } });
  assert.equal(expired.statusCode, 404);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: a.username, password: a.password } });
  assert.equal(login.statusCode, 200, 'the old password still works');
});
