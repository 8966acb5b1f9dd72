import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startService, unique, type TestService } from '../support/service.js';
import { createOtpSecret } from '../../src/core/identity/otp.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';

let s: TestService;
before(async () => { s = await startService({ LOGIN_MAX_ATTEMPTS: '3', LOGIN_LOCKOUT_SECONDS: '600' }); });
after(async () => { await s.stop(); });

async function events(userId: number): Promise<Array<{ type: string; ip: string | null; detail: unknown }>> {
  return s.core.db.selectFrom('security_events').select(['type', 'ip', 'detail'])
    .where('user_id', '=', userId).orderBy('id').execute();
}

test('seed example: POST /api/auth/ answers a JWT and sets the session cookie', async () => {
  const u = await s.user({ fullName: 'Donny Cooper' });
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip: '10.0.0.1' });
  assert.equal(res.statusCode, 200);
  const { token } = res.json();
  assert.deepEqual(Object.keys(res.json()), ['token']);
  const claims = decodeJwt(token);
  assert.equal(claims.username, u.username);
  assert.equal(claims.email, u.email);
  assert.equal(claims.full_name, 'Donny Cooper');
  assert.equal(claims.sub, String(u.id));
  assert.equal(claims.exp! - claims.iat!, s.config.tokenLifetimeSeconds);
  const header = decodeProtectedHeader(token);
  assert.equal(header.alg, 'HS256');
  assert.equal(header.kid, s.core.tokens.currentKid);

  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, new RegExp(`sessionid=${token.replace(/\./g, '\\.')}`));
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Lax/);

  const row = await s.core.db.selectFrom('users').select('last_login_at').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.ok(row.last_login_at && Date.now() - row.last_login_at.getTime() < 60_000);
  const ev = await events(u.id);
  assert.equal(ev.at(-1)?.type, 'login.succeeded');
  assert.equal(ev.at(-1)?.ip, '10.0.0.1');

  // The cookie alone authenticates a request (logout then records who it was).
  const out = await s.request({ method: 'POST', url: '/api/auth/logout/', headers: { cookie: `sessionid=${token}`, 'content-type': 'application/json' } });
  assert.equal(out.statusCode, 200);
  assert.equal(out.json().detail, 'You have been logged out.');
  assert.match(String(out.headers['set-cookie']), /sessionid=;/);
  const after = await events(u.id);
  assert.equal(after.at(-1)?.type, 'logout');
  assert.deepEqual(after.at(-1)?.detail, { via: 'session' });
});

test('logging in with the e-mail address, in any case', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.email.toUpperCase(), password: u.password } });
  assert.equal(res.statusCode, 200);
  assert.equal(decodeJwt(res.json().token).username, u.username);
});

test('wrong password, unknown user and a contact without password answer the same', async () => {
  const u = await s.user();
  const contact = unique('contact');
  await s.core.db.insertInto('users').values({ slug: contact, email: `${contact}@example.com`, email_verified_at: new Date() }).execute();
  const answers = [];
  for (const body of [
    { username: u.username, password: 'not-the-password' },
    { username: unique('nobody'), password: 'not-the-password' },
    { username: contact, password: 'not-the-password' },
  ]) {
    const started = process.hrtime.bigint();
    const res = await s.request({ method: 'POST', url: '/api/auth/', body });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    answers.push({ status: res.statusCode, body: res.body, ms });
  }
  for (const a of answers) {
    assert.equal(a.status, 400);
    assert.equal(JSON.parse(a.body).detail, 'Invalid username or password.');
    assert.equal(JSON.parse(a.body).error_code, 'login.invalid_credentials');
    assert.equal(a.body, answers[0]!.body, 'the same body, byte for byte, whoever the account is');
    // Each spends an argon2 verification (tens of milliseconds), known account or not.
    assert.ok(a.ms > 5, `answered in ${a.ms} ms`);
  }
  const ev = await events(u.id);
  assert.equal(ev.at(-1)?.type, 'login.failed');
  assert.deepEqual(ev.at(-1)?.detail, { reason: 'password', failures: 1 });
});

test('lockout after LOGIN_MAX_ATTEMPTS failures, identical for an unknown identifier', async () => {
  const u = await s.user();
  const ghost = unique('ghost');
  const run = async (username: string) => {
    const out = [];
    for (let i = 0; i < 4; i += 1) {
      const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username, password: 'wrong-password-x' } });
      out.push({ status: res.statusCode, body: res.json(), retry: res.headers['retry-after'] });
    }
    return out;
  };
  const known = await run(u.username);
  const unknown = await run(ghost);
  assert.deepEqual(known.map((r) => r.status), [400, 400, 429, 429]);
  assert.deepEqual(unknown.map((r) => r.status), [400, 400, 429, 429]);
  for (const list of [known, unknown]) {
    assert.match(list[3].body.detail, /^Too many failed login attempts\. Try again in \d+ seconds\.$/);
    assert.ok(Number(list[3].retry) > 590 && Number(list[3].retry) <= 600);
  }
  assert.deepEqual(known.map((r) => r.body.detail), unknown.map((r) => r.body.detail));

  // Even the right password is refused while locked, through the e-mail too.
  const right = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.email, password: u.password } });
  assert.equal(right.statusCode, 429);
  const types = (await events(u.id)).map((e) => e.type);
  assert.deepEqual(types, ['login.failed', 'login.failed', 'login.failed', 'login.locked']);

  // Once the lock runs out, the right password works and the count starts over.
  s.clock.advance(601);
  const later = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(later.statusCode, 200);
  const rows = await s.core.db.selectFrom('login_throttle').select('identifier')
    .where('identifier', 'in', [u.username.toLowerCase(), u.email.toLowerCase()]).execute();
  assert.equal(rows.length, 0);
});

test('suspended or disabled users with the right password get 403 with the reason', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', u.id).execute();
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(res.statusCode, 403);
  assert.match(res.json().detail, /suspended/);
  assert.equal(res.json().error_code, 'user.suspended');
  await s.core.db.updateTable('users').set({ status: 'disabled' }).where('id', '=', u.id).execute();
  const res2 = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(res2.statusCode, 403);
  assert.match(res2.json().detail, /disabled/);
  assert.equal(res2.json().error_code, 'user.disabled');
  // With a wrong password nothing tells the status.
  const wrong = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'wrong-password-x' } });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().detail, 'Invalid username or password.');
});

test('a user who has not activated gets a new activation link', async () => {
  const u = await s.user({ activated: false });
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().detail, /not activated.*we sent a new activation link/);
  const mail = await s.smtp.waitFor(u.email, (m) => m.text.includes('/api/auth/activate/'));
  assert.match(mail.subject, /Activate/);
});

test('malformed JSON, missing field and wrong type are 400s', async () => {
  const bad = await s.request({ method: 'POST', url: '/api/auth/', body: '{"username": "x",' });
  assert.equal(bad.statusCode, 400);
  assert.deepEqual(bad.json().non_field_errors, ['Malformed JSON in the request body.']);
  const missing = await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'x' } });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json().password, ['This field is required.']);
  const wrong = await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'x', password: 12 } });
  assert.equal(wrong.statusCode, 400);
  assert.ok(Array.isArray(wrong.json().password));
  const code = await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'x', password: 'y', code: 'abc' } });
  assert.equal(code.statusCode, 400);
  assert.ok(Array.isArray(code.json().code));
});

test('TOTP: code required, checked, not replayable; a wrong code counts as a failure', async () => {
  const u = await s.user();
  const otp = createOtpSecret(s.core, u.username);
  await s.core.db.updateTable('users').set({ otp_secret: otp.sealed, otp_enabled: true }).where('id', '=', u.id).execute();

  const none = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(none.statusCode, 400);
  assert.deepEqual(none.json().code, ['A one-time code is required.']);

  const wrongCode = (Number(await generate({ secret: otp.secret })) + 1) % 1_000_000;
  const wrong = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code: wrongCode } });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(wrong.json().code, ['The one-time code is invalid or has expired.']);
  const failed = (await events(u.id)).at(-1);
  assert.equal(failed?.type, 'login.failed');
  assert.deepEqual(failed?.detail, { reason: 'otp', failures: 1 });

  const code = await generate({ secret: otp.secret, epoch: Math.floor(s.clock.now.getTime() / 1000) });
  // The seed sends the code as an integer: leading zeros are restored.
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code: Number(code) } });
  assert.equal(ok.statusCode, 200);
  assert.equal(decodeJwt(ok.json().token).username, u.username);
  assert.deepEqual((await events(u.id)).at(-1)?.detail, { factor: 'otp' });
  const throttle = await s.core.db.selectFrom('login_throttle').select('failures')
    .where('identifier', '=', u.username.toLowerCase()).executeTakeFirst();
  assert.equal(throttle, undefined);

  const replay = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(replay.statusCode, 400);
});

test('e-mail login code through the real SMTP server', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ email_verification_enabled: true }).where('id', '=', u.id).execute();
  const first = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(first.statusCode, 400);
  assert.deepEqual(first.json().code, ['We sent a one-time code to your e-mail address.']);
  const mail = await s.smtp.waitFor(u.email, (m) => /login code/.test(m.subject));
  const code = /\b(\d{6})\b/.exec(mail.subject)![1];
  assert.ok(mail.text.includes(code));

  const wrong = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code: code === '000000' ? '000001' : '000000' } });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(wrong.json().code, ['The one-time code is invalid or has expired.']);

  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(ok.statusCode, 200);
  const again = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(again.statusCode, 400, 'a login code works once');
});

test('e-mail login code expires after CODE_LIFETIME_SECONDS', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ email_verification_enabled: true }).where('id', '=', u.id).execute();
  await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  const mail = await s.smtp.waitFor(u.email, (m) => /login code/.test(m.subject));
  const code = /\b(\d{6})\b/.exec(mail.subject)![1];
  s.clock.advance(s.config.codeLifetimeSeconds + 1);
  const late = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(late.statusCode, 400);
  assert.deepEqual(late.json().code, ['The one-time code is invalid or has expired.']);
});

test('text-message login code, and a clear error without a phone number', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ phone_verification_enabled: true }).where('id', '=', u.id).execute();
  const nophone = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(nophone.statusCode, 400);
  assert.match(nophone.json().code[0], /no phone number/);

  await s.core.db.updateTable('users').set({ phone: '+15555550123' }).where('id', '=', u.id).execute();
  const first = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(first.statusCode, 400);
  assert.match(first.json().code[0], /text message/);
  const sms = (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === '+15555550123').at(-1)!;
  const code = /^(\d{6})/.exec(sms.text)![1];
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code } });
  assert.equal(ok.statusCode, 200);
});

test('a token of a user who changed password afterwards is refused', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  const { token } = res.json();
  const before = await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  assert.equal(before.statusCode, 200);
  await s.core.db.updateTable('users').set({ password_changed_at: new Date(s.clock.now.getTime() + 2000) }).where('id', '=', u.id).execute();
  const afterChange = await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  assert.equal(afterChange.statusCode, 401);
  assert.match(afterChange.json().detail, /password change/);
});

test('logout by an anonymous caller records nothing and still clears the cookie', async () => {
  const count = async () => Number((await s.core.db.selectFrom('security_events').select((eb) => eb.fn.countAll().as('n')).where('type', '=', 'logout').executeTakeFirstOrThrow()).n);
  const n = await count();
  const res = await s.request({ method: 'POST', url: '/api/auth/logout/' });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['set-cookie']), /sessionid=;/);
  assert.equal(await count(), n);
});
