// Turning on the authenticator app takes two steps (a seed, then a first code from it);
// confirming gives single-use recovery codes; the app names the site, not the host.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generate } from 'otplib';
import { startService, type TestService, type TestUser } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService({ BROKER_NAME: 'Cowork Portal' }); });
after(async () => { await s.stop(); });

const otpUrl = (u: TestUser) => `/api/users/${u.username}/otp/`;
const codeFor = (secret: string, offsetSeconds = 0) =>
  generate({ secret, epoch: Math.floor(s.clock.now.getTime() / 1000) + offsetSeconds });
const login = (u: TestUser, code?: string | number) =>
  s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, ...(code !== undefined ? { code } : {}) } });

async function events(userId: number) {
  return s.core.db.selectFrom('security_events').select(['type', 'detail']).where('user_id', '=', userId).orderBy('id').execute();
}

async function start(u: TestUser): Promise<{ priv_key: string; provisioning_uri: string }> {
  const res = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json();
}

async function enable(u: TestUser): Promise<{ secret: string; recoveryCodes: string[] }> {
  const { priv_key } = await start(u);
  const res = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: await codeFor(priv_key) } });
  assert.equal(res.statusCode, 200, res.body);
  return { secret: priv_key, recoveryCodes: res.json().recovery_codes };
}

test('turning on the authenticator waits for a first code from it', async () => {
  const u = await s.user();
  const { priv_key, provisioning_uri } = await start(u);
  assert.match(priv_key, /^[A-Z2-7]+=*$/);
  assert.ok(provisioning_uri.includes(`secret=${priv_key}`));
  // Not on yet: logging in needs no code, and the settings say so.
  let row = await s.core.db.selectFrom('users').select(['otp_enabled', 'otp_secret']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_enabled, false);
  assert.equal(row.otp_secret, null);
  assert.equal((await login(u)).statusCode, 200);

  // A wrong first code changes nothing.
  const wrong = (Number(await codeFor(priv_key)) + 1) % 1_000_000;
  const bad = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: wrong } });
  assert.equal(bad.statusCode, 400);
  assert.ok(bad.json().code);
  row = await s.core.db.selectFrom('users').select(['otp_enabled', 'otp_secret']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_enabled, false);

  // The right one turns it on and answers the recovery codes, once.
  const ok = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: await codeFor(priv_key) } });
  assert.equal(ok.statusCode, 200, ok.body);
  const body = ok.json();
  assert.equal(body.otp_enabled, true);
  assert.equal(body.recovery_codes.length, 10);
  assert.equal(new Set(body.recovery_codes).size, 10);
  row = await s.core.db.selectFrom('users').select(['otp_enabled', 'otp_secret']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_enabled, true);
  const none = await login(u);
  assert.equal(none.statusCode, 400);
  assert.deepEqual(none.json().code, ['A one-time code is required.']);
  assert.ok((await events(u.id)).some((e) => e.type === 'otp.changed'));
});

test('a code without a started set-up, or after it expired, turns nothing on', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: '123456' } });
  assert.equal(res.statusCode, 400);
  assert.ok(res.json().code);
  const { priv_key } = await start(u);
  s.clock.advance(16 * 60);
  const late = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: await codeFor(priv_key) } });
  assert.equal(late.statusCode, 400);
  assert.match(late.json().code[0], /start again|expired/i);
});

test('the authenticator app names the site, not the host', async () => {
  const u = await s.user();
  const { provisioning_uri } = await start(u);
  const uri = new URL(provisioning_uri);
  assert.equal(uri.searchParams.get('issuer'), 'Cowork Portal');
  assert.ok(decodeURIComponent(uri.pathname).startsWith('//Cowork Portal:') || decodeURIComponent(uri.pathname).startsWith('/Cowork Portal:'), uri.pathname);
  assert.ok(!provisioning_uri.includes('portal.test'));
});

test('a new seed replaces the old one only once confirmed', async () => {
  const u = await s.user();
  const first = await enable(u);
  const second = await start(u);
  // Still the first seed until the second is confirmed.
  s.clock.advance(31);
  assert.equal((await login(u, await codeFor(first.secret))).statusCode, 200);
  s.clock.advance(31);
  const confirm = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code: await codeFor(second.priv_key) } });
  assert.equal(confirm.statusCode, 200, confirm.body);
  s.clock.advance(31);
  assert.equal((await login(u, await codeFor(first.secret))).statusCode, 400);
  assert.equal((await login(u, await codeFor(second.priv_key))).statusCode, 200);
});

test('recovery codes: hashed at rest, each works once at login, with an event and a notice', async () => {
  const u = await s.user();
  const { recoveryCodes } = await enable(u);
  const stored = await s.core.db.selectFrom('otp_recovery_codes').select('code_hash').where('user_id', '=', u.id).execute();
  assert.equal(stored.length, 10);
  for (const code of recoveryCodes) assert.ok(stored.every((r) => !r.code_hash.includes(code.replace('-', ''))));

  const used = await login(u, recoveryCodes[0].toUpperCase());
  assert.equal(used.statusCode, 200, used.body);
  const last = (await events(u.id)).filter((e) => e.type === 'otp.recovery_code_used');
  assert.equal(last.length, 1);
  assert.deepEqual(last[0].detail, { remaining: 9 });
  const mail = await s.smtp.waitFor(u.email, (m) => /recovery code/i.test(m.subject));
  assert.match(mail.text, /9/);

  const again = await login(u, recoveryCodes[0]);
  assert.equal(again.statusCode, 400);
  assert.deepEqual(again.json().code, ['The one-time code is invalid or has expired.']);
  const failed = (await events(u.id)).filter((e) => e.type === 'login.failed').at(-1);
  assert.equal((failed?.detail as { reason: string }).reason, 'recovery_code');
  assert.equal((await login(u, recoveryCodes[1])).statusCode, 200);
});

test('recovery codes are made anew with the password, which ends the old ones', async () => {
  const u = await s.user();
  const { recoveryCodes } = await enable(u);
  const url = `/api/users/${u.username}/otp/recovery-codes/`;
  const wrong = await s.request({ method: 'POST', url, token: u.token, body: { password: 'not-the-password' } });
  assert.equal(wrong.statusCode, 400);
  assert.deepEqual(wrong.json().password, ['Incorrect password.']);
  const missing = await s.request({ method: 'POST', url, token: u.token, body: {} });
  assert.equal(missing.statusCode, 400);
  const res = await s.request({ method: 'POST', url, token: u.token, body: { password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  const fresh: string[] = res.json().recovery_codes;
  assert.equal(fresh.length, 10);
  assert.equal((await login(u, recoveryCodes[2])).statusCode, 400);
  assert.equal((await login(u, fresh[0])).statusCode, 200);
  assert.ok((await events(u.id)).some((e) => e.type === 'otp.recovery_codes_generated'));
  // Without the authenticator there is nothing to recover.
  const other = await s.user();
  const none = await s.request({ method: 'POST', url: `/api/users/${other.username}/otp/recovery-codes/`, token: other.token, body: { password: other.password } });
  assert.equal(none.statusCode, 400);
  const anon = await s.request({ method: 'POST', url, body: { password: u.password } });
  assert.equal(anon.statusCode, 401);
});

test('turning the authenticator off forgets its seed and its recovery codes', async () => {
  const u = await s.user();
  const { recoveryCodes } = await enable(u);
  const res = await s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: false } });
  assert.equal(res.statusCode, 200);
  assert.equal(res.json().otp_enabled, false);
  const left = await s.core.db.selectFrom('otp_recovery_codes').select('id').where('user_id', '=', u.id).execute();
  assert.equal(left.length, 0);
  assert.equal((await login(u)).statusCode, 200);
  assert.equal(recoveryCodes.length, 10);
});

test('two confirmations racing with one code turn the app on once: the recovery codes shown are the ones kept', async () => {
  const u = await s.user();
  const { priv_key } = await start(u);
  const code = await codeFor(priv_key);
  const confirm = () => s.request({ method: 'PUT', url: otpUrl(u), token: u.token, body: { password: u.password, otp_enabled: true, code } });
  const answers = await Promise.all([confirm(), confirm()]);
  const ok = answers.filter((r) => r.statusCode === 200);
  assert.equal(ok.length, 1, answers.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
  assert.equal(answers.find((r) => r.statusCode !== 200)!.statusCode, 400);
  const shown: string[] = ok[0].json().recovery_codes;
  assert.equal(shown.length, 10);
  // The codes that answer was shown are the ones that work.
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password, code: shown[0] } });
  assert.equal(login.statusCode, 200, login.body);
});
