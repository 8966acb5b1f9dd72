import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService({ AUTH_RATE_LIMIT: '3' }); });
after(async () => { await s.stop(); });

test('the 4th /api/auth/ call from one address gets 429 with Retry-After; another address does not', async () => {
  const body = { username: 'nobody-here', password: 'whatever-password' };
  for (let i = 0; i < 3; i += 1) {
    const res = await s.request({ method: 'POST', url: '/api/auth/', body, ip: '10.9.9.1' });
    assert.equal(res.statusCode, 400);
  }
  const fourth = await s.request({ method: 'POST', url: '/api/auth/', body, ip: '10.9.9.1' });
  assert.equal(fourth.statusCode, 429);
  assert.ok(Number(fourth.headers['retry-after']) > 0);
  assert.match(fourth.json().detail, /throttled/);
  const other = await s.request({ method: 'POST', url: '/api/auth/', body, ip: '10.9.9.2' });
  assert.equal(other.statusCode, 400);
});

test('every /api/auth/* route is rate limited', async () => {
  const routes = [
    { method: 'POST', url: '/api/auth/register/', body: { email: 'x@example.com', full_name: 'X' } },
    { method: 'GET', url: '/api/auth/activate/nokey/' },
    { method: 'POST', url: '/api/auth/recover/', body: { email: 'x@example.com' } },
    { method: 'POST', url: '/api/auth/reset/MQ/nokey/', body: { new_password: 'Whatever-Password-1' } },
    { method: 'POST', url: '/api/auth/tokens/', body: { token: 'x' } },
    { method: 'POST', url: '/api/auth/tokens/verify/', body: { token: 'x' } },
    { method: 'POST', url: '/api/auth/logout/' },
  ] as const;
  for (const [i, r] of routes.entries()) {
    const ip = `10.8.0.${i + 1}`;
    const statuses = [];
    for (let n = 0; n < 4; n += 1) statuses.push((await s.request({ ...r, ip })).statusCode);
    assert.notEqual(statuses[2], 429, `${r.url}: ${statuses}`);
    assert.equal(statuses[3], 429, `${r.url}: ${statuses}`);
  }
});
