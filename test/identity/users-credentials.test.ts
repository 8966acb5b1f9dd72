// /api/users/{user}/password|api-keys|ssh-keys|otp|notifications/ and /api/contact/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { generate } from 'otplib';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { verifyOtpCode } from '../../src/core/identity/otp.js';
import { verifyPassword } from '../../src/core/identity/passwords.js';
import { NOTIFICATION_NAMES } from '../../src/core/identity/notifications.js';

let s: TestService;
let bob: TestUser;
before(async () => {
  s = await startService();
  bob = await s.user();
});
after(async () => { await s.stop(); });

const json = (res: { json(): any }) => res.json();
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` });

function sshKey(type: 'ed25519' | 'rsa' | 'ecdsa'): string {
  const { publicKey } = type === 'ecdsa'
    ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
    : type === 'rsa' ? generateKeyPairSync('rsa', { modulusLength: 2048 }) : generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const str = (v: Buffer | string) => {
    const b = Buffer.isBuffer(v) ? v : Buffer.from(v);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(b.length);
    return Buffer.concat([len, b]);
  };
  const mpint = (b64: string) => {
    let b = Buffer.from(b64, 'base64url');
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return str(b);
  };
  if (type === 'ed25519') return `ssh-ed25519 ${Buffer.concat([str('ssh-ed25519'), str(Buffer.from(jwk.x!, 'base64url'))]).toString('base64')} me@laptop`;
  if (type === 'rsa') return `ssh-rsa ${Buffer.concat([str('ssh-rsa'), mpint(jwk.e!), mpint(jwk.n!)]).toString('base64')}`;
  const point = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x!, 'base64url'), Buffer.from(jwk.y!, 'base64url')]);
  return `ecdsa-sha2-nistp256 ${Buffer.concat([str('ecdsa-sha2-nistp256'), str('nistp256'), str(point)]).toString('base64')} work`;
}

// ---------------------------------------------------------------- password

test('PUT /api/users/{user}/password/ changes the password, ends older tokens, mails a notice', async () => {
  const u = await s.user();
  s.clock.advance(2); // tokens carry whole seconds: make the change visibly later than u.token
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: u.token,
    body: { password: u.password, new_password: 'Brand-new-passphrase-42' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(json(res).detail, 'Password updated successfully.');
  const fresh = json(res).token;
  assert.ok(fresh);
  let check = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(check.statusCode, 401);
  check = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: fresh });
  assert.equal(check.statusCode, 200);
  const row = await s.core.db.selectFrom('users').select(['password_hash', 'password_changed_at']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.ok(await verifyPassword(row.password_hash, 'Brand-new-passphrase-42'));
  assert.ok(row.password_changed_at);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.ok(events.some((e) => e.type === 'password.changed'));
  const mail = await s.smtp.waitFor(u.email, (m) => /password/i.test(m.subject));
  assert.doesNotMatch(mail.text, /Brand-new-passphrase-42/);
  assert.match(mail.text, new RegExp(u.username));
});

test('a token from a login ends with a password change made in the same second', async () => {
  const u = await s.user();
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: u.password } });
  assert.equal(login.statusCode, 200);
  const issued = login.json().token as string;
  // No clock movement: the token names the password it was issued under, not just a second.
  const changed = await s.request({ method: 'PUT', url: `/api/users/${u.username}/password/`, token: issued,
    body: { password: u.password, new_password: 'Same-second-passphrase-9' } });
  assert.equal(changed.statusCode, 200, changed.body);
  const old = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: issued });
  assert.equal(old.statusCode, 401);
  assert.match(old.json().detail, /password change/);
  const fresh = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: changed.json().token });
  assert.equal(fresh.statusCode, 200);
  const verified = await s.request({ method: 'POST', url: '/api/auth/tokens/', body: { token: changed.json().token } });
  assert.equal(verified.statusCode, 200);
});

test('PATCH password with a session cookie refreshes the cookie', async () => {
  const u = await s.user();
  s.clock.advance(2);
  const res = await s.request({ method: 'PATCH', url: `/api/users/${u.username}/password/`,
    headers: { cookie: `sessionid=${u.token}` }, body: { password: u.password, new_password: 'Another-good-passphrase-7' } });
  assert.equal(res.statusCode, 200, res.body);
  const cookie = String(res.headers['set-cookie']);
  assert.match(cookie, /sessionid=/);
  const value = /sessionid=([^;]+)/.exec(cookie)![1];
  assert.equal(value, json(res).token);
  const check = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: { cookie: `sessionid=${value}` } });
  assert.equal(check.statusCode, 200);
});

test('password change: wrong caller password, weak new password, bad bodies, strangers, anonymous', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/password/`;
  let res = await s.request({ method: 'PUT', url, token: u.token, body: { password: 'wrong-password', new_password: 'Brand-new-passphrase-42' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(json(res).password, ['Incorrect password.']);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, new_password: 'yoyo' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).new_password);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).new_password);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, new_password: 42 } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PUT', url, token: u.token, body: '{"password"' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PUT', url, token: bob.token, body: { password: bob.password, new_password: 'Brand-new-passphrase-42' } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url: '/api/users/nobody-here/password/', token: u.token, body: { password: u.password, new_password: 'Brand-new-passphrase-42' } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url, body: { password: u.password, new_password: 'Brand-new-passphrase-42' } });
  assert.equal(res.statusCode, 401);
  const still = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, token: u.token });
  assert.equal(still.statusCode, 200);
});

test('the broker manager sets another user password with their own password', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/password/`;
  let res = await s.request({ method: 'PUT', url, token: s.admin.token, body: { password: u.password, new_password: 'Managers-choice-99' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(json(res).password, ['Incorrect password.']);
  res = await s.request({ method: 'PUT', url, token: s.admin.token, body: { password: s.admin.password, new_password: 'Managers-choice-99' } });
  assert.equal(res.statusCode, 200);
  const row = await s.core.db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.ok(await verifyPassword(row.password_hash, 'Managers-choice-99'));
  // The token handed back is the manager's, still valid.
  const check = await s.request({ method: 'GET', url: '/api/users/', token: json(res).token });
  assert.equal(check.statusCode, 200);
});

// ---------------------------------------------------------------- api keys

test('POST /api/users/{user}/api-keys/ makes a key that authenticates; the previous one stops', async () => {
  const u = await s.user();
  let res = await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } });
  assert.equal(res.statusCode, 200, res.body);
  const first = json(res).secret;
  assert.equal(typeof first, 'string');
  assert.ok(first.length >= 40);
  res = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(first) });
  assert.equal(res.statusCode, 200);
  assert.equal(json(res).slug, u.username);
  res = await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } });
  const second = json(res).secret;
  assert.notEqual(second, first);
  res = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(first) });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(second) });
  assert.equal(res.statusCode, 200);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.equal(events.filter((e) => e.type === 'api_key.reset').length, 2);
  const mail = await s.smtp.waitFor(u.email, (m) => /API key/i.test(m.subject));
  assert.ok(!mail.text.includes(second) && !mail.text.includes(first));
});

test('api-keys: wrong password, missing field, bad JSON, wrong type, strangers, unknown, anonymous', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/api-keys/`;
  let res = await s.request({ method: 'POST', url, token: u.token, body: { password: 'nope-nope' } });
  assert.equal(res.statusCode, 400);
  assert.deepEqual(json(res).password, ['Incorrect password.']);
  res = await s.request({ method: 'POST', url, token: u.token, body: {} });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).password);
  res = await s.request({ method: 'POST', url, token: u.token, body: '{' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url, token: u.token, body: { password: true } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url, token: bob.token, body: { password: bob.password } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'POST', url: '/api/users/nobody-here/api-keys/', token: u.token, body: { password: u.password } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'POST', url, body: { password: u.password } });
  assert.equal(res.statusCode, 401);
  const keys = await s.core.db.selectFrom('api_keys').select('id').where('user_id', '=', u.id).execute();
  assert.equal(keys.length, 0);
  res = await s.request({ method: 'POST', url, token: s.admin.token, body: { password: s.admin.password } });
  assert.equal(res.statusCode, 200);
});

// ---------------------------------------------------------------- ssh keys

test('PUT /api/users/{user}/ssh-keys/ accepts rsa, ed25519 and ecdsa keys', async () => {
  const u = await s.user();
  for (const type of ['rsa', 'ed25519', 'ecdsa'] as const) {
    const pubkey = sshKey(type);
    const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/ssh-keys/`, token: u.token, body: { pubkey, password: u.password } });
    assert.equal(res.statusCode, 200, `${type}: ${res.body}`);
    assert.deepEqual(json(res), { detail: 'Public key updated successfully.' });
    const row = await s.core.db.selectFrom('users').select('ssh_pubkey').where('id', '=', u.id).executeTakeFirstOrThrow();
    assert.equal(row.ssh_pubkey, pubkey);
  }
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.equal(events.filter((e) => e.type === 'ssh_key.changed').length, 3);
});

test('ssh-keys: malformed keys and the usual refusals', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/ssh-keys/`;
  const good = sshKey('ed25519');
  const blob = good.split(' ')[1];
  for (const pubkey of ['ssh-rsa AAAAB3N...', `ssh-rsa ${blob}`, `ssh-dss ${blob}`, 'ssh-ed25519', `ssh-ed25519 ${blob}\nssh-ed25519 ${blob}`, `${good} ${'x'.repeat(500)}`]) {
    const res = await s.request({ method: 'PUT', url, token: u.token, body: { pubkey, password: u.password } });
    assert.equal(res.statusCode, 400, pubkey);
    assert.ok(json(res).pubkey, pubkey);
  }
  let res = await s.request({ method: 'PUT', url, token: u.token, body: { pubkey: good, password: 'wrong-one' } });
  assert.deepEqual(json(res).password, ['Incorrect password.']);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { pubkey: good } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).password);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { pubkey: 1, password: u.password } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PUT', url, token: u.token, body: 'pubkey=1' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PUT', url, token: bob.token, body: { pubkey: good, password: bob.password } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url: '/api/users/nobody-here/ssh-keys/', token: u.token, body: { pubkey: good, password: u.password } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url, body: { pubkey: good, password: u.password } });
  assert.equal(res.statusCode, 401);
  const row = await s.core.db.selectFrom('users').select('ssh_pubkey').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.ssh_pubkey, null);
  res = await s.request({ method: 'PUT', url, token: s.admin.token, body: { pubkey: good, password: s.admin.password } });
  assert.equal(res.statusCode, 200);
});

// ---------------------------------------------------------------- otp

test('PUT /api/users/{user}/otp/ turns on the authenticator; its codes verify', async () => {
  const u = await s.user();
  const res = await s.request({ method: 'PUT', url: `/api/users/${u.username}/otp/`, token: u.token, body: { password: u.password, otp_enabled: true } });
  assert.equal(res.statusCode, 200, res.body);
  const { priv_key, provisioning_uri } = json(res);
  assert.match(priv_key, /^[A-Z2-7]+=*$/);
  assert.match(provisioning_uri, /^otpauth:\/\/totp\//);
  assert.ok(provisioning_uri.includes(`secret=${priv_key}`));
  // Kept aside, sealed, until a first code from the app confirms it (test/identity/totp.test.ts).
  const pending = await s.core.db.selectFrom('users').select(['otp_pending_secret', 'otp_enabled']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(pending.otp_enabled, false);
  assert.ok(pending.otp_pending_secret && !pending.otp_pending_secret.includes(priv_key));
  const first = await generate({ secret: priv_key, epoch: Math.floor(s.clock.now.getTime() / 1000) });
  const confirmed = await s.request({ method: 'PUT', url: `/api/users/${u.username}/otp/`, token: u.token, body: { password: u.password, otp_enabled: true, code: first } });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  const row = await s.core.db.selectFrom('users').select(['id', 'otp_secret', 'otp_last_step', 'otp_enabled']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_enabled, true);
  assert.ok(row.otp_secret && !row.otp_secret.includes(priv_key));
  // The confirming code is spent; the next step's code verifies.
  const now = new Date(s.clock.now.getTime() + 30_000);
  const code = await generate({ secret: priv_key, epoch: Math.floor(now.getTime() / 1000) });
  assert.equal(await verifyOtpCode(s.core, s.core.db, row, code, now), true);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).execute();
  assert.ok(events.some((e) => e.type === 'otp.changed'));
});

test('otp settings: e-mail verification, phone needs a phone, disabling clears the seed', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/otp/`;
  const { priv_key } = json(await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, otp_enabled: true } }));
  const first = await generate({ secret: priv_key, epoch: Math.floor(s.clock.now.getTime() / 1000) });
  await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, otp_enabled: true, code: first } });
  let res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, email_verification_enabled: true } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { otp_enabled: true, email_verification_enabled: true, phone_verification_enabled: false });
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, phone_verification_enabled: true } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).phone_verification_enabled);
  await s.core.db.updateTable('users').set({ phone: '+15555550123' }).where('id', '=', u.id).execute();
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, phone_verification_enabled: true, otp_enabled: false } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { otp_enabled: false, email_verification_enabled: true, phone_verification_enabled: true });
  const row = await s.core.db.selectFrom('users').select(['otp_secret', 'otp_enabled']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_secret, null);
  assert.equal(row.otp_enabled, false);
});

test('otp: wrong password, missing password, wrong types, strangers, unknown, anonymous', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/otp/`;
  let res = await s.request({ method: 'PUT', url, token: u.token, body: { password: 'wrong-one', otp_enabled: true } });
  assert.deepEqual(json(res).password, ['Incorrect password.']);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { otp_enabled: true } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).password);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { password: u.password, otp_enabled: 'yes' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).otp_enabled);
  res = await s.request({ method: 'PUT', url, token: u.token, body: '{]' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'PUT', url, token: bob.token, body: { password: bob.password, otp_enabled: true } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url: '/api/users/nobody-here/otp/', token: u.token, body: { password: u.password } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url, body: { password: u.password } });
  assert.equal(res.statusCode, 401);
  const row = await s.core.db.selectFrom('users').select(['otp_secret']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.otp_secret, null);
  res = await s.request({ method: 'PUT', url, token: s.admin.token, body: { password: s.admin.password } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { otp_enabled: false, email_verification_enabled: false, phone_verification_enabled: false });
});

// ---------------------------------------------------------------- notifications

test('notifications: defaults to all, POST as in the seed, PUT/PATCH replace, GET reads back', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/notifications/`;
  let res = await s.request({ method: 'GET', url, token: u.token });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res).notifications, [...NOTIFICATION_NAMES]);
  assert.ok(NOTIFICATION_NAMES.includes('user_registered_notice' as never));
  assert.ok(NOTIFICATION_NAMES.includes('contact_requested_notice' as never));
  res = await s.request({ method: 'POST', url, token: u.token, body: { notifications: ['user_registered_notice'] } });
  assert.equal(res.statusCode, 200);
  assert.deepEqual(json(res), { notifications: ['user_registered_notice'] });
  res = await s.request({ method: 'GET', url, token: u.token });
  assert.deepEqual(json(res), { notifications: ['user_registered_notice'] });
  res = await s.request({ method: 'PUT', url, token: u.token, body: { notifications: ['user_activated_notice', 'user_registered_notice', 'user_activated_notice'] } });
  assert.deepEqual(json(res).notifications, ['user_registered_notice', 'user_activated_notice']);
  res = await s.request({ method: 'PATCH', url, token: s.admin.token, body: { notifications: [] } });
  assert.equal(res.statusCode, 200);
  res = await s.request({ method: 'GET', url, token: s.admin.token });
  assert.deepEqual(json(res), { notifications: [] });
});

test('notifications: unknown names, bad bodies, strangers, unknown users, anonymous', async () => {
  const u = await s.user();
  const url = `/api/users/${u.username}/notifications/`;
  let res = await s.request({ method: 'PUT', url, token: u.token, body: { notifications: ['user_registered_notice', 'free_pizza_notice'] } });
  assert.equal(res.statusCode, 400);
  assert.match(json(res).notifications[0], /free_pizza_notice/);
  res = await s.request({ method: 'PUT', url, token: u.token, body: {} });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).notifications);
  res = await s.request({ method: 'PUT', url, token: u.token, body: { notifications: 'user_registered_notice' } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url, token: u.token, body: '{"notifications": [' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'GET', url, token: bob.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'PUT', url, token: bob.token, body: { notifications: [] } });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'GET', url: '/api/users/nobody-here/notifications/', token: s.admin.token });
  assert.equal(res.statusCode, 404);
  res = await s.request({ method: 'GET', url });
  assert.equal(res.statusCode, 401);
  res = await s.request({ method: 'GET', url, token: u.token });
  assert.deepEqual(json(res).notifications, [...NOTIFICATION_NAMES]);
});

// ---------------------------------------------------------------- contact us

test('POST /api/contact/ mails the broker managers, anonymous allowed', async () => {
  const marker = unique('demo');
  const res = await s.request({ method: 'POST', url: '/api/contact/',
    body: { email: 'joe+1@example.com', full_name: 'Joe Card1', message: `Can I request a demo? ${marker}` } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(json(res), { detail: 'Your request has been sent. We will reply within 24 hours. Thank you.' });
  const mail = await s.smtp.waitFor(s.admin.email, (m) => m.text.includes(marker));
  assert.match(mail.subject, /Joe Card1/);
  assert.match(mail.text, /joe\+1@example\.com/);
  assert.match(mail.text, /Joe Card1/);
});

test('POST /api/contact/ validates its body', async () => {
  let res = await s.request({ method: 'POST', url: '/api/contact/', body: { email: 'joe@example.com' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).full_name);
  res = await s.request({ method: 'POST', url: '/api/contact/', body: { email: 'joe', full_name: 'Joe' } });
  assert.equal(res.statusCode, 400);
  assert.ok(json(res).email);
  res = await s.request({ method: 'POST', url: '/api/contact/', body: { email: 'joe@example.com', full_name: 'Joe', message: 3 } });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url: '/api/contact/', body: '{"email"' });
  assert.equal(res.statusCode, 400);
  res = await s.request({ method: 'POST', url: '/api/contact/', token: bob.token, body: { email: 'b@example.com', full_name: 'Bob' } });
  assert.equal(res.statusCode, 200);
});

test('POST /api/contact/ goes to MAIL_FROM without broker managers, and is rate-limited', async () => {
  const other = await startService({ AUTH_RATE_LIMIT: '2' });
  try {
    await other.core.db.deleteFrom('roles').execute();
    const body = { email: 'joe@example.com', full_name: 'Joe', message: 'hello' };
    let res = await other.request({ method: 'POST', url: '/api/contact/', body, ip: '10.9.9.9' });
    assert.equal(res.statusCode, 200);
    const mail = await other.smtp.waitFor('portal@example.com');
    assert.match(mail.text, /hello/);
    res = await other.request({ method: 'POST', url: '/api/contact/', body, ip: '10.9.9.9' });
    assert.equal(res.statusCode, 200);
    res = await other.request({ method: 'POST', url: '/api/contact/', body, ip: '10.9.9.9' });
    assert.equal(res.statusCode, 429);
    res = await other.request({ method: 'POST', url: '/api/contact/', body, ip: '10.9.9.10' });
    assert.equal(res.statusCode, 200);
  } finally {
    await other.stop();
  }
});

test('an API key records when it was last used, at most once a minute', async () => {
  const u = await s.user();
  const made = await s.request({ method: 'POST', url: `/api/users/${u.username}/api-keys/`, token: u.token, body: { password: u.password } });
  assert.equal(made.statusCode, 200, made.body);
  const key = json(made).secret as string;
  const lastUsed = async () => (await s.core.db.selectFrom('api_keys').select('last_used_at')
    .where('user_id', '=', u.id).where('revoked_at', 'is', null).executeTakeFirstOrThrow()).last_used_at;
  assert.equal(await lastUsed(), null);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) })).statusCode, 200);
  const first = await lastUsed();
  assert.ok(first);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) })).statusCode, 200);
  assert.equal((await lastUsed())!.getTime(), first.getTime());
  s.clock.advance(61);
  assert.equal((await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: basic(key) })).statusCode, 200);
  assert.ok((await lastUsed())!.getTime() > first.getTime());
});
