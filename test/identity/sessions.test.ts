// Sessions: every token belongs to a session that logout, "log out everywhere", a password
// change or reset, suspension and deletion end; refresh stays inside the session's limits;
// a reset ends every credential and never skips the second factor.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt } from 'jose';
import { generate } from 'otplib';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { linkIn } from '../support/smtp.js';
import { apiKeyHeaders } from '../support/fixtures.js';
import { createOtpSecret } from '../../src/core/identity/otp.js';

const MAX_AGE = 200;
let s: TestService;
before(async () => { s = await startService({ TOKEN_LIFETIME_SECONDS: '60', SESSION_MAX_AGE_SECONDS: String(MAX_AGE) }); });
after(async () => { await s.stop(); });

const NEW_PASSWORD = 'Fresh-Reset-Passphrase-77';
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

async function login(u: TestUser, ip = '10.9.9.9'): Promise<string> {
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip,
    headers: { 'user-agent': 'sessions-test' } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().token as string;
}

async function me(u: TestUser, token: string) {
  return s.request({ method: 'GET', url: `/api/users/${u.username}/`, token });
}

async function resetLink(email: string): Promise<string> {
  const resets = () => s.smtp.to(email).filter((m) => /Reset your/.test(m.subject));
  const before = resets().length;
  const res = await s.request({ method: 'POST', url: '/api/auth/recover/', body: { email } });
  assert.equal(res.statusCode, 200);
  await s.smtp.waitFor(email, () => resets().length > before);
  return new URL(linkIn(resets().at(-1)!, '/api/auth/reset/')).pathname;
}

// ---------------------------------------------------------------- 6.4 logout ends something

test('logout ends the session: the same token is refused afterwards, by header and by cookie', async () => {
  const u = await s.user();
  const token = await login(u);
  const claims = decodeJwt(token);
  assert.equal(typeof claims.sid, 'string');
  assert.equal(typeof claims.sat, 'number');
  assert.equal((await me(u, token)).statusCode, 200);

  const out = await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  assert.equal(out.statusCode, 200);
  assert.match(String(out.headers['set-cookie']), /sessionid=;/);
  const after = await me(u, token);
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().detail, 'This session has ended: log in again.');
  assert.equal(after.json().error_code, 'session.ended');
  const byCookie = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: { cookie: `sessionid=${token}` } });
  assert.equal(byCookie.statusCode, 401);

  const row = await s.core.db.selectFrom('sessions').selectAll().where('id', '=', String(claims.sid)).executeTakeFirstOrThrow();
  assert.equal(row.user_id, u.id);
  assert.equal(row.end_reason, 'logout');
  assert.equal(row.ip, '10.9.9.9');
  assert.equal(row.user_agent, 'sessions-test');
  assert.equal(row.method, 'password');
});

test('logout ends only the current session; {"everywhere": true} ends all of them', async () => {
  const u = await s.user();
  const a = await login(u);
  const b = await login(u);
  const c = await login(u);
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/logout/', token: a })).statusCode, 200);
  assert.equal((await me(u, a)).statusCode, 401);
  assert.equal((await me(u, b)).statusCode, 200);

  const all = await s.request({ method: 'POST', url: '/api/auth/logout/', token: b, body: { everywhere: true } });
  assert.equal(all.statusCode, 200, all.body);
  assert.equal((await me(u, b)).statusCode, 401);
  assert.equal((await me(u, c)).statusCode, 401);
  const d = await login(u);
  const bad = await s.request({ method: 'POST', url: '/api/auth/logout/', token: d, body: { everywhere: 'yes' } });
  assert.equal(bad.statusCode, 400);
  assert.ok(bad.json().everywhere);
  assert.equal((await me(u, d)).statusCode, 200);
});

test('GET /api/users/{user}/sessions/ lists the open sessions; DELETE ends one or all', async () => {
  const u = await s.user();
  const a = await login(u, '10.1.1.1');
  const b = await login(u, '10.1.1.2');
  const list = await s.request({ method: 'GET', url: `/api/users/${u.username}/sessions/`, token: a });
  assert.equal(list.statusCode, 200, list.body);
  const sessions = list.json().results as Array<Record<string, unknown>>;
  // s.user() made one session too, for its own token.
  assert.equal(list.json().count, 3);
  const mine = sessions.find((x) => x.id === decodeJwt(a).sid)!;
  assert.equal(mine.current, true);
  assert.equal(mine.ip, '10.1.1.1');
  assert.equal(mine.method, 'password');
  const other = sessions.find((x) => x.id === decodeJwt(b).sid)!;
  assert.equal(other.current, false);

  const stranger = await s.user();
  const peek = await s.request({ method: 'GET', url: `/api/users/${u.username}/sessions/`, token: stranger.token });
  assert.equal(peek.statusCode, 404);
  const end = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/sessions/${String(decodeJwt(b).sid)}/`, token: stranger.token });
  assert.equal(end.statusCode, 404);
  assert.equal((await me(u, b)).statusCode, 200);

  const ended = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/sessions/${String(decodeJwt(b).sid)}/`, token: a });
  assert.equal(ended.statusCode, 204);
  assert.equal((await me(u, b)).statusCode, 401);
  assert.equal((await me(u, a)).statusCode, 200);
  const unknown = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/sessions/nope/`, token: a });
  assert.equal(unknown.statusCode, 404);

  // The broker's managers may end them all.
  const everything = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/sessions/`, token: s.admin.token });
  assert.equal(everything.statusCode, 204);
  assert.equal((await me(u, a)).statusCode, 401);
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  assert.ok(doc.paths['/api/users/{user}/sessions/'].get);
  assert.ok(doc.paths['/api/users/{user}/sessions/{session}/'].delete);
});

test('a password change ends every other session; the caller keeps theirs, with a fresh token', async () => {
  const u = await s.user();
  const mine = await login(u);
  const other = await login(u);
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: mine,
    body: { password: u.password, new_password: 'Changed-Passphrase-123' } });
  assert.equal(res.statusCode, 200, res.body);
  const fresh = res.json().token as string;
  assert.equal(decodeJwt(fresh).sid, decodeJwt(mine).sid);
  assert.equal(decodeJwt(fresh).sat, decodeJwt(mine).sat);
  assert.equal((await me(u, fresh)).statusCode, 200);
  assert.equal((await me(u, other)).statusCode, 401);
  const row = await s.core.db.selectFrom('sessions').select(['ended_at', 'end_reason'])
    .where('id', '=', String(decodeJwt(other).sid)).executeTakeFirstOrThrow();
  assert.equal(row.end_reason, 'password_changed');
  const kept = await s.core.db.selectFrom('sessions').select('ended_at')
    .where('id', '=', String(decodeJwt(mine).sid)).executeTakeFirstOrThrow();
  assert.equal(kept.ended_at, null);
});

test('a broker manager who changes a user\'s password ends all of that user\'s sessions, and keeps their own', async () => {
  const u = await s.user();
  const token = await login(u);
  const adminToken = await s.request({ method: 'POST', url: '/api/auth/', body: { username: 'admin', password: s.admin.password } });
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: adminToken.json().token,
    body: { password: s.admin.password, new_password: 'Set-By-Admin-Passphrase-1' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(decodeJwt(res.json().token).sid, decodeJwt(adminToken.json().token).sid);
  assert.equal((await me(u, token)).statusCode, 401);
  assert.equal((await me(u, u.token)).statusCode, 401);
  const open = await s.core.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).where('ended_at', 'is', null).execute();
  assert.deepEqual(open, []);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: res.json().token })).statusCode, 200);
});

test('a password change made with an API key opens a session for the answer\'s token and ends every other one', async () => {
  const u = await s.user();
  const token = await login(u);
  const key = (await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token, body: { password: u.password } })).json().secret;
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, headers: basic(key),
    body: { password: u.password, new_password: 'Changed-By-Key-Passphrase-2' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await me(u, token)).statusCode, 401);
  assert.equal((await me(u, res.json().token)).statusCode, 200);
  const row = await s.core.db.selectFrom('sessions').select('method').where('id', '=', String(decodeJwt(res.json().token).sid)).executeTakeFirstOrThrow();
  assert.equal(row.method, 'password_change');
});

test('a password change keeps the API keys (the caller knew the password)', async () => {
  const u = await s.user();
  const key = (await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } })).json().secret;
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: u.token,
    body: { password: u.password, new_password: 'Changed-Passphrase-456' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) })).statusCode, 200);
});

test('suspension ends every session and revokes every API key: reactivation does not bring them back', async () => {
  const u = await s.user();
  const token = await login(u);
  const key = await apiKeyHeaders(s, u.id);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: key })).statusCode, 200);
  const suspend = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'Audit' } });
  assert.equal(suspend.statusCode, 200, suspend.body);
  const back = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/reactivate/`, token: s.admin.token });
  assert.equal(back.statusCode, 200, back.body);
  const res = await me(u, token);
  assert.equal(res.statusCode, 401);
  assert.equal((await s.core.db.selectFrom('sessions').select('end_reason').where('id', '=', String(decodeJwt(token).sid))
    .executeTakeFirstOrThrow()).end_reason, 'suspended');
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: key })).statusCode, 401);
  assert.equal((await me(u, await login(u))).statusCode, 200);
});

test('deleting a user ends every session of theirs', async () => {
  const u = await s.user();
  const token = await login(u);
  const del = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/`, token });
  assert.equal(del.statusCode, 204, del.body);
  const open = await s.core.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).where('ended_at', 'is', null).execute();
  assert.deepEqual(open, []);
});

test('tokens/verify answers what the API would: ended session, suspended user, stale password', async () => {
  const u = await s.user();
  const token = await login(u);
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token } })).statusCode, 200);
  await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  const ended = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token } });
  assert.equal(ended.statusCode, 400);
  assert.equal(ended.json().detail, 'This session has ended: log in again.');

  const v = await s.user();
  const vt = await login(v);
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', v.id).execute();
  const suspended = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token: vt } });
  assert.equal(suspended.statusCode, 400);
  assert.match(suspended.json().detail, /suspended/);

  const w = await s.user();
  const wt = await login(w);
  await s.core.db.updateTable('users').set({ password_changed_at: new Date(s.clock.now.getTime() + 2000) }).where('id', '=', w.id).execute();
  const stale = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token: wt } });
  assert.equal(stale.statusCode, 400);
  assert.match(stale.json().detail, /password change/);
});

test('a token that names no session (or a session of another user) is refused', async () => {
  const u = await s.user();
  const bare = await s.core.tokens.issue({ id: u.id, slug: u.username, email: u.email, full_name: '' }, { id: 'made-up', startedAt: s.clock.now }, s.clock.now);
  assert.equal((await me(u, bare)).statusCode, 401);
  const v = await s.user();
  const crossed = await s.core.tokens.issue({ id: u.id, slug: u.username, email: u.email, full_name: '' },
    { id: String(decodeJwt(v.token).sid), startedAt: s.clock.now }, s.clock.now);
  assert.equal((await me(u, crossed)).statusCode, 401);
});

// ---------------------------------------------------------------- 15.3 refresh has limits

test('refresh keeps the session and its start, and never goes past SESSION_MAX_AGE_SECONDS', async () => {
  const u = await s.user();
  const first = await login(u);
  const { sid, sat } = decodeJwt(first);
  let token = first;
  for (let step = 0; step < 5; step += 1) {
    s.clock.advance(45);
    const res = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token } });
    if (res.statusCode !== 200) break;
    token = res.json().token;
    const claims = decodeJwt(token);
    assert.equal(claims.sid, sid);
    assert.equal(claims.sat, sat);
    assert.ok(claims.exp! <= (sat as number) + MAX_AGE, `exp ${claims.exp} goes past the session's maximum age`);
  }
  s.clock.advance(MAX_AGE);
  const late = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token } });
  assert.equal(late.statusCode, 400);
  assert.equal((await me(u, token)).statusCode, 401);
});

test('refresh refuses a token whose session ended, and an expired token, anonymously or not', async () => {
  const u = await s.user();
  const token = await login(u);
  await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  const ended = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token } });
  assert.equal(ended.statusCode, 400);
  assert.equal(ended.json().detail, 'This session has ended: log in again.');

  const live = await login(u);
  s.clock.advance(61);
  const expired = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token: live } });
  assert.equal(expired.statusCode, 400);
  assert.equal(expired.json().detail, 'Token has expired.');
});

// ---------------------------------------------------------------- 15.2 a reset ends every credential

test('a password reset ends every session, token, API key and SSH key, and the notice names them', async () => {
  const u = await s.user();
  const session = await login(u);
  const key = (await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: session, body: { password: u.password } })).json().secret;
  assert.ok(key);
  await s.core.db.updateTable('users').set({ ssh_pubkey: 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKeyKeyKey me@laptop' }).where('id', '=', u.id).execute();
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) })).statusCode, 200);

  const link = await resetLink(u.email);
  const res = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD }, ip: '10.3.3.3' });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(Object.keys(res.json()), ['token']);
  assert.equal((await me(u, res.json().token)).statusCode, 200);

  assert.equal((await me(u, session)).statusCode, 401);
  assert.equal((await me(u, u.token)).statusCode, 401);
  const byKey = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) });
  assert.equal(byKey.statusCode, 401);
  const row = await s.core.db.selectFrom('users').select('ssh_pubkey').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.ssh_pubkey, null);

  const notice = await s.smtp.waitFor(u.email, (m) => /password was changed/.test(m.subject));
  assert.match(notice.text, /2 sessions/);
  assert.match(notice.text, /API key was revoked/);
  assert.match(notice.text, /SSH public key was removed/);
  const event = await s.core.db.selectFrom('security_events').select('detail').where('user_id', '=', u.id)
    .where('type', '=', 'password.reset').executeTakeFirstOrThrow();
  assert.deepEqual(event.detail, { sessions_ended: 2, api_keys_revoked: 1, ssh_key_removed: true });
});

// ---------------------------------------------------------------- 6.2 a reset never skips the second factor

test('a reset on an account with an authenticator answers no session; login then needs the code', async () => {
  const u = await s.user();
  const otp = createOtpSecret(s.core, u.username);
  await s.core.db.updateTable('users').set({ otp_secret: otp.sealed, otp_enabled: true }).where('id', '=', u.id).execute();
  const link = await resetLink(u.email);
  const res = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().token, undefined);
  assert.match(res.json().detail, /second factor/);
  assert.doesNotMatch(String(res.headers['set-cookie']), /sessionid=ey/);
  const open = await s.core.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).where('ended_at', 'is', null).execute();
  assert.deepEqual(open, []);

  const noCode = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: NEW_PASSWORD } });
  assert.equal(noCode.statusCode, 400);
  assert.ok(noCode.json().code);
  const code = await generate({ secret: otp.secret, epoch: Math.floor(s.clock.now.getTime() / 1000) });
  const ok = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: NEW_PASSWORD, code } });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(decodeJwt(ok.json().token).sid !== undefined, true);
});

test('a reset on an account with a code by e-mail answers no session either', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ email_verification_enabled: true }).where('id', '=', u.id).execute();
  const link = await resetLink(u.email);
  const res = await s.request({ method: 'POST', url: link, body: { new_password: NEW_PASSWORD } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().token, undefined);
  const open = await s.core.db.selectFrom('sessions').select('id').where('user_id', '=', u.id).where('ended_at', 'is', null).execute();
  assert.deepEqual(open, []);
});
