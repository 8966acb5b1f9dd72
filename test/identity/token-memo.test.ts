// The memo of verified tokens (TokenService) skips the signature and the parse of a token
// seen before; it must never let a token through that the API would refuse. Each test
// first uses a token (so it is memoized), then ends it some way, then uses it again at once:
// logout, suspension, a password change, expiry, and a forged copy.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';

// Long enough for a slow machine: only the last test reaches it, by moving the clock.
const LIFETIME = 3600;
let s: TestService;
before(async () => { s = await startService({ TOKEN_LIFETIME_SECONDS: String(LIFETIME) }); });
after(async () => { await s.stop(); });

async function login(u: TestUser): Promise<string> {
  const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  return res.json().token as string;
}

const read = (u: TestUser, token: string) => s.request({ method: 'GET', url: `/api/users/${u.username}/`, token });
const verify = (token: string) => s.request({ method: 'POST', url: '/api/auth/tokens/verify/', body: { token } });

/** Uses the token twice by header and once through tokens/verify: from then on it is memoized. */
async function memoize(u: TestUser, token: string): Promise<void> {
  assert.equal((await read(u, token)).statusCode, 200);
  assert.equal((await read(u, token)).statusCode, 200);
  assert.equal((await verify(token)).statusCode, 200);
}

test('a memoized token whose session is logged out is refused at once, by header and by tokens/verify', async () => {
  const u = await s.user();
  const token = await login(u);
  await memoize(u, token);
  assert.equal((await s.request({ method: 'POST', url: '/api/auth/logout/', token })).statusCode, 200);
  const after = await read(u, token);
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().error_code, 'session.ended');
  const checked = await verify(token);
  assert.equal(checked.statusCode, 400);
  assert.equal(checked.json().error_code, 'session.ended');
});

test('a memoized token whose session is ended from another session is refused at once', async () => {
  const u = await s.user();
  const token = await login(u);
  const other = await login(u);
  await memoize(u, token);
  const everywhere = await s.request({ method: 'POST', url: '/api/auth/logout/', token: other, body: { everywhere: true } });
  assert.equal(everywhere.statusCode, 200, everywhere.body);
  assert.equal((await read(u, token)).statusCode, 401);
});

test('a memoized token of a user suspended by an administrator is refused at once', async () => {
  const u = await s.user();
  const token = await login(u);
  await memoize(u, token);
  const suspend = await s.request({ method: 'POST', url: `/api/users/${u.username}/status/suspend/`, token: await login(s.admin), body: { reason: 'Audit' } });
  assert.equal(suspend.statusCode, 200, suspend.body);
  const after = await read(u, token);
  assert.equal(after.statusCode, 401);
  assert.equal((await verify(token)).statusCode, 400);
});

test('a memoized token of a user suspended in the database directly (no API call) is refused at once', async () => {
  const u = await s.user();
  const token = await login(u);
  await memoize(u, token);
  await s.core.db.updateTable('users').set({ status: 'suspended' }).where('id', '=', u.id).execute();
  const after = await read(u, token);
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().error_code, 'user.suspended');
});

test('memoized tokens issued before a password change are refused at once; the new one works', async () => {
  const u = await s.user();
  const mine = await login(u);
  const elsewhere = await login(u);
  await memoize(u, mine);
  await memoize(u, elsewhere);
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: mine,
    body: { password: u.password, new_password: 'Memo-Changed-Passphrase-42' } });
  assert.equal(res.statusCode, 200, res.body);
  const fresh = res.json().token as string;
  assert.equal((await read(u, elsewhere)).statusCode, 401);
  const stale = await read(u, mine);
  assert.equal(stale.statusCode, 401);
  assert.equal((await verify(mine)).statusCode, 400);
  assert.equal((await read(u, fresh)).statusCode, 200);
});

test('a copy of a memoized token with another signature, or other claims under its signature, is refused', async () => {
  const u = await s.user();
  const token = await login(u);
  await memoize(u, token);
  const [header, payload, signature] = token.split('.') as [string, string, string];
  const flipped = signature.slice(0, -2) + (signature.endsWith('AA') ? 'BB' : 'AA');
  assert.equal((await read(u, `${header}.${payload}.${flipped}`)).statusCode, 401);
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...claims, exp: Number(claims.exp) + 3600 })).toString('base64url');
  assert.equal((await read(u, `${header}.${forged}.${signature}`)).statusCode, 401);
  assert.equal((await read(u, token)).statusCode, 200);
});

// Last: it moves the service's clock past every token issued so far.
test('a memoized token is refused once it expires (expiry is checked on every use)', async () => {
  const u = await s.user();
  const token = await login(u);
  await memoize(u, token);
  s.clock.advance(LIFETIME + 1);
  const after = await read(u, token);
  assert.equal(after.statusCode, 401);
  assert.equal(after.json().error_code, 'token.expired');
  const checked = await verify(token);
  assert.equal(checked.statusCode, 400);
  assert.equal(checked.json().error_code, 'token.expired');
  // Still refused on a later use (the entry is gone, and a full check says the same).
  assert.equal((await read(u, token)).statusCode, 401);
});
