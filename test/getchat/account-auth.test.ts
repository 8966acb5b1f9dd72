// get.chat's /account authentication: register (non-enumerating), verify e-mail (both
// variants), login's token answer, password reset with its cooldown and token.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { linkIn } from '../support/smtp.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

const PASSWORD = 'Getchat-Correct-Horse-42';

function claimsOf(jwt: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString('utf8'));
}

async function mailedKey(address: string, part: string): Promise<string> {
  await s.core.jobs.idle();
  const mail = await s.smtp.waitFor(address, (m) => m.text.includes(part));
  return linkIn(mail, part).split('/').filter(Boolean).at(-1)!;
}

test('register answers the same for a new and a taken address; verifying logs in with the registration password', async () => {
  const email = `${unique('reg')}@example.com`;
  const first = await s.request({ method: 'POST', url: '/account/register', body: { email, password: PASSWORD } });
  assert.equal(first.statusCode, 202, first.body);
  assert.equal(first.json().code, 'registration.requested');
  const key = await mailedKey(email, '/activate/');

  // Logging in before verifying is refused (and mails the link again).
  const early = await s.request({ method: 'POST', url: '/account/login', body: { email, password: PASSWORD } });
  assert.equal(early.statusCode, 400);
  assert.equal(early.json().code, 'user.not_activated');

  const verified = await s.request({ method: 'POST', url: '/account/verify-email', body: { token: key } });
  assert.equal(verified.statusCode, 200, verified.body);
  const tokens = verified.json();
  assert.equal(tokens.token_type, 'Bearer');
  assert.ok(tokens.expires_in > 0);
  const profile = await s.request({ method: 'GET', url: '/account/profile', token: tokens.access_token });
  assert.equal(profile.statusCode, 200);
  assert.equal(profile.json().profile.email, email);
  assert.equal(profile.json().profile.is_email_verified, true);
  // The ID token says who logged in, and is no credential.
  assert.equal(claimsOf(tokens.id_token).sub, String(profile.json().profile.id));
  assert.equal(claimsOf(tokens.id_token).email, email);
  const byId = await s.request({ method: 'GET', url: '/account/profile', token: tokens.id_token });
  assert.equal(byId.statusCode, 401);

  // The token works once.
  const again = await s.request({ method: 'POST', url: '/account/verify-email', body: { token: key } });
  assert.equal(again.statusCode, 404);
  assert.equal(again.json().code, 'link.invalid');

  // Login: the seed's shape.
  const login = await s.request({ method: 'POST', url: '/account/login', body: { email, password: PASSWORD } });
  assert.equal(login.statusCode, 200, login.body);
  assert.deepEqual(Object.keys(login.json()).sort(), ['access_token', 'expires_in', 'id_token', 'token_type']);
  // Seconds left on the token: the full lifetime, or one less when a second ticked between issue and answer.
  assert.ok([s.config.tokenLifetimeSeconds, s.config.tokenLifetimeSeconds - 1].includes(login.json().expires_in), login.body);

  // The taken address: the same answer, and its owner gets a reset link, not a new account.
  const mailsBefore = s.smtp.to(email).length;
  const taken = await s.request({ method: 'POST', url: '/account/register', body: { email, password: 'Another-Horse-43' } });
  assert.equal(taken.statusCode, 202);
  assert.deepEqual(Object.keys(taken.json()).sort(), Object.keys(first.json()).sort());
  assert.equal(taken.json().message.replace(email, ''), first.json().message.replace(email, ''));
  await s.core.jobs.idle();
  await s.smtp.waitFor(email, (m) => m.text.includes('/reset/'));
  assert.ok(s.smtp.to(email).length > mailsBefore);
  const old = await s.request({ method: 'POST', url: '/account/login', body: { email, password: PASSWORD } });
  assert.equal(old.statusCode, 200);
  const wrong = await s.request({ method: 'POST', url: '/account/login', body: { email, password: 'Another-Horse-43' } });
  assert.equal(wrong.statusCode, 400);
  assert.equal(wrong.json().code, 'login.invalid_credentials');
});

test('register again before verifying: the latest password wins and earlier links stop working', async () => {
  const email = `${unique('twice')}@example.com`;
  assert.equal((await s.request({ method: 'POST', url: '/account/register', body: { email, password: PASSWORD } })).statusCode, 202);
  const firstKey = await mailedKey(email, '/activate/');
  assert.equal((await s.request({ method: 'POST', url: '/account/register', body: { email, password: 'Second-Horse-44' } })).statusCode, 202);
  await s.core.jobs.idle();
  await s.smtp.waitFor(email, (m) => m.text.includes('/activate/') && !m.text.includes(firstKey));
  const secondKey = await mailedKey(email, '/activate/');
  assert.notEqual(secondKey, firstKey);
  assert.equal((await s.request({ method: 'POST', url: '/account/verify-email', body: { token: firstKey } })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: '/account/verify-email', body: { token: secondKey } })).statusCode, 200);
  assert.equal((await s.request({ method: 'POST', url: '/account/login', body: { email, password: 'Second-Horse-44' } })).statusCode, 200);
});

test('verify e-mail by redirect (A2), and choosing a password while verifying', async () => {
  const email = `${unique('redir')}@example.com`;
  await s.request({ method: 'POST', url: '/account/register', body: { email, password: PASSWORD } });
  const key = await mailedKey(email, '/activate/');
  const redirected = await s.request({ method: 'GET', url: `/account/verify-email?token=${key}` });
  assert.equal(redirected.statusCode, 303, redirected.body);
  assert.ok(redirected.headers.location);
  assert.equal((await s.request({ method: 'POST', url: '/account/login', body: { email, password: PASSWORD } })).statusCode, 200);
  const used = await s.request({ method: 'GET', url: `/account/verify-email?token=${key}` });
  assert.equal(used.statusCode, 404);
  assert.deepEqual(Object.keys(used.json()).sort(), ['code', 'description', 'message']);

  // JSON clients get the message instead of the redirect; a chosen password replaces the registration's.
  const other = `${unique('json')}@example.com`;
  await s.request({ method: 'POST', url: '/account/register', body: { email: other, password: PASSWORD } });
  const otherKey = await mailedKey(other, '/activate/');
  const weak = await s.request({ method: 'POST', url: '/account/verify-email', body: { token: otherKey, password: '123' } });
  assert.equal(weak.statusCode, 400);
  assert.match(weak.json().description, /^password: /);
  const chosen = await s.request({ method: 'POST', url: '/account/verify-email', body: { token: otherKey, password: 'Chosen-Horse-45' } });
  assert.equal(chosen.statusCode, 200, chosen.body);
  assert.equal((await s.request({ method: 'POST', url: '/account/login', body: { email: other, password: 'Chosen-Horse-45' } })).statusCode, 200);
  assert.equal((await s.request({ method: 'POST', url: '/account/login', body: { email: other, password: PASSWORD } })).statusCode, 400);
});

test('password reset: the cooldown, the mailed token, the new password logs in', async () => {
  const user = await s.user();
  const cooldown0 = await s.request({ method: 'POST', url: '/account/reset-password/cooldown', body: { email: user.email } });
  assert.equal(cooldown0.statusCode, 200, cooldown0.body);
  assert.equal(cooldown0.json().email, user.email);
  assert.ok(Date.parse(cooldown0.json().next_reset_password_at) <= Date.now() + 1000);

  const asked = await s.request({ method: 'POST', url: '/account/reset-password', body: { email: user.email } });
  assert.equal(asked.statusCode, 200, asked.body);
  assert.equal(asked.json().email, user.email);
  assert.ok(asked.json().next_reset_password_at);
  const key = await mailedKey(user.email, '/reset/');

  const weak = await s.request({ method: 'POST', url: '/account/reset-password/confirm', body: { token: key, password: 'password' } });
  assert.equal(weak.statusCode, 400);
  assert.match(weak.json().description, /password: /);
  const reset = await s.request({ method: 'POST', url: '/account/reset-password/confirm', body: { token: key, password: 'Reset-Horse-46' } });
  assert.equal(reset.statusCode, 200, reset.body);
  assert.equal(reset.json().token_type, 'Bearer');
  // Earlier sessions ended; the new password logs in; the token works once.
  assert.equal((await s.request({ method: 'GET', url: '/account/profile', token: user.token })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/account/profile', token: reset.json().access_token })).statusCode, 200);
  assert.equal((await s.request({ method: 'POST', url: '/account/login', body: { email: user.email, password: 'Reset-Horse-46' } })).statusCode, 200);
  const again = await s.request({ method: 'POST', url: '/account/reset-password/confirm', body: { token: key, password: 'Reset-Horse-47' } });
  assert.equal(again.statusCode, 404);

  // Unknown addresses get the same answers.
  const nobody = `${unique('nobody')}@example.com`;
  const unknown = await s.request({ method: 'POST', url: '/account/reset-password', body: { email: nobody } });
  assert.equal(unknown.statusCode, 200);
  assert.deepEqual(Object.keys(unknown.json()).sort(), ['email', 'next_reset_password_at']);

  // Past the per-address limit, the cooldown names the end of the window.
  for (let i = 0; i < s.config.sendLimits.perTarget - 1; i += 1) {
    await s.request({ method: 'POST', url: '/account/reset-password', body: { email: nobody }, ip: `10.9.${i}.1` });
  }
  const cooled = await s.request({ method: 'POST', url: '/account/reset-password/cooldown', body: { email: nobody } });
  assert.ok(Date.parse(cooled.json().next_reset_password_at) > Date.now() + 60_000, cooled.body);
  const refused = await s.request({ method: 'POST', url: '/account/reset-password', body: { email: nobody }, ip: '10.9.99.1' });
  assert.equal(refused.statusCode, 429);
  assert.ok(refused.headers['retry-after']);
});

test('auth routes: bad input is a 400 naming the field', async () => {
  const cases: { url: string; body: unknown; field: string }[] = [
    { url: '/account/login', body: { email: 'a@example.com' }, field: 'password' },
    { url: '/account/login', body: { email: 5, password: 'x' }, field: 'email' },
    { url: '/account/register', body: { email: 'not-an-email', password: PASSWORD }, field: 'email' },
    { url: '/account/register', body: { email: 'a@example.com', password: PASSWORD, extra: 1 }, field: 'extra' },
    { url: '/account/register', body: { email: `${unique('w')}@example.com`, password: 'x'.repeat(4097) }, field: 'password' },
    { url: '/account/verify-email', body: {}, field: 'token' },
    { url: '/account/reset-password', body: { email: [] }, field: 'email' },
    { url: '/account/reset-password/cooldown', body: {}, field: 'email' },
    { url: '/account/reset-password/confirm', body: { token: 'x' }, field: 'password' },
  ];
  for (const c of cases) {
    const r = await s.request({ method: 'POST', url: c.url, body: c.body });
    assert.equal(r.statusCode, 400, `${c.url} ${JSON.stringify(c.body)}: ${r.body}`);
    assert.ok(r.json().description.includes(c.field), `${c.url}: ${r.body}`);
  }
  for (const url of ['/account/login', '/account/register', '/account/verify-email', '/account/reset-password/confirm']) {
    const r = await s.request({ method: 'POST', url, body: '{"email": ', headers: { 'content-type': 'application/json' } });
    assert.equal(r.statusCode, 400, `${url}: ${r.body}`);
    assert.deepEqual(Object.keys(r.json()).sort(), ['code', 'description', 'message']);
  }
  const unknownToken = await s.request({ method: 'POST', url: '/account/reset-password/confirm', body: { token: 'nope', password: 'Reset-Horse-46' } });
  assert.equal(unknownToken.statusCode, 404);
  const longPassword = await s.request({ method: 'POST', url: '/account/register', body: { email: `${unique('l')}@example.com`, password: 'Ab1-'.repeat(100) } });
  assert.equal(longPassword.statusCode, 400);
  assert.match(longPassword.json().description, /password: .*too long/);
});
