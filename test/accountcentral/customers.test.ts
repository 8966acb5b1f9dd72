// Accountcentral's customers: lists, parents, full info, updates and status, creating a user
// the customer owns, who used its applications, its configuration and a workspace's counters.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization } from '../support/fixtures.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { acWorld, teamUser, type AcWorld } from './world.js';
import { makeWorkspace } from './customers-fixtures.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService();
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

const AC = '/accountcentral';

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  const body = res.json();
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.logref, 'string');
  assert.equal(body.data.code, code);
  assert.equal(body.data.status, status);
  assert.ok(Array.isArray(body.errors));
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(body.errors));
}

test('Get customer: the seed\'s Customer, field by field; unknown and unrelated customers are 404', async () => {
  await s.core.db.updateTable('organizations').set({ street_address: '1 Main St', country: 'IT', phone: '+39 02 1234' })
    .where('id', '=', w.C.id).execute();
  const res = await w.call('team', 'GET', `${AC}/customers/${w.C.id}`);
  assert.equal(res.statusCode, 200);
  const c = res.json();
  assert.deepEqual(Object.keys(c).sort(), ['address', 'country', 'gid', 'groupPk', 'name', 'parentGroupPk', 'phone', 'platformResponsible',
    'premium', 'privacyResponsible', 'status', 'technicalResponsible'].sort());
  assert.equal(c.groupPk, w.C.id);
  assert.equal(c.name, `Org ${w.C.slug}`);
  assert.equal(c.address, '1 Main St');
  assert.equal(c.country, 'IT');
  assert.equal(c.phone, '+39 02 1234');
  assert.equal(c.status, 'ACTIVE');
  assert.equal(c.premium, false);
  assert.equal(c.gid, w.C.slug);
  assert.equal(c.parentGroupPk, w.P.id);
  assert.equal(c.platformResponsible, null);
  assertError(await w.call('staff', 'GET', `${AC}/customers/999999999`), 404, 'organization.not_found');
  assertError(await w.call('other', 'GET', `${AC}/customers/${w.C.id}`), 404, 'organization.not_found');
  assertError(await w.call('staff', 'GET', `${AC}/customers/abc`), 400, 'field.invalid', 'groupPk');
  assertError(await w.call('anonymous', 'GET', `${AC}/customers/${w.C.id}`), 401, 'auth.required');
});

test('Get customers (the caller\'s): roles and the tree below what they manage; name and excludeUserPk filter; pages from 0', async () => {
  const D = await makeOrganization(s, { fullName: `Zed ${unique('d')}` });
  await placeOrganization(s, D, { partner: w.C });
  const pm = await w.call('manager', 'GET', `${AC}/customers?size=100`);
  assert.equal(pm.statusCode, 200);
  const ids = pm.json().elements.map((e: { groupPk: number }) => e.groupPk);
  assert.ok(ids.includes(w.C.id) && ids.includes(D.id), 'C and its sub-customer D');
  assert.ok(!ids.includes(w.X.id) && !ids.includes(w.P.id));
  const page = pm.json().page;
  assert.deepEqual(page, { size: 100, number: 0, totalElements: ids.length, totalPages: 1 });
  const byName = (await w.call('manager', 'GET', `${AC}/customers?name=zed`)).json();
  assert.deepEqual(byName.elements.map((e: { groupPk: number }) => e.groupPk), [D.id]);
  const excluded = (await w.call('manager', 'GET', `${AC}/customers?excludeUserPk=${w.tu.id}&size=100`)).json();
  assert.ok(!excluded.elements.some((e: { groupPk: number }) => e.groupPk === w.C.id), 'tu belongs to C');
  assert.ok(excluded.elements.some((e: { groupPk: number }) => e.groupPk === D.id));
  const second = (await w.call('manager', 'GET', `${AC}/customers?size=1&page=1`)).json();
  assert.equal(second.page.number, 1);
  assert.equal(second.elements.length, 1);
  assertError(await w.call('manager', 'GET', `${AC}/customers?size=0`), 400, 'field.invalid', 'size');
  assertError(await w.call('manager', 'GET', `${AC}/customers?excludeUserPk=x`), 400, 'field.invalid', 'excludeUserPk');
});

test('Get customers (parents): up the partner tree, nearest first', async () => {
  const G = await makeOrganization(s);
  await placeOrganization(s, w.P, { partner: G });
  const D = await makeOrganization(s);
  await placeOrganization(s, D, { partner: w.C });
  const res = await w.call('staff', 'GET', `${AC}/customers/${D.id}/parents`);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json().elements.map((e: { groupPk: number }) => e.groupPk), [w.C.id, w.P.id, G.id]);
  assert.equal(res.json().page.totalElements, 3);
  const top = (await w.call('staff', 'GET', `${AC}/customers/${G.id}/parents`)).json();
  assert.deepEqual(top.elements, []);
  assertError(await w.call('other', 'GET', `${AC}/customers/${D.id}/parents`), 404, 'organization.not_found');
  await s.core.db.updateTable('organizations').set({ partner_id: null }).where('id', '=', w.P.id).execute();
});

test('Update customer: fields by its managers, premium and status from above, INACTIVE refused, bad input named', async () => {
  const body = {
    name: 'Renamed customer', address: 'Via Roma 1', country: 'IT', phone: '+39 06 000',
    platformResponsible: 'platform@example.com', technicalResponsible: 'tech@example.com', privacyResponsible: 'dpo@example.com',
  };
  const res = await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, body);
  assert.equal(res.statusCode, 200, res.body);
  const c = res.json();
  for (const [key, value] of Object.entries(body)) assert.equal(c[key], value, key);
  // The same organization on the native API.
  const native = await s.request({ method: 'GET', url: `/api/profile/${c.gid}/`, token: w.cm.token });
  assert.equal(native.json().full_name, 'Renamed customer');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { premium: true }), 403, 'access.denied');
  const premium = await s.request({ method: 'PUT', url: `${AC}/customers/${w.C.id}`, body: { premium: true }, token: (await pmOf()).token });
  assert.equal(premium.statusCode, 200);
  assert.equal(premium.json().premium, true);
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { status: 'SUSPENDED' }), 403, 'access.denied');
  assertError(await w.call('staff', 'PUT', `${AC}/customers/${w.C.id}`, { status: 'INACTIVE' }), 400, 'customer.inactive_refused', 'status');
  assertError(await w.call('team', 'PUT', `${AC}/customers/${w.C.id}`, { phone: '1' }), 403, 'access.denied');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, '{"name":'), 400, 'field.invalid');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { platformResponsible: 'not-an-email' }), 400, 'field.invalid', 'platformResponsible');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { premium: 'yes' }), 400, 'field.invalid', 'premium');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { status: 'GONE' }), 400, 'field.invalid', 'status');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}`, { colour: 'red' }), 400, 'field.invalid');
  assertError(await w.call('staff', 'PUT', `${AC}/customers/999999999`, { phone: '1' }), 404, 'organization.not_found');
  // A taken gid (slug) is refused, and the refusal changes nothing else.
  const taken = await w.call('staff', 'PUT', `${AC}/customers/${w.C.id}`, { gid: w.X.slug, phone: '+1 999' });
  assert.equal(taken.statusCode, 400);
  assert.equal((await w.call('staff', 'GET', `${AC}/customers/${w.C.id}`)).json().phone, '+39 06 000');
});

async function pmOf() {
  return w.pm;
}

test('Partial update customer (only status): suspending refuses its members at once; reactivating lets them back', async () => {
  const C = await makeOrganization(s);
  await placeOrganization(s, C, { partner: w.P });
  const member = await teamUser(s, C);
  const manager = await s.user();
  await grantRole(s, C, manager.id, 'manager');
  assert.equal((await s.request({ method: 'GET', url: `${AC}/customers/${C.id}`, token: member.token })).statusCode, 200);
  assertError(await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'SUSPENDED' }, token: manager.token }), 403, 'access.denied');
  const suspended = await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'SUSPENDED' }, token: w.pm.token });
  assert.equal(suspended.statusCode, 200);
  assert.equal(suspended.json().status, 'SUSPENDED');
  assertError(await s.request({ method: 'GET', url: `${AC}/customers/${C.id}`, token: member.token }), 403, 'organization.suspended');
  assertError(await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'ACTIVE' }, token: manager.token }), 403, 'organization.suspended');
  const again = await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'SUSPENDED' }, token: w.pm.token });
  assert.equal(again.statusCode, 200, 'the same status changes nothing');
  const back = await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'ACTIVE' }, token: w.pm.token });
  assert.equal(back.json().status, 'ACTIVE');
  assert.equal((await s.request({ method: 'GET', url: `${AC}/customers/${C.id}`, token: member.token })).statusCode, 200);
  assertError(await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: {}, token: w.pm.token }), 400, 'field.invalid', 'status');
  assertError(await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 1 }, token: w.pm.token }), 400, 'field.invalid', 'status');
  assertError(await s.request({ method: 'PATCH', url: `${AC}/customers/${C.id}`, body: { status: 'INACTIVE' }, token: w.pm.token }), 400, 'customer.inactive_refused');
  const events = await s.core.db.selectFrom('organization_events').select('type').where('organization_id', '=', C.id).orderBy('id').execute();
  assert.deepEqual(events.map((e) => e.type), ['suspended', 'reactivated']);
});

test('Create user: an account the customer owns, a member of it, with its roles and an activation mail; never a password', async () => {
  const username = unique('made').toLowerCase();
  const email = `${username}@example.com`;
  const res = await w.call('manager', 'POST', `${AC}/customers/${w.C.id}/users`, {
    username, name: 'Ada', surname: 'Lovelace', email, language: 'it', sex: 'F', send: 'onlyStat', hub: 'EDITOR', cplan: null,
  });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(Object.keys(res.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(res.json().resultCode, 'OK');
  assert.ok(!/password/i.test(res.body));
  const user = await s.core.db.selectFrom('users').selectAll().where('slug', '=', username).executeTakeFirstOrThrow();
  assert.equal(user.home_organization_id, w.C.id);
  assert.equal(user.password_hash, null);
  assert.equal(user.first_name, 'Ada');
  assert.equal(user.last_name, 'Lovelace');
  assert.equal(user.sex, 'F');
  const roles = await w.call('manager', 'GET', `${AC}/users/${user.id}/roles`);
  assert.deepEqual(roles.json(), { hub: ['EDITOR'], send: ['onlyStat'] });
  const member = await s.core.db.selectFrom('roles').select(['accepted_at', 'grant_key_hash']).where('user_id', '=', user.id)
    .where('organization_id', '=', w.C.id).executeTakeFirstOrThrow();
  assert.ok(member.accepted_at);
  assert.equal(member.grant_key_hash, null);
  // The mailbox's owner chooses the password, then logs in.
  const mail = await s.smtp.waitFor(email, (m) => m.text.includes('/api/auth/activate/'));
  const act = await s.request({ method: 'POST', url: pathOf(linkIn(mail, '/api/auth/activate/')), body: { new_password: 'Correct-Horse-Battery-77' } });
  assert.equal(act.statusCode, 200, act.body);
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username, password: 'Correct-Horse-Battery-77' } });
  assert.equal(login.statusCode, 200, login.body);
  // Its customer's manager administers it (a team account).
  assert.equal((await w.call('manager', 'PUT', `${AC}/users/${user.id}/roles`, { flow: 'VIEWER' })).statusCode, 200);
});

test('Create user: duplicates and bad input', async () => {
  const base = () => {
    const username = unique('dup').toLowerCase();
    return { username, name: 'N', surname: 'S', email: `${username}@example.com`, language: 'en', sex: 'M' };
  };
  const url = `${AC}/customers/${w.C.id}/users`;
  assertError(await w.call('manager', 'POST', url, { ...base(), username: w.xm.username }), 400, 'username.taken', 'username');
  // An address of an account the caller administers: said plainly.
  assertError(await w.call('manager', 'POST', url, { ...base(), email: w.tu.email }), 409, 'email.taken', 'email');
  // An address of another customer's account: the same answer as a new one, nothing made, its owner mailed.
  const hidden = { ...base(), email: w.xm.email };
  const res = await w.call('manager', 'POST', url, hidden);
  assert.equal(res.statusCode, 200);
  assert.equal(await s.core.db.selectFrom('users').select('id').where('slug', '=', hidden.username).executeTakeFirst(), undefined);
  await s.smtp.waitFor(w.xm.email, (m) => m.subject.includes('already have'));
  assertError(await w.call('manager', 'POST', url, { ...base(), send: 'everything' }), 400, 'field.invalid', 'send');
  assertError(await w.call('manager', 'POST', url, { ...base(), language: 'xx' }), 400, 'field.invalid', 'language');
  assertError(await w.call('manager', 'POST', url, { ...base(), sex: 'X' }), 400, 'field.invalid', 'sex');
  assertError(await w.call('manager', 'POST', url, { ...base(), email: 'nope' }), 400, 'field.invalid', 'email');
  const { surname: _s, ...missing } = base();
  assertError(await w.call('manager', 'POST', url, missing), 400, 'field.invalid', 'surname');
  assertError(await w.call('manager', 'POST', url, { ...base(), username: 'pending-x' }), 400, 'username.reserved');
  assertError(await w.call('manager', 'POST', url, '{'), 400, 'field.invalid');
  assertError(await w.call('team', 'POST', url, base()), 403, 'access.denied');
  assertError(await w.call('other', 'POST', url, base()), 404, 'organization.not_found');
  assertError(await w.call('manager', 'POST', `${AC}/customers/999999999/users`, base()), 404, 'organization.not_found');
});

test('Users that used any / one application for a customer, with first and last access', async () => {
  const t0 = new Date('2026-01-01T10:00:00Z');
  const t1 = new Date('2026-02-01T10:00:00Z');
  await s.core.db.insertInto('user_application_accesses').values([
    { user_id: w.tu.id, application: 'hub', organization_id: w.C.id, first_access_at: t0, last_access_at: t1 },
    { user_id: w.cm.id, application: 'send', organization_id: w.C.id, first_access_at: t0, last_access_at: t0 },
    { user_id: w.xm.id, application: 'hub', organization_id: w.X.id, first_access_at: t0, last_access_at: t1 },
  ]).execute();
  const all = await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/users`);
  assert.equal(all.statusCode, 200);
  assert.equal(all.json().page.totalElements, 2);
  const first = all.json().elements[0];
  assert.deepEqual(first, {
    userPk: w.tu.id, username: w.tu.username, name: null, surname: null, email: w.tu.email, application: 'hub',
    firstAccess: t0.getTime(), lastAccess: t1.getTime(),
  });
  const hub = (await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/hub/users`)).json();
  assert.deepEqual(hub.elements.map((e: { userPk: number }) => e.userPk), [w.tu.id]);
  assertError(await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/nope/users`), 404, 'platform_application.not_found');
  assertError(await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/users?page=-1`), 400, 'field.invalid', 'page');
  assertError(await w.call('team', 'GET', `${AC}/customers/${w.C.id}/applications/users`), 403, 'access.denied');
});

test('Customer configuration: gid, the OAuth2 client id (never its secret), smart relay, application users, webhook', async () => {
  await s.core.db.insertInto('oauth2_clients').values({ id: 'client-c-1', organization_id: w.C.id, secret_hash: 'x'.repeat(64), redirect_uris: '[]' }).execute();
  await s.core.db.updateTable('organizations').set({ webhook_url: 'https://hooks.example.com/c' }).where('id', '=', w.C.id).execute();
  const appUser = await s.core.db.insertInto('users').values({ slug: unique('app').toLowerCase(), email: null, home_organization_id: w.C.id, user_type: 'application' })
    .returning(['id', 'slug']).executeTakeFirstOrThrow();
  const put = await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/configuration`, { smartRelayEnable: true });
  assert.equal(put.statusCode, 200, put.body);
  const res = await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/configuration`);
  const c = res.json();
  const gid = (await w.call('staff', 'GET', `${AC}/customers/${w.C.id}`)).json().gid;
  assert.equal(c.gid, gid);
  assert.deepEqual(c.apiKey, { clientId: 'client-c-1' });
  assert.equal(c.smartRelayEnable, true);
  assert.deepEqual(c.genericUsers.map((u: { userPk: number; username: string }) => [u.userPk, u.username]), [[appUser.id, appUser.slug]]);
  assert.deepEqual(c.dataExchanges, [{ type: 'WEBHOOK', url: 'https://hooks.example.com/c' }]);
  assert.ok(!res.body.includes('x'.repeat(64)));
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/configuration`, { smartRelayEnable: 'on' }), 400, 'field.invalid', 'smartRelayEnable');
  const other = (await w.call('staff', 'GET', `${AC}/customers/${w.X.id}/configuration`)).json();
  assert.equal(other.apiKey, null);
  assert.equal(other.smartRelayEnable, false);
});

test('SFTP configuration: credentials sealed at rest, never answered, kept when sent back without them', async () => {
  const url = `${AC}/customers/${w.C.id}/configuration/sftp`;
  const put = await w.call('manager', 'PUT', url, [
    { host: 'sftp.example.com', port: 2222, username: 'drop', path: '/in', password: 'Sftp-Secret-1' },
    { host: 'keys.example.com', username: 'k', privateKey: '-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----' },
  ]);
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual(put.json(), [
    { host: 'sftp.example.com', port: 2222, username: 'drop', path: '/in', authentication: 'PASSWORD' },
    { host: 'keys.example.com', port: 22, username: 'k', path: null, authentication: 'PRIVATE_KEY' },
  ]);
  const stored = JSON.stringify((await s.core.db.selectFrom('customer_configurations').select('sftp').where('organization_id', '=', w.C.id)
    .executeTakeFirstOrThrow()).sftp);
  assert.ok(!stored.includes('Sftp-Secret-1') && !stored.includes('OPENSSH'), 'sealed at rest');
  const read = await w.call('manager', 'GET', url);
  assert.deepEqual(read.json(), put.json());
  assert.ok(!read.body.includes('Secret'));
  // Sent back as read: the credentials stay.
  const again = await w.call('manager', 'PUT', url, read.json().map(({ authentication: _a, ...e }: Record<string, unknown>) => e));
  assert.deepEqual(again.json().map((e: { authentication: string }) => e.authentication), ['PASSWORD', 'PRIVATE_KEY']);
  assertError(await w.call('manager', 'PUT', url, { host: 'x' }), 400, 'field.invalid');
  assertError(await w.call('manager', 'PUT', url, [{ host: 'x.example.com' }]), 400, 'field.invalid', 'username');
  assertError(await w.call('manager', 'PUT', url, [{ host: 'x.example.com', username: 'a', port: 70000 }]), 400, 'field.invalid', 'port');
  assertError(await w.call('manager', 'PUT', url, [{ host: 'x.example.com', username: 'a', password: 'p', privateKey: 'k' }]), 400, 'field.invalid');
});

test('Application configurations: a JSON object per application code; unknown code 404', async () => {
  const put = await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/applications/hub/configuration`, { configuration: { workspace: 7, nested: { a: [1, 2] } } });
  assert.equal(put.statusCode, 200, put.body);
  assert.deepEqual(put.json(), { workspace: 7, nested: { a: [1, 2] } });
  assert.deepEqual((await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/hub/configuration`)).json(), { workspace: 7, nested: { a: [1, 2] } });
  assert.deepEqual((await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/flow/configuration`)).json(), {});
  const all = (await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/configurations`)).json();
  assert.deepEqual(all.hub, { workspace: 7, nested: { a: [1, 2] } });
  assertError(await w.call('manager', 'GET', `${AC}/customers/${w.C.id}/applications/nope/configuration`), 404, 'platform_application.not_found');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/applications/nope/configuration`, { configuration: {} }), 404, 'platform_application.not_found');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/applications/hub/configuration`, { configuration: [1, 2] }), 400, 'field.invalid', 'configuration');
  assertError(await w.call('manager', 'PUT', `${AC}/customers/${w.C.id}/applications/hub/configuration`, { configuration: 'text' }), 400, 'field.invalid', 'configuration');
});

test('Hub workspace counters: the customer\'s stack, its applications counted by status; nodes filter', async () => {
  const ws = await makeWorkspace(s, w.C.id, ['READY', 'READY', 'FAILED']);
  const res = await w.call('team', 'GET', `${AC}/customers/${w.C.id}/applications/hub/workspaces/${ws.id}/counters`);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), { data: [{ type: 'NODES', status: 'FAILED', count: 1 }, { type: 'NODES', status: 'READY', count: 2 }], total: 3 });
  const some = await w.call('team', 'GET', `${AC}/customers/${w.C.id}/applications/hub/workspaces/${ws.id}/counters?nodes=${ws.nodes[0]}&nodes=${ws.nodes[2]}`);
  assert.deepEqual(some.json().data.map((d: { status: string; count: number }) => [d.status, d.count]), [['FAILED', 1], ['READY', 1]]);
  const theirs = await makeWorkspace(s, w.X.id, ['READY']);
  assertError(await w.call('staff', 'GET', `${AC}/customers/${w.C.id}/applications/hub/workspaces/${theirs.id}/counters`), 404, 'stack.not_found');
  assertError(await w.call('team', 'GET', `${AC}/customers/${w.C.id}/applications/hub/workspaces/${ws.id}/counters?nodes=a`), 400, 'field.invalid', 'nodes');
});
