// Accountcentral: roles per application, capabilities (grant, revoke, history), the caller's
// AccountCentral role per customer, the catalog's roles, and the authorization server's read.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { acWorld, type AcWorld } from './world.js';

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
  assert.equal(res.json().data.code, code);
  assert.equal(typeof res.json().logref, 'string');
  if (field) assert.ok(res.json().errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(res.json().errors));
}

test('app roles: the catalog\'s roles offered at creation', async () => {
  const res = await w.call('team', 'GET', `${AC}/options/app-roles`);
  assert.equal(res.statusCode, 200);
  assert.deepEqual(res.json(), {
    hub: ['ADMIN', 'EDITOR', 'VIEWER'], cplan: ['ADMIN', 'PLANNER', 'VIEWER'], send: ['default', 'noSend', 'onlyStat'], flow: ['ADMIN', 'EDITOR', 'VIEWER'],
  });
  assertError(await w.call('anonymous', 'GET', `${AC}/options/app-roles`), 401, 'auth.required');
});

test('Assign roles and Get roles of applications: one role per application, checked against the catalog', async () => {
  const url = `${AC}/users/${w.tu.id}/roles`;
  const res = await w.call('manager', 'PUT', url, { hub: 'ADMIN', send: 'noSend', accountcentral: 'USER' });
  assert.equal(res.statusCode, 200, res.body);
  const msg = res.json();
  assert.equal(msg.message, 'Roles assigned.');
  assert.equal(typeof msg.logref, 'string');
  assert.deepEqual(msg.errors, []);
  assert.deepEqual(msg.data.roles, { accountcentral: ['USER'], hub: ['ADMIN'], send: ['noSend'] });
  const changed = await w.call('staff', 'PUT', url, { hub: null, flow: 'EDITOR' });
  assert.deepEqual(changed.json().data.roles, { accountcentral: ['USER'], flow: ['EDITOR'], send: ['noSend'] });
  assert.deepEqual((await w.call('team', 'GET', url)).json(), { accountcentral: ['USER'], flow: ['EDITOR'], send: ['noSend'] });
  assertError(await w.call('manager', 'PUT', url, { hub: 'OWNER' }), 400, 'field.invalid', 'hub');
  assertError(await w.call('manager', 'PUT', url, { hub: 5 }), 400, 'field.invalid', 'hub');
  assertError(await w.call('manager', 'PUT', url, { crm: 'ADMIN' }), 400, 'field.invalid');
  assertError(await w.call('manager', 'PUT', url, '{"hub"'), 400, 'field.invalid');
  assertError(await w.call('team', 'PUT', url, { hub: 'ADMIN' }), 404, 'user.not_found');
  assertError(await w.call('other', 'PUT', url, { hub: 'ADMIN' }), 404, 'user.not_found');
  assertError(await w.call('staff', 'PUT', `${AC}/users/999999999/roles`, { hub: 'ADMIN' }), 404, 'user.not_found');
  // A manager of an organization an account merely joined does not change its roles.
  assertError(await w.call('manager', 'PUT', `${AC}/users/${w.xm.id}/roles`, { hub: 'ADMIN' }), 404, 'user.not_found');
});

test('Grant, Revoke and the log: per customer, replaced on the same resource, who and when', async () => {
  const url = `${AC}/users/${w.tu.id}/capabilities`;
  const resource = ['customers', String(w.C.id)];
  const granted = await w.call('manager', 'POST', url, { application: 'accountcentral', version: 1, resource, role: 'CUSTOMER_CARE' });
  assert.equal(granted.statusCode, 200, granted.body);
  assert.deepEqual(Object.keys(granted.json()).sort(), ['id', 'result', 'resultCode', 'timestamp']);
  assert.equal(granted.json().resultCode, 'OK');
  const first = granted.json().id;
  // The caller's AccountCentral role for that customer comes from the capability.
  assert.deepEqual((await w.call('team', 'GET', `${AC}/user/role?groupPk=${w.C.id}`)).json(), { role: 'CUSTOMER_CARE' });
  assert.deepEqual((await w.call('team', 'GET', `${AC}/user/role?groupPk=${w.X.id}`)).json(), { role: null });
  // The same again changes nothing; another role replaces it.
  assert.equal((await w.call('manager', 'POST', url, { application: 'accountcentral', version: 1, resource, role: 'CUSTOMER_CARE' })).json().id, first);
  const second = (await w.call('staff', 'POST', url, { application: 'accountcentral', version: 1, resource, role: 'DKIM' })).json().id;
  assert.notEqual(second, first);
  assert.deepEqual((await w.call('team', 'GET', `${AC}/user/role?groupPk=${w.C.id}`)).json(), { role: 'DKIM' });
  // What the authorization server reads for tu's token; nothing for nobody.
  assert.deepEqual((await w.call('team', 'GET', `${AC}/internal/capabilities`)).json(), {
    accountcentral: { version: 1, resources: { [`customers/${w.C.id}`]: 'DKIM' } },
  });
  assert.deepEqual((await w.call('anonymous', 'GET', `${AC}/internal/capabilities`)).json(), {});
  assert.deepEqual((await w.call('manager', 'GET', `${AC}/internal/capabilities`)).json(), {});
  // Revoke.
  assertError(await w.call('manager', 'DELETE', `${url}/${first}`), 404, 'capability.not_found');
  const revoked = await w.call('manager', 'DELETE', `${url}/${second}`);
  assert.equal(revoked.statusCode, 200);
  assert.equal(revoked.json().resultCode, 'OK');
  assertError(await w.call('manager', 'DELETE', `${url}/${second}`), 404, 'capability.not_found');
  assert.deepEqual((await w.call('team', 'GET', `${AC}/user/role?groupPk=${w.C.id}`)).json(), { role: null });
  // The log, newest first.
  const log = await w.call('manager', 'GET', `${url}/log`);
  assert.equal(log.statusCode, 200);
  const entries = log.json().elements;
  assert.equal(log.json().page.totalElements, 4);
  assert.deepEqual(entries.map((e: { action: string; capabilityId: number }) => [e.action, e.capabilityId]),
    [['REVOKED', second], ['GRANTED', second], ['REVOKED', first], ['GRANTED', first]]);
  assert.deepEqual(entries.map((e: { by: string }) => e.by), [w.cm.username, w.staff.username, w.staff.username, w.cm.username]);
  const e = entries[1];
  assert.equal(e.application, 'accountcentral');
  assert.equal(e.version, 1);
  assert.deepEqual(e.resource, resource);
  assert.equal(e.role, 'DKIM');
  assert.equal(typeof e.date, 'number');
  assertError(await w.call('team', 'GET', `${url}/log`), 404, 'user.not_found');
});

test('Grant capability: bad input, and only on customers the caller manages', async () => {
  const url = `${AC}/users/${w.tu.id}/capabilities`;
  const ok = { application: 'accountcentral', version: 1, resource: ['customers', String(w.C.id)], role: 'USER' };
  assertError(await w.call('manager', 'POST', url, { ...ok, application: 'nope' }), 400, 'field.invalid', 'application');
  assertError(await w.call('manager', 'POST', url, { ...ok, role: 'ROOT' }), 400, 'field.invalid', 'role');
  assertError(await w.call('manager', 'POST', url, { ...ok, version: 0 }), 400, 'field.invalid', 'version');
  assertError(await w.call('manager', 'POST', url, { ...ok, version: '1' }), 400, 'field.invalid', 'version');
  assertError(await w.call('manager', 'POST', url, { ...ok, resource: ['workspaces', '1'] }), 400, 'field.invalid', 'resource');
  assertError(await w.call('manager', 'POST', url, { ...ok, resource: 'customers' }), 400, 'field.invalid', 'resource');
  const { role: _r, ...missing } = ok;
  assertError(await w.call('manager', 'POST', url, missing), 400, 'field.invalid', 'role');
  assertError(await w.call('manager', 'POST', url, '['), 400, 'field.invalid');
  // Another customer: not one the manager manages (it reads as unknown).
  assertError(await w.call('manager', 'POST', url, { ...ok, resource: ['customers', String(w.X.id)] }), 400, 'field.invalid', 'resource');
  // A customer the caller sees but does not manage.
  const tuAlso = await w.call('staff', 'POST', `${AC}/users/${w.tu.id}/capabilities`, { ...ok, resource: ['customers', String(w.P.id)] });
  assert.equal(tuAlso.statusCode, 200);
  assertError(await w.call('manager', 'DELETE', `${url}/${tuAlso.json().id}`), 400, 'field.invalid', 'resource');
  assertError(await w.call('other', 'POST', url, ok), 404, 'user.not_found');
  assertError(await w.call('anonymous', 'POST', url, ok), 401, 'auth.required');
  assertError(await w.call('team', 'GET', `${AC}/user/role?groupPk=x`), 400, 'field.invalid', 'groupPk');
});

test('two grants at once on the same resource: one capability in force', async () => {
  const url = `${AC}/users/${w.tu.id}/capabilities`;
  const resource = ['customers', String(w.C.id), 'dkim'];
  const both = await Promise.all(['ADMIN', 'USER'].map((role) => w.call('staff', 'POST', url, { application: 'accountcentral', version: 2, resource, role })));
  assert.deepEqual(both.map((r) => r.statusCode), [200, 200]);
  const inForce = await s.core.db.selectFrom('user_capabilities').select('id').where('user_id', '=', w.tu.id)
    .where('revoked_at', 'is', null).where('resource', '=', JSON.stringify(resource)).execute();
  assert.equal(inForce.length, 1);
});
