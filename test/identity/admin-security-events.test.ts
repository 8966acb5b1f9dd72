// A user's security events: newest first, paged, filtered by type and dates; readable by
// the user and by managers of their organizations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { organizationWith } from '../support/fixtures.js';
import { recordSecurityEvent, type SecurityEventType } from '../../src/core/identity/security-events.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });


const base = Date.parse('2026-03-01T12:00:00Z');
const at = (hours: number) => new Date(base + hours * 3600_000);

/** Five events an hour apart, recorded out of order. */
async function seeded(): Promise<TestUser> {
  const u = await s.user();
  const rows: [SecurityEventType, number][] = [
    ['login.failed', 2], ['login.succeeded', 0], ['login.failed', 1], ['password.changed', 4], ['login.locked', 3],
  ];
  for (const [type, hours] of rows) {
    await recordSecurityEvent(s.core.db, u.id, type, { ip: '192.0.2.7', userAgent: 'curl/8' }, at(hours), { n: hours });
  }
  return u;
}

test('lists the events newest first with the documented fields', async () => {
  const u = await seeded();
  const res = await s.request({ method: 'GET', url: `/api/users/${u.username}/security-events/`, token: u.token });
  assert.equal(res.statusCode, 200);
  const body = res.json();
  assert.equal(body.count, 5);
  assert.equal(body.next, null);
  assert.equal(body.previous, null);
  assert.deepEqual(body.results.map((e: { type: string }) => e.type),
    ['password.changed', 'login.locked', 'login.failed', 'login.failed', 'login.succeeded']);
  assert.deepEqual(body.results[0], {
    type: 'password.changed', created_at: at(4).toISOString(), ip: '192.0.2.7', user_agent: 'curl/8', detail: { n: 4 },
  });
});

test('pages with next and previous links', async () => {
  const u = await seeded();
  const url = `/api/users/${u.username}/security-events/`;
  const first = (await s.request({ method: 'GET', url: `${url}?page_size=2`, token: u.token })).json();
  assert.equal(first.count, 5);
  assert.equal(first.results.length, 2);
  assert.equal(first.next, `http://portal.test${url}?page_size=2&page=2`);
  const second = (await s.request({ method: 'GET', url: `${url}?page_size=2&page=2`, token: u.token })).json();
  assert.deepEqual(second.results.map((e: { detail: { n: number } }) => e.detail.n), [2, 1]);
  assert.ok(second.previous);
  const third = (await s.request({ method: 'GET', url: `${url}?page_size=2&page=3`, token: u.token })).json();
  assert.deepEqual(third.results.map((e: { detail: { n: number } }) => e.detail.n), [0]);
  assert.equal(third.next, null);
});

test('filters by type (repeatable) and by date range', async () => {
  const u = await seeded();
  const url = `/api/users/${u.username}/security-events/`;
  const failed = (await s.request({ method: 'GET', url: `${url}?type=login.failed`, token: u.token })).json();
  assert.equal(failed.count, 2);
  assert.deepEqual(failed.results.map((e: { detail: { n: number } }) => e.detail.n), [2, 1]);
  const two = (await s.request({ method: 'GET', url: `${url}?type=login.failed&type=login.locked`, token: u.token })).json();
  assert.deepEqual(two.results.map((e: { type: string }) => e.type), ['login.locked', 'login.failed', 'login.failed']);
  const none = (await s.request({ method: 'GET', url: `${url}?type=nothing.like.this`, token: u.token })).json();
  assert.deepEqual([none.count, none.results], [0, []]);
  const range = (await s.request({
    method: 'GET', url: `${url}?start_at=${encodeURIComponent(at(1).toISOString())}&ends_at=${encodeURIComponent(at(3).toISOString())}`, token: u.token,
  })).json();
  assert.deepEqual(range.results.map((e: { detail: { n: number } }) => e.detail.n), [2, 1]);
  const both = (await s.request({ method: 'GET', url: `${url}?type=login.failed&start_at=${encodeURIComponent(at(2).toISOString())}`, token: u.token })).json();
  assert.deepEqual(both.results.map((e: { detail: { n: number } }) => e.detail.n), [2]);
});

test('bad query parameters answer 400', async () => {
  const u = await seeded();
  const url = `/api/users/${u.username}/security-events/`;
  const badDate = await s.request({ method: 'GET', url: `${url}?start_at=yesterday`, token: u.token });
  assert.equal(badDate.statusCode, 400);
  assert.ok(badDate.json().start_at);
  const reversed = await s.request({
    method: 'GET', url: `${url}?start_at=${encodeURIComponent(at(3).toISOString())}&ends_at=${encodeURIComponent(at(1).toISOString())}`, token: u.token,
  });
  assert.equal(reversed.statusCode, 400);
  assert.ok(reversed.json().ends_at);
  const badPage = await s.request({ method: 'GET', url: `${url}?page=zero`, token: u.token });
  assert.equal(badPage.statusCode, 400);
  assert.ok(badPage.json().page);
});

test('access: organization managers and the broker read, others 404, anonymous 401', async () => {
  const u = await seeded();
  const other = await s.user();
  const orgManager = await s.user();
  const colleague = await s.user();
  await organizationWith(s, orgManager, u);
  await organizationWith(s, colleague, other);
  const url = `/api/users/${u.username}/security-events/`;
  const byManager = await s.request({ method: 'GET', url, token: orgManager.token });
  assert.equal(byManager.statusCode, 200);
  assert.equal(byManager.json().count, 5);
  assert.equal((await s.request({ method: 'GET', url, token: s.admin.token })).json().count, 5);
  const byOther = await s.request({ method: 'GET', url, token: other.token });
  assert.equal(byOther.statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url, token: colleague.token })).statusCode, 404);
  // The member cannot read their manager's events.
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${orgManager.username}/security-events/`, token: u.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url })).statusCode, 401);
  assert.equal((await s.request({ method: 'GET', url: '/api/users/no-such-user-here/security-events/', token: s.admin.token })).statusCode, 404);
});

test('events recorded by administration show up in the list', async () => {
  const u = await s.user();
  await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: s.admin.token, body: { reason: 'Spam' } });
  await s.request({ method: 'POST', url: `/api/users/${u.username}/status/reactivate/`, token: s.admin.token });
  await s.request({ method: 'DELETE', url: `/api/users/${u.username}/lockout/`, token: s.admin.token });
  // The suspension ended the user's sessions: they read their events after logging in again.
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  const res = await s.request({ method: 'GET', url: `/api/users/${u.username}/security-events/?type=account.suspended&type=account.reactivated&type=account.unlocked`, token: login.json().token });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(new Set(res.json().results.map((e: { type: string }) => e.type)), new Set(['account.suspended', 'account.reactivated', 'account.unlocked']));
  const suspended = res.json().results.find((e: { type: string }) => e.type === 'account.suspended');
  assert.deepEqual(suspended.detail, { by: 'admin', reason: 'Spam', sessions_ended: 1, api_keys_revoked: 0 });
});
