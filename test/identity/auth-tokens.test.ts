import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { startService, type TestService } from '../support/service.js';
import { TokenService } from '../../src/core/identity/tokens.js';

const OLD_SECRET = 'old-secret-key-that-was-rotated-out-0123456789';
let s: TestService;
before(async () => { s = await startService({ SECRET_KEY_FALLBACKS: OLD_SECRET }); });
after(async () => { await s.stop(); });

for (const base of ['/api/auth/tokens/', '/api/tokens/']) {
  test(`seed example: POST ${base} refreshes a token, expiring later`, async () => {
    const u = await s.user({ fullName: 'Refresh Me' });
    const first = decodeJwt(u.token);
    s.clock.advance(5);
    const res = await s.request({ method: 'POST', url: base, body: { token: u.token } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(Object.keys(res.json()), ['token']);
    const claims = decodeJwt(res.json().token);
    assert.equal(claims.username, u.username);
    assert.equal(claims.email, u.email);
    assert.equal(claims.full_name, 'Refresh Me');
    assert.ok(claims.exp! > first.exp!);
    const ev = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
    assert.deepEqual(ev.map((e) => e.type), ['token.refreshed']);
  });

  test(`seed example: POST ${base}verify/ answers the same token`, async () => {
    const u = await s.user();
    const res = await s.request({ method: 'POST', url: `${base}verify/`, body: { token: u.token } });
    assert.equal(res.statusCode, 200);
    assert.deepEqual(res.json(), { token: u.token });
  });
}

test('verify: garbage, expired, and a token signed with an unknown secret', async () => {
  const garbage = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token: 'not.a.token' } });
  assert.equal(garbage.statusCode, 400);
  assert.deepEqual(garbage.json(), { detail: 'Token is invalid.', error_code: 'token.invalid' });

  const u = await s.user();
  const stranger = new TokenService(['somebody-elses-secret-0123456789abcdef'], 3600);
  const session = { id: String(decodeJwt(u.token).sid), startedAt: s.clock.now };
  const foreign = await stranger.issue({ id: u.id, slug: u.username, email: u.email, full_name: '' }, session, s.clock.now);
  const res = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token: foreign } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(res.json(), { detail: 'Token is invalid.', error_code: 'token.invalid' });

  const expired = await s.core.tokens.issue({ id: u.id, slug: u.username, email: u.email, full_name: '' }, session, new Date(s.clock.now.getTime() - 7200_000));
  const late = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token: expired } });
  assert.equal(late.statusCode, 400);
  assert.deepEqual(late.json(), { detail: 'Token has expired.', error_code: 'token.expired' });
  const lateRefresh = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token: expired } });
  assert.equal(lateRefresh.statusCode, 400);
  assert.deepEqual(lateRefresh.json(), { detail: 'Token has expired.', error_code: 'token.expired' });
});

test('a token signed with an old SECRET_KEY listed in SECRET_KEY_FALLBACKS still verifies; new ones use the current key', async () => {
  const u = await s.user();
  const old = new TokenService([OLD_SECRET], 3600);
  const token = await old.issue({ id: u.id, slug: u.username, email: u.email, full_name: '' },
    { id: String(decodeJwt(u.token).sid), startedAt: s.clock.now }, s.clock.now);
  assert.notEqual(decodeProtectedHeader(token).kid, s.core.tokens.currentKid);
  const res = await s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token } });
  assert.equal(res.statusCode, 200);
  const refreshed = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token } });
  assert.equal(refreshed.statusCode, 200);
  assert.equal(decodeProtectedHeader(refreshed.json().token).kid, s.core.tokens.currentKid);
  const authed = await s.request({ method: 'POST', url: '/api/auth/logout/', token });
  assert.equal(authed.statusCode, 200);
});

test('the caller, when authenticated, must be the user of the token', async () => {
  const a = await s.user();
  const b = await s.user();
  for (const url of ['/api/auth/tokens/', '/api/auth/tokens/verify/']) {
    const res = await s.request({ method: 'POST', url, body: { token: b.token }, token: a.token });
    assert.equal(res.statusCode, 403);
    assert.match(res.json().detail, /another user/);
    const same = await s.request({ method: 'POST', url, body: { token: a.token }, token: a.token });
    assert.equal(same.statusCode, 200);
  }
});

test('refresh refuses suspended users and tokens older than a password change', async () => {
  const u = await s.user();
  await s.core.db.updateTable('users').set({ password_changed_at: new Date(s.clock.now.getTime() + 2000) }).where('id', '=', u.id).execute();
  const res = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token: u.token } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().detail, /password change/);

  const v = await s.user();
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', v.id).execute();
  const suspended = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token: v.token } });
  assert.equal(suspended.statusCode, 400);
  assert.match(suspended.json().detail, /suspended/);
});

test('tokens validation: malformed JSON, missing and wrong-typed token', async () => {
  for (const url of ['/api/auth/tokens/', '/api/auth/tokens/verify/']) {
    const bad = await s.request({ method: 'POST', url, body: '{"token":' });
    assert.equal(bad.statusCode, 400);
    const missing = await s.request({ method: 'POST', url, body: {} });
    assert.deepEqual(missing.json().token, ['This field is required.']);
    const wrong = await s.request({ method: 'POST', url, body: { token: 42 } });
    assert.equal(wrong.statusCode, 400);
    assert.ok(wrong.json().token);
  }
});

test('the aliases are documented as such in the OpenAPI document', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  assert.match(doc.paths['/api/tokens/'].post.summary, /alias/);
  assert.match(doc.paths['/api/tokens/verify/'].post.summary, /alias/);
  assert.match(doc.paths['/api/auth/register/'].post.description, /same whether or not the e-mail address/);
});
