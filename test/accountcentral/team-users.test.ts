// Accountcentral's team users: their info, preferences and associated customers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, quickUser, QUICK_PASSWORD } from '../support/fixtures.js';
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
const raw = (who: TestUser, method: string, url: string, payload: string) =>
  s.request({ method: method as 'GET', url, body: payload, token: who.token, headers: { 'content-type': 'application/json' } });

function isResult(res: Res): void {
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(Object.keys(res.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(res.json().resultCode, 'OK');
}

function isError(res: Res, status: number, code?: string, field?: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['data', 'errors', 'logref', 'message']);
  assert.equal(body.data.status, status);
  if (code) assert.equal(body.data.code, code);
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field === field), `no error on ${field}: ${res.body}`);
}

const UNKNOWN = 2_000_000_000;

test('get info user: UserInfo field by field, with suspensionInfo', async () => {
  const u = await teamUser(s, w.C, 'info');
  await s.core.db.updateTable('users').set({
    first_name: 'Ada', last_name: 'Lovelace', phone: '+390612345678', phone_verified_at: new Date(), mobile: '+390698765432',
    date_of_birth: '1815-12-10', sex: 'F',
  }).where('id', '=', u.id).execute();
  const C = await s.core.db.selectFrom('organizations').select('full_name').where('id', '=', w.C.id).executeTakeFirstOrThrow();
  const res = await as(w.cm, 'GET', `/accountcentral/users/${u.id}`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    userPk: u.id, name: 'Ada', surname: 'Lovelace', username: u.username, email: u.email, groupName: C.full_name,
    phone: '+390698765432', cellPhone: '+390612345678', dateOfBirth: '1815-12-10', sex: 'F', cellPhoneVerified: true,
    status: 'ACTIVE', userType: 'INTERACTIVE', suspensionInfo: null,
  });
  // The user reads themselves; the partner's manager and staff read; others do not.
  assert.equal((await as(u, 'GET', `/accountcentral/users/${u.id}`)).statusCode, 200);
  assert.equal((await as(w.pm, 'GET', `/accountcentral/users/${u.id}`)).statusCode, 200);
  assert.equal((await as(s.admin, 'GET', `/accountcentral/users/${u.id}`)).statusCode, 200);
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}`), 404, 'user.not_found');
  isError(await as(w.tu, 'GET', `/accountcentral/users/${u.id}`), 404, 'user.not_found');
  isError(await as(null, 'GET', `/accountcentral/users/${u.id}`), 401, 'auth.required');
  isError(await as(w.cm, 'GET', `/accountcentral/users/${UNKNOWN}`), 404, 'user.not_found');
  isError(await as(w.cm, 'GET', '/accountcentral/users/0'), 400, 'field.invalid', 'userPk');
  // An account its owner made: groupName null.
  const own = (await as(s.admin, 'GET', `/accountcentral/users/${w.cm.id}`)).json();
  assert.equal(own.groupName, null);
});

test('modify info of user: names, numbers, date and sex; username and the read-only fields never change', async () => {
  const u = await teamUser(s, w.C, 'modify');
  const res = await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, {
    userPk: u.id, username: u.username, name: 'Grace', surname: 'Hopper', phone: '+1 (212) 555-0100', dateOfBirth: '1906-12-09', sex: 'F',
    status: 'ACTIVE', userType: 'INTERACTIVE', cellPhoneVerified: false,
  });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.name, 'Grace');
  assert.equal(body.surname, 'Hopper');
  assert.equal(body.phone, '+12125550100');
  assert.equal(body.dateOfBirth, '1906-12-09');
  assert.equal(body.sex, 'F');
  assert.equal(body.username, u.username);
  assert.equal(body.cellPhone, null);
  assert.deepEqual(await as(w.cm, 'GET', `/accountcentral/users/${u.id}`).then((r) => r.json()), body);
  // Read-only fields refused, each named.
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { username: 'someone-else' }), 400, 'field.invalid', 'username');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { status: 'SUSPENDED' }), 400, 'field.invalid', 'status');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { userType: 'APPLICATION' }), 400, 'field.invalid', 'userType');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { cellPhoneVerified: true }), 400, 'field.invalid', 'cellPhoneVerified');
  // A new mobile number (where the PIN goes) needs the caller's password, and waits for its code.
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { cellPhone: '+393331234567' }), 400, 'password.required', 'password');
  const pending = await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { cellPhone: '+393331234567', password: QUICK_PASSWORD });
  assert.equal(pending.statusCode, 200, pending.body);
  assert.equal(pending.json().cellPhone, null);
  const row = await s.core.db.selectFrom('users').select('pending_phone').where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.equal(row.pending_phone, '+393331234567');
  // A new e-mail address waits for its link.
  const mailed = await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { email: `new-${u.username}@example.com`, password: QUICK_PASSWORD });
  assert.equal(mailed.statusCode, 200, mailed.body);
  assert.equal(mailed.json().email, u.email);
  await s.smtp.waitFor(`new-${u.username}@example.com`);
  // Bad input: each field named as Accountcentral names it.
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { phone: '12' }), 400, 'field.invalid', 'phone');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { dateOfBirth: '1906-13-40' }), 400, 'field.invalid', 'dateOfBirth');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { sex: 'X' }), 400, 'field.invalid', 'sex');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { name: 42 }), 400, 'field.invalid', 'name');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}`, { nickname: 'x' }), 400, 'field.invalid', 'nickname');
  isError(await raw(w.cm, 'PUT', `/accountcentral/users/${u.id}`, '{"name":'), 400, 'field.invalid');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${UNKNOWN}`, { name: 'x' }), 404, 'user.not_found');
  isError(await as(w.xm, 'PUT', `/accountcentral/users/${u.id}`, { name: 'x' }), 404, 'user.not_found');
  isError(await as(w.tu, 'PUT', `/accountcentral/users/${u.id}`, { name: 'x' }), 404, 'user.not_found');
  // A manager of a customer the user merely joined reads but does not change.
  const joiner = await quickUser(s, 'joiner');
  await grantRole(s, w.C, joiner.id, 'contributor');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${joiner.id}`, { name: 'Taken' }), 404, 'user.not_found');
});

test('preferences of a team user: read, changed by the team\'s manager, checked against the options', async () => {
  const u = await teamUser(s, w.C, 'prefs');
  const res = await as(w.cm, 'GET', `/accountcentral/users/${u.id}/preferences`);
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    timezone: 'UTC', language: 'en', weekBegin: 'monday',
    numberFormat: { value: '1,234.56', label: 'Comma thousands, dot decimals' },
    dateFormat: { value: 'YYYY-MM-DD', label: '2026-01-31' },
    hourFormat: { value: 'HH:mm', label: '24-hour clock (13:45)' },
  });
  const changed = await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, {
    timezone: 'Europe/Rome', language: 'it', weekBegin: 'sunday', numberFormat: { value: '1.234,56' }, dateFormat: { value: 'DD/MM/YYYY', label: 'x' },
  });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.deepEqual(changed.json(), {
    timezone: 'Europe/Rome', language: 'it', weekBegin: 'sunday',
    numberFormat: { value: '1.234,56', label: 'Dot thousands, comma decimals' },
    dateFormat: { value: 'DD/MM/YYYY', label: '31/01/2026' },
    hourFormat: { value: 'HH:mm', label: '24-hour clock (13:45)' },
  });
  assert.deepEqual((await as(u, 'GET', `/accountcentral/users/${u.id}/preferences`)).json(), changed.json());
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, { weekBegin: 'friday' }), 400, 'field.invalid', 'weekBegin');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, { hourFormat: { value: 'hh' } }), 400, 'field.invalid', 'hourFormat');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, { hourFormat: {} }), 400, 'field.invalid', 'hourFormat.value');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, { timezone: 3 }), 400, 'field.invalid', 'timezone');
  isError(await raw(w.cm, 'PUT', `/accountcentral/users/${u.id}/preferences`, '[1,'), 400, 'field.invalid');
  isError(await as(w.cm, 'PUT', `/accountcentral/users/${UNKNOWN}/preferences`, { timezone: 'UTC' }), 404, 'user.not_found');
  isError(await as(w.xm, 'PUT', `/accountcentral/users/${u.id}/preferences`, { timezone: 'UTC' }), 404, 'user.not_found');
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}/preferences`), 404, 'user.not_found');
  isError(await as(w.tu, 'GET', `/accountcentral/users/${u.id}/preferences`), 404, 'user.not_found');
});

test('associated customers: listed with the home one marked; filtered by name, containing or starting with', async () => {
  const u = await teamUser(s, w.C, 'assoc');
  const D = await makeOrganization(s, { fullName: 'Delta Marketing' });
  await placeOrganization(s, D, { partner: w.P });
  const E = await makeOrganization(s, { fullName: 'Echo Delta' });
  await placeOrganization(s, E, { partner: w.P });
  // The partner's manager associates the team user with two customers below it.
  isResult(await as(w.pm, 'POST', `/accountcentral/users/${u.id}/customers`, [D.id, E.id, D.id]));
  const res = await as(w.pm, 'GET', `/accountcentral/users/${u.id}/customers`);
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.page.totalElements, 3);
  const byPk = new Map(body.elements.map((e: { groupPk: number }) => [e.groupPk, e]));
  assert.deepEqual(byPk.get(D.id), { groupPk: D.id, groupName: 'Delta Marketing', status: 'ACTIVE', parentGroupPk: w.P.id, roles: ['contributor'], creationGroup: false });
  assert.equal((byPk.get(w.C.id) as { creationGroup: boolean }).creationGroup, true);
  const containing = (await as(w.pm, 'GET', `/accountcentral/users/${u.id}/customers?groupName=delta`)).json();
  assert.deepEqual(containing.elements.map((e: { groupName: string }) => e.groupName), ['Delta Marketing', 'Echo Delta']);
  const starting = (await as(w.pm, 'GET', `/accountcentral/users/${u.id}/customers?groupName=delta&groupNameMode=startsWith`)).json();
  assert.deepEqual(starting.elements.map((e: { groupName: string }) => e.groupName), ['Delta Marketing']);
  const paged = (await as(w.pm, 'GET', `/accountcentral/users/${u.id}/customers?size=1&page=2`)).json();
  assert.deepEqual(paged.page, { size: 1, number: 2, totalElements: 3, totalPages: 3 });
  // C's manager sees only what it relates to: C.
  const cmView = (await as(w.cm, 'GET', `/accountcentral/users/${u.id}/customers`)).json();
  assert.deepEqual(cmView.elements.map((e: { groupPk: number }) => e.groupPk), [w.C.id]);
  isError(await as(w.cm, 'GET', `/accountcentral/users/${u.id}/customers?groupNameMode=endsWith`), 400, 'field.invalid', 'groupNameMode');
  isError(await as(w.xm, 'GET', `/accountcentral/users/${u.id}/customers`), 404, 'user.not_found');
  isError(await as(w.cm, 'GET', `/accountcentral/users/${UNKNOWN}/customers`), 404, 'user.not_found');
  // The association is a real membership: the user reads D's users now.
  assert.equal((await as(u, 'GET', `/accountcentral/customers/${D.id}/users`)).statusCode, 200);
});

test('associate customers: only customers the caller manages; all or nothing; idempotent and race-safe', async () => {
  const u = await teamUser(s, w.C, 'assoc2');
  const F = await makeOrganization(s);
  // X is not C's manager's: refused, and nothing is associated (not even C, already held, or F).
  const fm = await quickUser(s, 'fm');
  await grantRole(s, F, fm.id, 'manager');
  await grantRole(s, F, w.cm.id, 'manager');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, [F.id, w.X.id]), 404, 'organization.not_found');
  const held = () => s.core.db.selectFrom('roles').select('organization_id').where('user_id', '=', u.id).execute();
  assert.deepEqual((await held()).map((r) => r.organization_id), [w.C.id]);
  // A customer where the caller is a mere member: 403.
  const G = await makeOrganization(s);
  await grantRole(s, G, w.cm.id, 'contributor');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, [G.id]), 403, 'access.denied');
  // Twenty parallel associations give one role.
  const answers = await Promise.all(Array.from({ length: 8 }, () => as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, [F.id])));
  for (const res of answers) isResult(res);
  const rows = await held();
  assert.deepEqual(rows.map((r) => r.organization_id).sort((a, b) => a - b), [w.C.id, F.id].sort((a, b) => a - b));
  const role = await s.core.db.selectFrom('roles').selectAll().where('user_id', '=', u.id).where('organization_id', '=', F.id).executeTakeFirstOrThrow();
  assert.equal(role.grant_key_hash, null);
  assert.equal(role.request_key, null);
  assert.ok(role.accepted_at);
  await s.smtp.waitFor(u.email, (m) => m.text.includes('A manager of your team'));
  // A pending request of the user is accepted by the association.
  const H = await makeOrganization(s);
  await grantRole(s, H, w.cm.id, 'manager');
  await s.core.db.insertInto('roles').values({
    organization_id: H.id, user_id: u.id, request_key: `req${u.id}x${H.id}`, created_at: new Date(),
    role_description_id: (await s.core.db.selectFrom('role_descriptions').select('id').where('slug', '=', 'contributor').where('organization_id', 'is', null).executeTakeFirstOrThrow()).id,
  }).execute();
  isResult(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, [H.id]));
  const accepted = await s.core.db.selectFrom('roles').select(['request_key', 'accepted_at']).where('user_id', '=', u.id).where('organization_id', '=', H.id).execute();
  assert.equal(accepted.length, 1);
  assert.equal(accepted[0]!.request_key, null);
  // Who may: the team's managers; not a manager of a customer the user merely joined.
  const joiner = await quickUser(s, 'joiner2');
  await grantRole(s, w.C, joiner.id, 'contributor');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${joiner.id}/customers`, [F.id]), 404, 'user.not_found');
  isError(await as(w.xm, 'POST', `/accountcentral/users/${u.id}/customers`, [w.X.id]), 404, 'user.not_found');
  isError(await as(w.tu, 'POST', `/accountcentral/users/${u.id}/customers`, [w.C.id]), 404, 'user.not_found');
  isError(await as(null, 'POST', `/accountcentral/users/${u.id}/customers`, [w.C.id]), 401);
  isError(await as(w.cm, 'POST', `/accountcentral/users/${UNKNOWN}/customers`, [w.C.id]), 404, 'user.not_found');
  // Bad input.
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, []), 400, 'field.invalid');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, { groupPk: 1 }), 400, 'field.invalid');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, ['one']), 400, 'field.invalid', '0');
  isError(await raw(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, '[1,'), 400, 'field.invalid');
  isError(await as(w.cm, 'POST', `/accountcentral/users/${u.id}/customers`, [UNKNOWN]), 404, 'organization.not_found');
});

test('remove customers association: every customer the caller manages, or those named; the last manager stays', async () => {
  const u = await teamUser(s, w.C, 'remove');
  const D = await makeOrganization(s);
  const E = await makeOrganization(s);
  const Y = await makeOrganization(s);
  for (const org of [D, E]) await grantRole(s, org, w.cm.id, 'manager');
  await grantRole(s, Y, w.xm.id, 'manager');
  for (const org of [D, E, Y]) await grantRole(s, org, u.id, 'contributor');
  const orgsOf = async () => (await s.core.db.selectFrom('roles').select('organization_id').where('user_id', '=', u.id).execute())
    .map((r) => r.organization_id).sort((a, b) => a - b);
  // Only those named.
  isResult(await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`, [D.id]));
  assert.deepEqual(await orgsOf(), [w.C.id, E.id, Y.id].sort((a, b) => a - b));
  // Named again: nothing to do, still fine.
  isResult(await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`, [D.id]));
  // One the caller does not manage: refused.
  isError(await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`, [Y.id]), 404, 'organization.not_found');
  // No body: every customer the caller manages (C and E), not Y.
  const res = await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`);
  isResult(res);
  assert.match(res.json().result, /2 customers/);
  assert.deepEqual(await orgsOf(), [Y.id]);
  // The account stays C's.
  assert.equal((await as(w.cm, 'GET', `/accountcentral/users/${u.id}`)).json().groupName !== null, true);
  // The last manager of a customer is kept, and nothing is removed.
  const boss = await teamUser(s, w.C, 'boss', 'manager');
  const K = await makeOrganization(s);
  await grantRole(s, K, boss.id, 'manager');
  await grantRole(s, K, w.pm.id, 'contributor');
  const before = await s.core.db.selectFrom('roles').select('id').where('user_id', '=', boss.id).execute();
  isError(await as(s.admin, 'DELETE', `/accountcentral/users/${boss.id}/customers`), 409, 'role.last_manager');
  assert.equal((await s.core.db.selectFrom('roles').select('id').where('user_id', '=', boss.id).execute()).length, before.length);
  isError(await as(w.xm, 'DELETE', `/accountcentral/users/${u.id}/customers`), 404, 'user.not_found');
  isError(await as(w.cm, 'DELETE', `/accountcentral/users/${UNKNOWN}/customers`), 404, 'user.not_found');
  isError(await as(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`, ['x']), 400, 'field.invalid');
  isError(await raw(w.cm, 'DELETE', `/accountcentral/users/${u.id}/customers`, '[1'), 400, 'field.invalid');
});
