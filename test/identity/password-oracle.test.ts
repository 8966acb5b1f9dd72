// Routes that re-check the caller's password are no password oracle for someone holding a
// stolen token: a wrong password there is a failed login, on the same counter and lockout.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { startService, type TestService, type TestUser } from '../support/service.js';

let s: TestService;
before(async () => { s = await startService({ LOGIN_MAX_ATTEMPTS: '3', LOGIN_LOCKOUT_SECONDS: '600' }); });
after(async () => { await s.stop(); });

function sshKey(): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const x = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const str = (b: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(b.length);
    return Buffer.concat([length, b]);
  };
  return `ssh-ed25519 ${Buffer.concat([str(Buffer.from('ssh-ed25519')), str(x)]).toString('base64')}`;
}

/** Every route that asks for the caller's password, with a body carrying `password`. */
const RECHECKS = [
  { name: 'otp', method: 'PUT', path: 'otp/', body: (password: string) => ({ password, otp_enabled: false }) },
  { name: 'api-keys', method: 'POST', path: 'api-keys/', body: (password: string) => ({ password }) },
  { name: 'ssh-keys', method: 'PUT', path: 'ssh-keys/', body: (password: string) => ({ password, pubkey: sshKey() }) },
  { name: 'password', method: 'PUT', path: 'password/', body: (password: string) => ({ password, new_password: 'Brand-new-passphrase-42' }) },
] as const;

async function events(userId: number) {
  return s.core.db.selectFrom('security_events').select(['type', 'detail', 'ip'])
    .where('user_id', '=', userId).orderBy('id').execute();
}

async function recheck(u: TestUser, route: (typeof RECHECKS)[number], password: string) {
  return s.request({ method: route.method, url: `/api/users/${u.username}/${route.path}`, token: u.token, body: route.body(password), ip: '10.1.2.3' });
}

for (const route of RECHECKS) {
  test(`${route.name}: wrong passwords count as failed logins, lock the account, and the owner is told`, async () => {
    const u = await s.user();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i += 1) statuses.push((await recheck(u, route, `wrong-password-${i}`)).statusCode);
    // Same style as login: the failure that starts the lock already answers 429.
    assert.deepEqual(statuses, [400, 400, 429, 429, 429]);

    // Locked: the right password is refused too, here and at login.
    const right = await recheck(u, route, u.password);
    assert.equal(right.statusCode, 429);
    assert.match(right.json().detail, /^Too many failed attempts\. Try again in \d+ seconds\.$|^Too many failed login attempts\. Try again in \d+ seconds\.$/);
    assert.ok(Number(right.headers['retry-after']) > 0);
    const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip: '10.1.2.3' });
    assert.equal(login.statusCode, 429);

    // A security event for each failure, and the lock.
    const recorded = await events(u.id);
    const failed = recorded.filter((e) => e.type === 'login.failed');
    assert.equal(failed.length, 3);
    for (const e of failed) {
      assert.equal((e.detail as { reason: string }).reason, 'password_confirmation');
      assert.equal(e.ip, '10.1.2.3');
    }
    assert.equal(recorded.filter((e) => e.type === 'login.locked').length >= 1, true);

    // The owner gets the notice a login lockout gives.
    const mail = await s.smtp.waitFor(u.email, (m) => /locked|failed attempts/i.test(m.subject));
    assert.match(mail.text, /10\.1\.2\.3/);
  });
}

test('failed logins and failed password re-checks share one counter', async () => {
  const u = await s.user();
  for (let i = 0; i < 2; i += 1) {
    const res = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'wrong-password-x' }, ip: '10.1.2.4' });
    assert.equal(res.statusCode, 400);
  }
  const third = await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: 'wrong-password-y' }, ip: '10.1.2.4' });
  assert.equal(third.statusCode, 429);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password }, ip: '10.1.2.4' });
  assert.equal(login.statusCode, 429);
});

test('a right password re-check clears the failures, like a successful login', async () => {
  const u = await s.user();
  for (let i = 0; i < 2; i += 1) assert.equal((await recheck(u, RECHECKS[1], 'wrong-password')).statusCode, 400);
  assert.equal((await recheck(u, RECHECKS[1], u.password)).statusCode, 200);
  for (let i = 0; i < 2; i += 1) assert.equal((await recheck(u, RECHECKS[1], 'wrong-password')).statusCode, 400);
});

test('the re-checked password is the caller\'s: a manager\'s wrong password counts against the manager', async () => {
  const target = await s.user();
  const before = (await events(target.id)).length;
  const res = await s.request({ method: 'POST', url: `/api/users/${target.username}/api-keys/`, token: s.admin.token, body: { password: target.password } });
  assert.equal(res.statusCode, 400);
  assert.equal((await events(target.id)).length, before, 'nothing recorded against the account changed');
  const adminEvents = (await events(s.admin.id)).filter((e) => e.type === 'login.failed');
  assert.ok(adminEvents.length >= 1);
  // The manager proves the password and their count starts over.
  const ok = await s.request({ method: 'POST', url: `/api/users/${target.username}/api-keys/`, token: s.admin.token, body: { password: s.admin.password } });
  assert.equal(ok.statusCode, 200);
});
