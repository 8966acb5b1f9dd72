// Accountcentral's lists of a customer's users: all (search, filters, sort), those with
// failed logins, those with issues, and the application users.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, quickUser } from '../support/fixtures.js';
import { resetApiKey } from '../../src/core/identity/api-keys.js';
import { recordSecurityEvent } from '../../src/core/identity/security-events.js';
import { acWorld, teamUser, type AcWorld } from './world.js';

let s: TestService;
let w: AcWorld;
/** A sub-customer of C, with its own team user. */
let S: { id: number; slug: string };
let subUser: TestUser;
/** A closed sub-customer of C, with its own team user (never listed). */
let closedUser: TestUser;
/** A user who made their own account and joined C. */
let joiner: TestUser;

before(async () => {
  s = await startService({ PASSWORD_MAX_AGE_DAYS: '90' });
  w = await acWorld(s);
  S = await makeOrganization(s, { fullName: 'Sub Customer' });
  await placeOrganization(s, S, { partner: w.C });
  subUser = await teamUser(s, S, 'sub');
  const Z = await makeOrganization(s);
  await placeOrganization(s, Z, { partner: w.C, status: 'closed' });
  closedUser = await teamUser(s, Z, 'closed');
  joiner = await quickUser(s, 'joiner');
  await grantRole(s, w.C, joiner.id, 'contributor');
});
after(async () => { await s.stop(); });

type Res = Awaited<ReturnType<TestService['request']>>;
const as = (who: TestUser | null, url: string) => s.request({ method: 'GET', url, token: who?.token });

function isError(res: Res, status: number, code?: string, field?: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(body.data.status, status);
  if (code) assert.equal(body.data.code, code);
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field === field), `no error on ${field}: ${res.body}`);
}

/** The checks every list of a customer shares: refusals, unknown customer, bad paging and sort. */
async function commonRefusals(path: string, membersRead: boolean): Promise<void> {
  isError(await as(null, `/accountcentral/customers/${w.C.id}/${path}`), 401, 'auth.required');
  isError(await as(w.xm, `/accountcentral/customers/${w.C.id}/${path}`), 404, 'organization.not_found');
  if (!membersRead) isError(await as(w.tu, `/accountcentral/customers/${w.C.id}/${path}`), 403, 'access.denied');
  isError(await as(w.cm, `/accountcentral/customers/2000000000/${path}`), 404, 'organization.not_found');
  isError(await as(w.cm, `/accountcentral/customers/x/${path}`), 400, 'field.invalid', 'groupPk');
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/${path}?size=101`), 400, 'field.invalid', 'size');
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/${path}?page=-1`), 400, 'field.invalid', 'page');
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/${path}?sort=password`), 400, 'list.order_unknown', 'sort');
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/${path}?sort=username,sideways`), 400, 'field.invalid', 'sort');
}

test('users of a customer/sub-customers: team accounts and accepted members, searched, filtered and sorted', async () => {
  const res = await as(w.cm, `/accountcentral/customers/${w.C.id}/users`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const names = body.elements.map((e: { username: string }) => e.username);
  for (const u of [w.cm, w.tu, subUser, joiner]) assert.ok(names.includes(u.username), `${u.username} missing`);
  assert.ok(!names.includes(closedUser.username));
  assert.ok(!names.includes(w.xm.username));
  assert.deepEqual(names, [...names].sort());
  assert.equal(body.page.totalElements, names.length);
  const tu = body.elements.find((e: { userPk: number }) => e.userPk === w.tu.id);
  assert.deepEqual(Object.keys(tu).sort(), ['cellPhone', 'cellPhoneVerified', 'creationDate', 'creationGroupPk', 'dateOfBirth', 'email',
    'groupName', 'lastLoginDate', 'name', 'phone', 'sex', 'status', 'surname', 'userPk', 'userType', 'username'].sort());
  assert.equal(tu.creationGroupPk, w.C.id);
  assert.equal(tu.email, w.tu.email);
  assert.equal(tu.status, 'ACTIVE');
  assert.equal(tu.userType, 'INTERACTIVE');
  assert.equal(typeof tu.creationDate, 'number');
  assert.equal(body.elements.find((e: { userPk: number }) => e.userPk === joiner.id).creationGroupPk, null);
  // Search in name, surname, username, e-mail.
  await s.core.db.updateTable('users').set({ first_name: 'Zelda', last_name: 'Quixote' }).where('id', '=', subUser.id).execute();
  for (const q of ['zeld', 'QUIXO', subUser.username.slice(0, 8)]) {
    const found = (await as(w.cm, `/accountcentral/customers/${w.C.id}/users?search=${encodeURIComponent(q)}`)).json();
    assert.deepEqual(found.elements.map((e: { userPk: number }) => e.userPk), [subUser.id], q);
  }
  // Filters.
  await s.core.db.updateTable('users').set({ status: 'suspended', suspended_at: new Date() }).where('id', '=', subUser.id).execute();
  const suspended = (await as(w.cm, `/accountcentral/customers/${w.C.id}/users?status=SUSPENDED`)).json();
  assert.deepEqual(suspended.elements.map((e: { userPk: number }) => e.userPk), [subUser.id]);
  const app = await teamUser(s, w.C, 'app');
  await s.core.db.updateTable('users').set({ user_type: 'application' }).where('id', '=', app.id).execute();
  const apps = (await as(w.cm, `/accountcentral/customers/${w.C.id}/users?userType=APPLICATION`)).json();
  assert.deepEqual(apps.elements.map((e: { userPk: number; userType: string }) => [e.userPk, e.userType]), [[app.id, 'APPLICATION']]);
  // Sort descending, and pages.
  const desc = (await as(w.cm, `/accountcentral/customers/${w.C.id}/users?sort=username,desc&size=2`)).json();
  const all = (await as(w.cm, `/accountcentral/customers/${w.C.id}/users?sort=username,desc&size=100`)).json();
  assert.deepEqual(desc.elements, all.elements.slice(0, 2));
  assert.equal(desc.page.totalPages, Math.ceil(all.page.totalElements / 2));
  // The sub-customer's manager sees its users only; the partner's manager sees C's.
  assert.equal((await as(w.pm, `/accountcentral/customers/${w.C.id}/users`)).statusCode, 200);
  // A member reads the list.
  assert.equal((await as(w.tu, `/accountcentral/customers/${w.C.id}/users`)).statusCode, 200);
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/users?status=GONE`), 400, 'field.invalid', 'status');
  isError(await as(w.cm, `/accountcentral/customers/${w.C.id}/users?userType=robot`), 400, 'field.invalid', 'userType');
  await commonRefusals('users', true);
  await s.core.db.updateTable('users').set({ status: 'active', suspended_at: null }).where('id', '=', subUser.id).execute();
});

test('users with failed logins over 1 to 30 days: counts, consecutive, last, lockout', async () => {
  const D = await makeOrganization(s);
  const dm = await quickUser(s, 'dm');
  await grantRole(s, D, dm.id, 'manager');
  const a = await teamUser(s, D, 'fa');
  const b = await teamUser(s, D, 'fb');
  const login = (u: TestUser, password: string) => s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password }, ip: '10.3.3.3' });
  // An old failure, ten days ago.
  await recordSecurityEvent(s.core.db, a.id, 'login.failed', {}, new Date(s.clock.now.getTime() - 10 * 86_400_000), { reason: 'password' });
  await login(a, 'wrong-password-1');
  await login(a, a.password);
  await login(a, 'wrong-password-2');
  await login(a, 'wrong-password-3');
  await login(b, 'wrong-password-1');
  const res = await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?days=1`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(body.elements.map((e: { userPk: number }) => e.userPk), [a.id, b.id]);
  const first = body.elements[0];
  assert.equal(first.failedLogins, 3);
  assert.equal(first.consecutiveFailedLogins, 2);
  assert.equal(typeof first.lastFailedLogin, 'number');
  assert.equal(first.lockedOut, false);
  assert.equal(first.lockExpirationDate, null);
  assert.equal(first.username, a.username);
  const month = (await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?days=30`)).json();
  assert.equal(month.elements[0].failedLogins, 4);
  const byName = (await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?sort=failedLogins`)).json();
  assert.deepEqual(byName.elements.map((e: { userPk: number }) => e.userPk), [b.id, a.id]);
  // A lock shows.
  for (let i = 0; i < s.config.loginAccountMaxAttempts; i++) await s.request({ method: 'POST', url: '/api/auth/', body: { username: b.username, password: 'bad-password-x' }, ip: `10.4.${i}.1` });
  const locked = (await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?sort=consecutiveFailedLogins,desc`)).json();
  assert.equal(locked.elements[0].userPk, b.id);
  assert.equal(locked.elements[0].lockedOut, true);
  assert.ok(Date.parse(locked.elements[0].lockExpirationDate) > s.clock.now.getTime());
  isError(await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?days=0`), 400, 'field.invalid', 'days');
  isError(await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?days=31`), 400, 'field.invalid', 'days');
  isError(await as(dm, `/accountcentral/customers/${D.id}/users/failed-logins?days=week`), 400, 'field.invalid', 'days');
  await commonRefusals('users/failed-logins', false);
});


test('users with issues: each with its list of issue codes', async () => {
  const D = await makeOrganization(s);
  const dm = await quickUser(s, 'dm2');
  await grantRole(s, D, dm.id, 'manager');
  const fine = await teamUser(s, D, 'fine');
  const old = new Date(s.clock.now.getTime() - 100 * 86_400_000);
  const issues = await teamUser(s, D, 'issues');
  await s.core.db.updateTable('users').set({
    status: 'suspended', suspended_at: new Date(), email_verified_at: null, password_changed_at: old,
    phone_verification_enabled: true, phone: '+15550001111', phone_verified_at: null,
  }).where('id', '=', issues.id).execute();
  const nopass = await teamUser(s, D, 'nopass');
  await s.core.db.updateTable('users').set({ password_hash: null }).where('id', '=', nopass.id).execute();
  const failing = await teamUser(s, D, 'failing');
  await s.request({ method: 'POST', url: '/api/auth/', body: { username: failing.username, password: 'wrong-password-9' }, ip: '10.5.5.5' });
  const res = await as(dm, `/accountcentral/customers/${D.id}/users/issues?sort=issues,desc`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  const listed = new Map(body.elements.map((e: { userPk: number; issues: string[] }) => [e.userPk, e.issues]));
  assert.ok(!listed.has(fine.id));
  assert.ok(!listed.has(dm.id));
  assert.deepEqual(listed.get(issues.id), ['SUSPENDED', 'PASSWORD_EXPIRED', 'EMAIL_NOT_VERIFIED', 'PIN_NUMBER_NOT_VERIFIED']);
  assert.deepEqual(listed.get(nopass.id), ['NO_PASSWORD']);
  assert.deepEqual(listed.get(failing.id), ['FAILED_LOGINS']);
  assert.equal(body.elements[0].userPk, issues.id);
  assert.equal(body.page.totalElements, 3);
  // A lock is an issue until unlocked.
  for (let i = 0; i < s.config.loginAccountMaxAttempts; i++) await s.request({ method: 'POST', url: '/api/auth/', body: { username: fine.username, password: 'bad-password-y' }, ip: `10.6.${i}.1` });
  const after = (await as(dm, `/accountcentral/customers/${D.id}/users/issues`)).json();
  const fineIssues = after.elements.find((e: { userPk: number }) => e.userPk === fine.id).issues;
  assert.deepEqual(fineIssues, ['LOCKED_OUT', 'FAILED_LOGINS']);
  await commonRefusals('users/issues', false);
});

test('application users: when and by whom their credentials were made, never a secret', async () => {
  const D = await makeOrganization(s);
  const dm = await quickUser(s, 'dm3');
  await grantRole(s, D, dm.id, 'manager');
  const person = await teamUser(s, D, 'person');
  const robot = await teamUser(s, D, 'robot');
  const keyed = await teamUser(s, D, 'keyed');
  await s.core.db.updateTable('users').set({ user_type: 'application' }).where('id', 'in', [robot.id, keyed.id]).execute();
  let secret = '';
  await s.core.transact(async (tx) => {
    secret = await resetApiKey(tx, keyed.id, s.clock.now);
    await recordSecurityEvent(tx, keyed.id, 'api_key.reset', {}, s.clock.now, { by: dm.username });
  });
  // The robot's password is reset by the manager through the surface.
  const reset = await s.request({ method: 'POST', url: `/accountcentral/users/${robot.id}/password/reset`, token: dm.token });
  assert.equal(reset.statusCode, 200, reset.body);
  const res = await as(dm, `/accountcentral/customers/${D.id}/application-users?sort=username`);
  assert.equal(res.statusCode, 200, res.body);
  assert.ok(!res.body.includes(secret));
  assert.ok(!res.body.includes(reset.json().newPassword));
  const body = res.json();
  assert.deepEqual(body.elements.map((e: { userPk: number }) => e.userPk).sort(), [robot.id, keyed.id].sort());
  assert.ok(!body.elements.some((e: { userPk: number }) => e.userPk === person.id));
  const byPk = new Map(body.elements.map((e: { userPk: number }) => [e.userPk, e]));
  const k = byPk.get(keyed.id) as Record<string, unknown>;
  assert.equal(k.secretType, 'API_KEY');
  assert.equal(k.secretCreatedBy, dm.username);
  assert.equal(k.userType, 'APPLICATION');
  assert.ok(Math.abs((k.secretCreationDate as number) - s.clock.now.getTime()) < 60_000);
  const r = byPk.get(robot.id) as Record<string, unknown>;
  assert.equal(r.secretType, 'PASSWORD');
  assert.equal(r.secretCreatedBy, dm.username);
  const sorted = (await as(dm, `/accountcentral/customers/${D.id}/application-users?sort=secretCreationDate,desc`)).json();
  assert.equal(sorted.page.totalElements, 2);
  await commonRefusals('application-users', false);
});
