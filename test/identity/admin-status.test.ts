// Accountcentral's status administration: suspend, reactivate, lockout and unlock.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { organizationWith } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });


async function events(userId: number): Promise<{ type: string; detail: unknown }[]> {
  return s.core.db.selectFrom('security_events').select(['type', 'detail']).where('user_id', '=', userId).orderBy('id').execute();
}

test('GET status: an active user with no failures', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    status: 'active', reason: null, suspended_at: null, locked: false, locked_until: null, failed_attempts: 0,
  });
});

test('suspension end to end: tokens refused while suspended, and ended: a new login after reactivation', async () => {
  const u = await s.user();
  const before = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(before.statusCode, 200);

  const res = await s.request({
    method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token,
    body: { reason: 'Suspicious activity' }, headers: { 'user-agent': 'admin-console' }, ip: '10.1.2.3',
  });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.status, 'suspended');
  assert.equal(body.reason, 'Suspicious activity');
  assert.ok(Math.abs(Date.parse(body.suspended_at) - s.clock.now.getTime()) < 5000);

  const mail = await s.smtp.waitFor(u.email, (m) => /suspended/.test(m.subject));
  assert.match(mail.text, /Reason: Suspicious activity/);
  assert.ok(mail.text.includes(u.username));

  const refused = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(refused.statusCode, 401);
  assert.match(refused.json().detail, /suspended/);

  const again = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'x' } });
  assert.equal(again.statusCode, 409);

  const status = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.equal(status.json().status, 'suspended');
  assert.equal(status.json().reason, 'Suspicious activity');

  const back = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/reactivate/`, token: s.admin.token });
  assert.equal(back.statusCode, 200);
  assert.deepEqual(
    { status: back.json().status, reason: back.json().reason, suspended_at: back.json().suspended_at },
    { status: 'active', reason: null, suspended_at: null },
  );
  // Suspension ended the sessions: reactivation does not bring their tokens back.
  const ended = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: u.token });
  assert.equal(ended.statusCode, 401);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(login.statusCode, 200);
  const works = await s.request({ method: 'GET', url: `/api/users/${u.username}/personal-info/`, token: login.json().token });
  assert.equal(works.statusCode, 200);
  assert.equal(works.json().username, u.username);

  const twice = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/reactivate/`, token: s.admin.token });
  assert.equal(twice.statusCode, 409);

  const recorded = await events(u.id);
  assert.deepEqual(recorded.map((e) => e.type), ['account.suspended', 'account.reactivated', 'login.succeeded']);
  assert.deepEqual(recorded[0].detail, { by: 'admin', reason: 'Suspicious activity', sessions_ended: 1, api_keys_revoked: 0 });
  const row = await s.core.db.selectFrom('security_events').select(['ip', 'user_agent'])
    .where('user_id', '=', u.id).where('type', '=', 'account.suspended').executeTakeFirstOrThrow();
  assert.deepEqual(row, { ip: '10.1.2.3', user_agent: 'admin-console' });
});

test('a suspended user cannot use an API key either', async () => {
  const u = await s.user();
  const key = await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } });
  assert.equal(key.statusCode, 200);
  const secret = key.json().secret as string;
  const basic = { authorization: `Basic ${Buffer.from(`${secret}:`).toString('base64')}` };
  const ok = await s.request({ method: 'GET', url: `/api/users/${u.username}/preferences/`, headers: basic });
  assert.equal(ok.statusCode, 200);
  await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'r' } });
  const refused = await s.request({ method: 'GET', url: `/api/users/${u.username}/preferences/`, headers: basic });
  assert.equal(refused.statusCode, 401);
});

test('an administrator cannot suspend themself', async () => {
  const res = await s.request({ method: 'POST', url: '/api/users/admin/status/suspend/', token: s.admin.token, body: { reason: 'oops' } });
  assert.equal(res.statusCode, 400);
  assert.match(res.json().detail, /own account/);
  const row = await s.core.db.selectFrom('users').select('status').where('slug', '=', 'admin').executeTakeFirstOrThrow();
  assert.equal(row.status, 'active');
});

test('suspend: malformed JSON, missing reason, wrong type, blank reason change nothing', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/status/suspend/`;
  const malformed = await s.request({ method: 'POST', url, token: s.admin.token, body: '{"reason": ' });
  assert.equal(malformed.statusCode, 400);
  assert.ok(malformed.json().non_field_errors);
  const missing = await s.request({ method: 'POST', url, token: s.admin.token, body: {} });
  assert.equal(missing.statusCode, 400);
  assert.deepEqual(missing.json().reason, ['This field is required.']);
  const wrong = await s.request({ method: 'POST', url, token: s.admin.token, body: { reason: 12 } });
  assert.equal(wrong.statusCode, 400);
  assert.ok(wrong.json().reason);
  const blank = await s.request({ method: 'POST', url, token: s.admin.token, body: { reason: '   ' } });
  assert.equal(blank.statusCode, 400);
  const row = await s.core.db.selectFrom('users').select('status').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'active');
  assert.deepEqual(await events(u.id), []);
});

test('status routes: unknown user 404, anonymous 401, others 404 (even managers of their organization)', async () => {
  const u = await s.user();
  const other = await s.user();
  const orgManager = await s.user();
  await organizationWith(s, orgManager, u);
  const routes: { method: 'GET' | 'POST' | 'DELETE'; path: string; body?: unknown }[] = [
    { method: 'GET', path: 'status/' },
    { method: 'POST', path: 'status/suspend/', body: { reason: 'r' } },
    { method: 'POST', path: 'status/reactivate/' },
    { method: 'DELETE', path: 'lockout/' },
  ];
  for (const r of routes) {
    const unknown = await s.request({ method: r.method, url: `/api/users/nobody-${u.id}/${r.path}`, token: s.admin.token, body: r.body });
    assert.equal(unknown.statusCode, 404, `${r.method} ${r.path} unknown`);
    const anon = await s.request({ method: r.method, url: `/api/users/${u.username}/${r.path}`, body: r.body });
    assert.equal(anon.statusCode, 401, `${r.method} ${r.path} anonymous`);
    const anonUnknown = await s.request({ method: r.method, url: `/api/users/nobody-${u.id}/${r.path}`, body: r.body });
    assert.equal(anonUnknown.statusCode, 401, `${r.method} ${r.path} anonymous, unknown user`);
    for (const caller of [other, orgManager, u]) {
      const res = await s.request({ method: r.method, url: `/api/users/${u.username}/${r.path}`, token: caller.token, body: r.body });
      assert.equal(res.statusCode, 404, `${r.method} ${r.path} by ${caller.username}`);
    }
  }
  const row = await s.core.db.selectFrom('users').select('status').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'active');
});

test('lockout: status shows it and DELETE lockout clears it', async () => {
  const u = await s.user();
  const now = s.clock.now;
  const until = new Date(now.getTime() + 600_000);
  await s.core.db.insertInto('login_throttle').values([
    { identifier: u.username.toLowerCase(), failures: 5, locked_until: until, last_failure_at: now },
    { identifier: u.email.toLowerCase(), failures: 3, locked_until: null, last_failure_at: now },
  ]).execute();
  const locked = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.equal(locked.statusCode, 200);
  assert.equal(locked.json().locked, true);
  assert.equal(Date.parse(locked.json().locked_until), until.getTime());
  assert.equal(locked.json().failed_attempts, 5);

  const unlock = await s.request({ method: 'DELETE', url: `/api/users/${u.username}/lockout/`, token: s.admin.token });
  assert.equal(unlock.statusCode, 204);
  assert.equal(unlock.body, '');
  const rows = await s.core.db.selectFrom('login_throttle').select('identifier')
    .where('identifier', 'in', [u.username.toLowerCase(), u.email.toLowerCase()]).execute();
  assert.deepEqual(rows, []);
  const after = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.deepEqual(
    { locked: after.json().locked, locked_until: after.json().locked_until, failed_attempts: after.json().failed_attempts },
    { locked: false, locked_until: null, failed_attempts: 0 },
  );
  const recorded = await events(u.id);
  assert.deepEqual(recorded.map((e) => e.type), ['account.unlocked']);
  assert.deepEqual(recorded[0].detail, { by: 'admin', was_locked: true, failed_attempts: 5 });
});

test('an expired lock is reported as not locked', async () => {
  const u = await s.user();
  const now = s.clock.now;
  await s.core.db.insertInto('login_throttle').values({
    identifier: u.username.toLowerCase(), failures: 5, locked_until: new Date(now.getTime() + 60_000), last_failure_at: now,
  }).execute();
  s.clock.advance(120);
  const res = await s.request({ method: 'GET', url: `/api/users/${u.username}/status/`, token: s.admin.token });
  assert.equal(res.json().locked, false);
  assert.equal(res.json().locked_until, null);
});

test('the status routes are in the OpenAPI document as Accountcentral additions', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  for (const [path, method] of [
    ['/api/users/{user}/status/', 'get'], ['/api/users/{user}/status/suspend/', 'post'],
    ['/api/users/{user}/status/reactivate/', 'post'], ['/api/users/{user}/lockout/', 'delete'],
    ['/api/users/{user}/personal-info/', 'put'], ['/api/users/{user}/personal-info/{field}/verify/confirm/', 'post'],
    ['/api/users/{user}/preferences/', 'patch'], ['/api/users/preferences/options/', 'get'],
    ['/api/users/{user}/security-events/', 'get'],
  ]) {
    assert.ok(doc.paths[path]?.[method], `${method} ${path}`);
    assert.match(doc.paths[path][method].description, /Accountcentral/);
  }
});
