// Reverse proxies and browsers: whose X-Forwarded-For and X-Request-Id we believe, and the
// session cookie that a cross-site form could ride (CSRF).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { loadConfig, ConfigError } from '../../src/config.js';
import { startService, type TestService } from '../support/service.js';

let hops: TestService;
let listed: TestService;
before(async () => {
  hops = await startService({ TRUST_PROXY: '1', AUTH_RATE_LIMIT: '2' });
  listed = await startService({ TRUST_PROXY: '10.0.0.5,192.168.0.0/16', AUTH_RATE_LIMIT: '2' });
});
after(async () => { await hops.stop(); await listed.stop(); });

const base = { SECRET_KEY: 'proxy-test-secret-0123456789-abcdefghijk', DATA_DIR: '/tmp/account-portal-proxy-config' };

test('TRUST_PROXY=true is refused at start with a message naming the setting and what to set', () => {
  for (const value of ['true', 'TRUE', 'yes', 'on']) {
    assert.throws(() => loadConfig({ ...base, TRUST_PROXY: value }), (error: unknown) =>
      error instanceof ConfigError && /TRUST_PROXY=true/.test(error.message) && /TRUST_PROXY=1/.test(error.message));
  }
  for (const value of ['10.0.0.300', 'proxy.internal', '10.0.0.0/33', '::1/129', '1.2.3.4/8/9']) {
    assert.throws(() => loadConfig({ ...base, TRUST_PROXY: value }), (error: unknown) =>
      error instanceof ConfigError && error.message.includes('TRUST_PROXY') && error.message.includes(value));
  }
  assert.equal(loadConfig({ ...base }).trustProxy, false);
  assert.equal(loadConfig({ ...base, TRUST_PROXY: 'false' }).trustProxy, false);
  assert.equal(loadConfig({ ...base, TRUST_PROXY: '2' }).trustProxy, 2);
  assert.deepEqual(loadConfig({ ...base, TRUST_PROXY: '10.0.0.5, fd00::/8' }).trustProxy, ['10.0.0.5', 'fd00::/8']);
});

/** Three failed logins through the proxy, as `client`: the third is limited if they count as one address. */
async function thirdIsLimited(s: TestService, forwarded: (i: number) => string, ip: string): Promise<boolean> {
  let status = 0;
  for (let i = 0; i < 3; i++) {
    const res = await s.request({
      method: 'POST', url: '/api/auth/recover/', body: { email: `nobody${i}@example.com` }, ip,
      headers: { 'x-forwarded-for': forwarded(i) },
    });
    status = res.statusCode;
  }
  return status === 429;
}

test('TRUST_PROXY=1: the address the proxy saw counts, whatever the client wrote before it', async () => {
  // The client forges a different first hop each time; the proxy appends the real address.
  assert.equal(await thirdIsLimited(hops, (i) => `198.51.100.${i + 1}, 203.0.113.7`, '10.9.9.9'), true);
  // Three real clients behind the same proxy are three addresses.
  assert.equal(await thirdIsLimited(hops, (i) => `203.0.113.${20 + i}`, '10.9.9.9'), false);
});

test('TRUST_PROXY=<addresses>: only those peers may name the client', async () => {
  assert.equal(await thirdIsLimited(listed, (i) => `203.0.113.${40 + i}`, '10.0.0.5'), false, 'a listed proxy');
  assert.equal(await thirdIsLimited(listed, (i) => `203.0.113.${50 + i}`, '192.168.7.7'), false, 'a listed block');
  // Anyone else writing X-Forwarded-For is ignored: all three come from its own address.
  assert.equal(await thirdIsLimited(listed, (i) => `203.0.113.${60 + i}`, '172.16.0.9'), true, 'not a proxy');
});

test('X-Request-Id is kept only from a trusted proxy and only when it is a plain token of at most 64 characters', async () => {
  const id = (res: { headers: Record<string, unknown> }) => String(res.headers['x-request-id']);
  const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
  const fromProxy = await listed.request({ method: 'GET', url: '/health', ip: '10.0.0.5', headers: { 'x-request-id': 'edge-1.abc_DEF' } });
  assert.equal(id(fromProxy), 'edge-1.abc_DEF');
  const fromClient = await listed.request({ method: 'GET', url: '/health', ip: '172.16.0.9', headers: { 'x-request-id': 'client-chosen' } });
  assert.match(id(fromClient), uuid);
  for (const bad of ['has space', 'a'.repeat(65), 'quote"d', 'new\\nline', '']) {
    const res = await listed.request({ method: 'GET', url: '/health', ip: '10.0.0.5', headers: { 'x-request-id': bad } });
    assert.match(id(res), uuid, JSON.stringify(bad));
  }
  assert.equal(id(await listed.request({ method: 'GET', url: '/health', ip: '10.0.0.5', headers: { 'x-request-id': 'a'.repeat(64) } })), 'a'.repeat(64));
  // Without TRUST_PROXY nobody's id is kept.
  const plain = await hops.request({ method: 'GET', url: '/health', ip: '127.0.0.1', headers: { 'x-request-id': 'anyone' } });
  assert.equal(id(plain), 'anyone', 'TRUST_PROXY=1 trusts the nearest peer');
});

test('a change made with the session cookie must be JSON: empty text/plain, form and typeless posts are refused', async () => {
  const u = await hops.user();
  const cookie = `sessionid=${u.token}`;
  const refused: Array<[string, Record<string, string>, string | undefined]> = [
    ['POST', { 'content-type': 'text/plain' }, undefined],
    ['POST', { 'content-type': 'text/plain' }, ''],
    ['POST', { 'content-type': 'application/x-www-form-urlencoded' }, ''],
    ['POST', { 'content-type': 'multipart/form-data; boundary=x' }, ''],
    ['POST', {}, undefined],
    ['DELETE', { 'content-type': 'text/plain' }, undefined],
    ['PUT', { 'content-type': 'text/plain;charset=UTF-8' }, 'x'],
  ];
  for (const [method, headers, body] of refused) {
    const res = await hops.request({ method: method as 'POST', url: '/api/auth/logout/', headers: { ...headers, cookie }, body });
    assert.equal(res.statusCode, 415, `${method} ${JSON.stringify(headers)}: ${res.body}`);
    assert.match(res.json().detail, /session cookie must send Content-Type: application\/json/);
    assert.equal(res.headers['set-cookie'], undefined, 'nothing happened');
  }
  // Reads need nothing; the same request as JSON (even empty) goes through (and ends the session).
  const read = await hops.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: { cookie, 'content-type': 'text/plain' } });
  assert.equal(read.statusCode, 200, read.body);
  const json = await hops.request({ method: 'POST', url: '/api/auth/logout/', headers: { cookie, 'content-type': 'application/json' } });
  assert.equal(json.statusCode, 200, json.body);
  // A bearer token cannot be sent by a cross-site form: no such rule for it.
  const v = await hops.user();
  const bearer = await hops.request({ method: 'POST', url: '/api/auth/logout/', token: v.token, headers: { 'content-type': 'text/plain' } });
  assert.equal(bearer.statusCode, 200, bearer.body);
});
