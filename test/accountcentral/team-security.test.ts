// Accountcentral's team administration of credentials: reset password and PIN, SMS
// verification codes, two-factor, suspension, lockout, security events. Who may: the
// managers of the customer that made the account and of the partners above it, and the
// broker's staff; never the managers of a customer the account merely joined.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, quickUser } from '../support/fixtures.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';
import { acWorld, teamUser, type AcWorld } from './world.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService();
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

type Res = Awaited<ReturnType<TestService['request']>>;
const as = (who: TestUser | null, method: string, url: string, body?: unknown) =>
  s.request({ method: method as 'GET', url, body, token: who?.token });

function isResult(res: Res, status = 200): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(typeof body.timestamp, 'number');
  assert.ok(Math.abs(body.timestamp - s.clock.now.getTime()) < 60_000);
  assert.equal(typeof body.result, 'string');
  assert.equal(body.resultCode, 'OK');
}

function isError(res: Res, status: number, code?: string, field?: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.logref, 'string');
  assert.equal(body.data.status, status);
  if (code) assert.equal(body.data.code, code);
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field === field), `no error on ${field}: ${res.body}`);
}

async function login(username: string, password: string): Promise<Res> {
  return s.request({ method: 'POST', url: '/api/auth/', body: { username, password }, ip: '10.9.9.9' });
}

async function withPhone(user: TestUser, verified = true): Promise<string> {
  const phone = `+1666${String(user.id).padStart(7, '0')}`;
  await s.core.db.updateTable('users').set({ phone, phone_verified_at: verified ? new Date() : null }).where('id', '=', user.id).execute();
  return phone;
}

function lastCode(phone: string): string {
  const sms = (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === phone).at(-1);
  assert.ok(sms, `no SMS to ${phone}`);
  return /\d{6}/.exec(sms.text)![0];
}

const UNKNOWN = 2_000_000_000;

test('reset password: a strong password answered once; the user logs in with it, every old session and key ends, and is mailed', async () => {
  const u = await teamUser(s, w.C, 'reset');
  const key = await s.core.transact(async (tx) => (await import('../../src/core/identity/api-keys.js')).resetApiKey(tx, u.id, new Date()));
  const res = await as(w.cm, 'POST', `/accountcentral/users/${u.id}/password/reset`);
  isResult(res);
  assert.equal(res.headers['cache-control'], 'no-store');
  const { newPassword } = res.json();
  assert.deepEqual(Object.keys(res.json()).sort(), ['newPassword', 'result', 'resultCode', 'timestamp']);
  assert.equal(newPassword.length, 20);
  for (const kind of [/[a-z]/, /[A-Z]/, /[2-9]/, /[-_.!@#%+=]/]) assert.match(newPassword, kind);
  const row = await s.core.db.selectFrom('users').select('password_hash').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.match(row.password_hash!, /^\$argon2id\$/);
  assert.ok(!row.password_hash!.includes(newPassword));
  // The old token and the API key stopped working at once.
  assert.equal((await as(u, 'GET', `/accountcentral/users/${u.id}`)).statusCode, 401);
  const byKey = await s.request({ method: 'GET', url: `/api/users/${u.username}/`, headers: { authorization: `Basic ${Buffer.from(`${key}:`).toString('base64')}` } });
  assert.equal(byKey.statusCode, 401);
  // The old password no longer works; the new one does.
  assert.equal((await login(u.username, u.password)).statusCode, 400);
  const logged = await login(u.username, newPassword);
  assert.equal(logged.statusCode, 200, logged.body);
  // The password the reset replaced is in the history: the owner cannot go back to it.
  const back = await s.request({ method: 'PUT', url: '/accountcentral/user/password', token: logged.json().token,
    body: { oldPassword: newPassword, newPassword: u.password } });
  isError(back, 400, 'password.reused', 'newPassword');
  const mail = await s.smtp.waitFor(u.email, (m) => /password was changed/.test(m.subject));
  assert.ok(mail.text.includes(w.cm.username));
  assert.ok(!mail.text.includes(newPassword));
  const event = await s.core.db.selectFrom('security_events').select(['type', 'detail']).where('user_id', '=', u.id)
    .where('type', '=', 'password.reset').executeTakeFirstOrThrow();
  assert.equal((event.detail as { by: string }).by, w.cm.username);
  // Two resets give two different passwords.
  const again = await as(s.admin, 'POST', `/accountcentral/users/${u.id}/password/reset`);
  isResult(again);
  assert.notEqual(again.json().newPassword, newPassword);
});

test('reset password: who may and who may not', async () => {
  // A user who made their own account and joined C: C's manager may not take it over.
  const joiner = await quickUser(s, 'joiner');
  await grantRole(s, w.C, joiner.id, 'contributor');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${joiner.id}/password/reset`), 404, 'user.not_found');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${joiner.id}/suspension`, { suspended: true }), 404, 'user.not_found');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${joiner.id}/pin/reset`), 404, 'user.not_found');
  // It may still read them (they accepted the role).
  assert.equal((await as(w.cm, 'GET', `/accountcentral/users/${joiner.id}`)).statusCode, 200);
  // The partner's manager above the home customer may.
  const u = await teamUser(s, w.C, 'partnered');
  isResult(await as(w.pm, 'POST', `/accountcentral/users/${u.id}/password/reset`));
  isResult(await as(w.pm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: true }));
  // Another customer's manager, a team user, nobody, an unknown id, oneself.
  isError(await as(w.xm, 'POST', `/accountcentral/users/${u.id}/password/reset`), 404, 'user.not_found');
  isError(await as(w.tu, 'POST', `/accountcentral/users/${u.id}/password/reset`), 404, 'user.not_found');
  isError(await as(null, 'POST', `/accountcentral/users/${u.id}/password/reset`), 401, 'auth.required');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${UNKNOWN}/password/reset`), 404, 'user.not_found');
  isError(await as(w.cm, 'POST', '/accountcentral/users/abc/password/reset'), 400, 'field.invalid', 'userPk');
  isError(await as(s.admin, 'POST', `/accountcentral/users/${s.admin.id}/password/reset`), 400, 'user.administer_self');
  // A manager of the home customer while that customer is suspended holds nothing.
  const D = await makeOrganization(s);
  const dm = await quickUser(s, 'dm');
  await grantRole(s, D, dm.id, 'manager');
  const d = await teamUser(s, D, 'dteam');
  await s.core.db.updateTable('organizations').set({ status: 'suspended', status_reason: 'test' }).where('id', '=', D.id).execute();
  isError(await as(dm, 'POST', `/accountcentral/users/${d.id}/password/reset`), 404, 'user.not_found');
});

test('suspend and reactivate: the user cannot log in and their tokens stop at once; suspensionInfo says why, when, by whom', async () => {
  const u = await teamUser(s, w.C, 'susp');
  assert.equal((await as(u, 'GET', `/accountcentral/users/${u.id}`)).statusCode, 200);
  const res = await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: true, reason: 'Left the company' });
  isResult(res);
  // The token in hand is refused at once, and a new login too.
  isError(await as(u, 'GET', `/accountcentral/users/${u.id}`), 401);
  const refused = await login(u.username, u.password);
  assert.equal(refused.statusCode, 403, refused.body);
  const info = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json();
  assert.equal(info.status, 'SUSPENDED');
  assert.equal(info.suspensionInfo.reason, 'Left the company');
  assert.equal(info.suspensionInfo.by, w.cm.username);
  assert.ok(Math.abs(info.suspensionInfo.suspendedAt - s.clock.now.getTime()) < 60_000);
  await s.smtp.waitFor(u.email, (m) => /suspended/.test(m.subject));
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: true }), 409, 'user.already_suspended');
  isResult(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: false }));
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: false }), 409, 'user.already_active');
  const back = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json();
  assert.equal(back.status, 'ACTIVE');
  assert.equal(back.suspensionInfo, null);
  assert.equal((await login(u.username, u.password)).statusCode, 200);
  // Without a reason, a generic one is kept.
  isResult(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: true }));
  assert.match((await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json().suspensionInfo.reason, /team/);
  // Bad input.
  isError(await s.request({ method: 'PUT', url: `/accountcentral/users/${u.id}/suspension`, token: w.cm.token, body: '{"suspended":', headers: { 'content-type': 'application/json' } }), 400, 'field.invalid');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, {}), 400, 'field.invalid', 'suspended');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/suspension`, { suspended: 'yes' }), 400, 'field.invalid', 'suspended');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${UNKNOWN}/suspension`, { suspended: true }), 404, 'user.not_found');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${w.cm.id}/suspension`, { suspended: true }), 404, 'user.not_found');
  isError(await as(s.admin, 'PUT', `/accountcentral/users/${s.admin.id}/suspension`, { suspended: true }), 400, 'user.suspend_self');
});

test('lockout: shown while failed logins lock the account, and unlocked', async () => {
  const u = await teamUser(s, w.C, 'lock');
  const none = await as(w.cm, 'GET', `/accountcentral/users/${u.id}/lockout`);
  assert.equal(none.statusCode, 200);
  assert.deepEqual(none.json(), { lockedOut: false, lockExpirationDate: null });
  for (let i = 0; i < s.config.loginAccountMaxAttempts; i++) {
    await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'wrong-password-1' }, ip: `10.7.${i}.1` });
  }
  const locked = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}/lockout`)).json();
  assert.equal(locked.lockedOut, true);
  assert.ok(Date.parse(locked.lockExpirationDate) > s.clock.now.getTime());
  isError(await as(w.xm, 'DELETE', `/accountcentral/users/${u.id}/lockout`), 404, 'user.not_found');
  isError(await as(w.tu, 'DELETE', `/accountcentral/users/${u.id}/lockout`), 404, 'user.not_found');
  isResult(await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/lockout`));
  assert.deepEqual((await as(w.cm, 'GET', `/accountcentral/users/${u.id}/lockout`)).json(), { lockedOut: false, lockExpirationDate: null });
  assert.equal((await login(u.username, u.password)).statusCode, 200);
  isError(await as(w.cm, 'GET', `/accountcentral/users/${UNKNOWN}/lockout`), 404, 'user.not_found');
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}/lockout`), 404, 'user.not_found');
});

test('SMS verification code: sent to the mobile number, valid 10 minutes, once; limited', async () => {
  const u = await teamUser(s, w.C, 'sms');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code`), 400, 'phone.missing', 'cellPhone');
  const phone = await withPhone(u, false);
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code`));
  // At once again: too soon.
  const soon = await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code`);
  isError(soon, 429, 'code.resend_too_soon');
  assert.ok(Number(soon.headers['retry-after']) > 0);
  const code = lastCode(phone);
  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, { code: Number(wrong) }), 400, 'code.invalid', 'code');
  // Bad input.
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, {}), 400, 'field.invalid', 'code');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, { code: '123456' }), 400, 'field.invalid', 'code');
  isError(await s.request({ method: 'POST', url: `/accountcentral/users/${u.id}/verification-code/verify`, token: w.cm.token, body: '{code', headers: { 'content-type': 'application/json' } }), 400, 'field.invalid');
  isError(await as(w.xm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, { code: Number(code) }), 404, 'user.not_found');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${UNKNOWN}/verification-code/verify`, { code: Number(code) }), 404, 'user.not_found');
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, { code: Number(code) }));
  assert.equal((await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json().cellPhoneVerified, true);
  // Used once.
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/verification-code/verify`, { code: Number(code) }), 400, 'code.not_sent');

  // A code older than 10 minutes no longer works.
  const late = await teamUser(s, w.C, 'late');
  const latePhone = await withPhone(late, false);
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code`));
  const lateCode = lastCode(latePhone);
  s.clock.advance(601);
  isError(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code/verify`, { code: Number(lateCode) }), 400, 'code.invalid');
  // Five wrong codes withdraw it.
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code`));
  const fresh = lastCode(latePhone);
  const bad = Number(fresh) === 1 ? 2 : 1;
  for (let i = 0; i < 4; i++) isError(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code/verify`, { code: bad }), 400, 'code.invalid');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code/verify`, { code: bad }), 429, 'code.too_many_failures');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${late.id}/verification-code/verify`, { code: Number(fresh) }), 429, 'code.too_many_failures');
  isError(await as(w.xm, 'POST', `/accountcentral/users/${late.id}/verification-code`), 404, 'user.not_found');
});

test('two-factor: on needs a verified mobile; status read back; reset PIN turns it off and forgets the verification', async () => {
  const u = await teamUser(s, w.C, 'pin');
  const off = await as(w.cm, 'GET', `/accountcentral/users/${u.id}/two-factor`);
  assert.equal(off.statusCode, 200);
  assert.deepEqual(off.json(), { active: false });
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: true }), 400, 'phone.not_verified', 'active');
  const phone = await withPhone(u, true);
  isResult(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: true }));
  assert.deepEqual((await as(w.cm, 'GET', `/accountcentral/users/${u.id}/two-factor`)).json(), { active: true });
  // Login now asks for the code texted to that number.
  const first = await login(u.username, u.password);
  assert.equal(first.statusCode, 400);
  assert.equal(first.json().code?.[0] !== undefined || /code/.test(first.body), true);
  assert.ok((s.core.sms as DevelopmentSmsSender).sent.some((m) => m.to === phone));
  // Bad input and refusals.
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, {}), 400, 'field.invalid', 'active');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: 1 }), 400, 'field.invalid', 'active');
  isError(await s.request({ method: 'PUT', url: `/accountcentral/users/${u.id}/two-factor`, token: w.cm.token, body: 'nope', headers: { 'content-type': 'application/json' } }), 400, 'field.invalid');
  isError(await as(w.xm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: false }), 404, 'user.not_found');
  isError(await as(w.tu, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: false }), 404, 'user.not_found');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${UNKNOWN}/two-factor`, { active: false }), 404, 'user.not_found');
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}/two-factor`), 404, 'user.not_found');

  // Reset PIN: off, and the number must be verified again.
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/pin/reset`));
  assert.deepEqual((await as(w.cm, 'GET', `/accountcentral/users/${u.id}/two-factor`)).json(), { active: false });
  const info = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json();
  assert.equal(info.cellPhone, phone);
  assert.equal(info.cellPhoneVerified, false);
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/two-factor`, { active: true }), 400, 'phone.not_verified');
  const mail = await s.smtp.waitFor(u.email, (m) => /PIN was reset/.test(m.subject));
  assert.ok(mail.text.includes(w.cm.username));
  assert.equal((await login(u.username, u.password)).statusCode, 200);
  isError(await as(w.xm, 'POST', `/accountcentral/users/${u.id}/pin/reset`), 404, 'user.not_found');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${UNKNOWN}/pin/reset`), 404, 'user.not_found');
});

test('security events of a user: paged, newest first, filtered by type and dates', async () => {
  const u = await teamUser(s, w.C, 'events');
  await login(u.username, 'wrong-password-2');
  await login(u.username, u.password);
  await as(w.cm, 'POST', `/accountcentral/users/${u.id}/pin/reset`);
  const res = await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?size=2`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.page, { size: 2, number: 0, totalElements: 3, totalPages: 2 });
  assert.deepEqual(body.elements.map((e: { type: string }) => e.type), ['pin.reset', 'login.succeeded']);
  const [first] = body.elements;
  assert.deepEqual(Object.keys(first).sort(), ['date', 'detail', 'ip', 'timestamp', 'type', 'userAgent']);
  assert.equal(first.timestamp, Date.parse(first.date));
  assert.equal(first.detail.by, w.cm.username);
  const second = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?size=2&page=1`)).json();
  assert.deepEqual(second.elements.map((e: { type: string }) => e.type), ['login.failed']);
  assert.equal(second.elements[0].ip, '10.9.9.9');
  const failed = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?type=login.failed`)).json();
  assert.equal(failed.page.totalElements, 1);
  const at = failed.elements[0].timestamp;
  assert.equal((await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?from=${at + 1}`)).json().page.totalElements, 2);
  assert.equal((await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?to=${at}`)).json().page.totalElements, 1);
  isError(await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?size=0`), 400, 'field.invalid', 'size');
  isError(await as(w.cm, 'GET', `/accountcentral/users/${u.id}/security-events?from=yesterday`), 400, 'field.invalid', 'from');
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}/security-events`), 404, 'user.not_found');
  isError(await as(w.cm, 'GET', `/accountcentral/users/${UNKNOWN}/security-events`), 404, 'user.not_found');
  isError(await as(null, 'GET', `/accountcentral/users/${u.id}/security-events`), 401);
});
