// Package routing (P1-P3): one routing per application, its parameters matched in any
// order, one application per parameters of a package; who may set it, and bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { deployWorld, makePackage, type DeployWorld } from './deploy-fixtures.js';

let s: TestService;
let w: DeployWorld;
let pkg: { id: number; uuid: string; type: string };

before(async () => {
  s = await startService();
  w = await deployWorld(s);
  pkg = await makePackage(s);
});
after(async () => { await s?.stop(); });

async function application(): Promise<number> {
  const stack = await s.request({ method: 'POST', url: `/integration/organizations/${w.customer.id}/stacks`, token: w.owner.token, body: {} });
  assert.equal(stack.statusCode, 201, stack.body);
  await s.core.jobs.idle();
  const app = await s.request({ method: 'POST', url: `/integration/stacks/${stack.json().id}/applications`, token: w.owner.token, body: { package_id: pkg.id } });
  assert.equal(app.statusCode, 201, app.body);
  await s.core.jobs.idle();
  return app.json().id;
}

const url = (id: number) => `/integration/applications/${id}/routing`;

test('an application gets one routing; the same parameters in another order route to it alone; update and delete by parameters', async () => {
  const first = await application();
  const created = await s.request({ method: 'POST', url: url(first), token: w.maintainer.token, body: { params: { portal_id: '42', kind: 'crm' } } });
  assert.equal(created.statusCode, 201, created.body);
  const routing = created.json();
  assert.equal(routing.package_uuid, pkg.uuid);
  assert.equal(routing.package_type, pkg.type);
  assert.equal(routing.params, 'kind=crm&portal_id=42');
  assert.deepEqual(routing.source_params, { portal_id: '42', kind: 'crm' });
  const app = (await s.request({ method: 'GET', url: `/integration/applications/${first}`, token: w.owner.token })).json();
  assert.equal(routing.url, `https://${app.domain}/`);

  // A second routing for the same application, or the same parameters for another one: 409.
  const again = await s.request({ method: 'POST', url: url(first), token: w.owner.token, body: { params: { other: '1' } } });
  assert.equal(again.statusCode, 409);
  const second = await application();
  const clash = await s.request({ method: 'POST', url: url(second), token: w.owner.token, body: { params: { kind: 'crm', portal_id: '42' } } });
  assert.equal(clash.statusCode, 409);
  assert.equal(clash.json().code, 'request.conflict');

  const updated = await s.request({ method: 'PUT', url: url(first), token: w.partner.token, body: { params: { portal_id: '43' } } });
  assert.equal(updated.statusCode, 200, updated.body);
  assert.equal(updated.json().params, 'portal_id=43');
  assert.equal(updated.json().id, routing.id);
  // The former parameters are free again.
  assert.equal((await s.request({ method: 'POST', url: url(second), token: w.owner.token, body: { params: { kind: 'crm', portal_id: '42' } } })).statusCode, 201);

  const wrongParams = await s.request({ method: 'DELETE', url: url(first), token: w.owner.token, body: { params: { portal_id: '42' } } });
  assert.equal(wrongParams.statusCode, 404);
  assert.equal(wrongParams.json().code, 'routing.not_found');
  const deleted = await s.request({ method: 'DELETE', url: url(first), token: w.owner.token, body: { params: { portal_id: '43' } } });
  assert.equal(deleted.statusCode, 200);
  assert.equal(deleted.body, 'null');
  assert.equal((await s.request({ method: 'PUT', url: url(first), token: w.owner.token, body: { params: { portal_id: '44' } } })).statusCode, 404);
  // A new routing may follow the deleted one.
  assert.equal((await s.request({ method: 'POST', url: url(first), token: w.owner.token, body: { params: { portal_id: '43' } } })).statusCode, 201);
});

test('routing: callers and bad input', async () => {
  const id = await application();
  const good = { params: { a: '1' } };
  assert.equal((await s.request({ method: 'POST', url: url(id), body: good })).statusCode, 401);
  const stranger = await s.request({ method: 'POST', url: url(id), token: w.stranger.token, body: good });
  assert.equal(stranger.statusCode, 404);
  assert.equal(stranger.json().code, 'application.not_found');
  assert.equal((await s.request({ method: 'POST', url: url(999999), token: w.owner.token, body: good })).statusCode, 404);
  for (const [body, field] of [
    ['{"params": ', 'non_field_errors'],
    [{}, 'params'],
    [{ params: 'a=1' }, 'params'],
    [{ params: { a: 1 } }, 'params'],
    [{ params: {} }, 'params'],
    [{ params: { a: '1' }, extra: true }, 'extra'],
  ] as const) {
    const res = await s.request({ method: 'POST', url: url(id), token: w.owner.token, body });
    assert.equal(res.statusCode, 400, `${JSON.stringify(body)}: ${res.body}`);
    assert.match(res.json().description, new RegExp(field), res.body);
  }
  assert.equal((await s.request({ method: 'PUT', url: url(id), token: w.owner.token, body: { params: [] } })).statusCode, 400);
  assert.equal((await s.request({ method: 'POST', url: '/integration/applications/abc/routing', token: w.owner.token, body: good })).statusCode, 400);
  // Nothing was written by the refusals.
  assert.equal((await s.request({ method: 'PUT', url: url(id), token: w.owner.token, body: good })).statusCode, 404);
});
