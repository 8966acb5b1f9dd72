// Stacks (S1-S5 and the deprecated creation): answered at once REQUESTED and locked, the
// deployment job makes them READY; lists with get.chat's filters and soft delete; quotas
// under races; bad input and callers who may not.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization } from '../support/fixtures.js';
import { deployWorld, type DeployWorld } from './deploy-fixtures.js';

let s: TestService;
let w: DeployWorld;
before(async () => {
  s = await startService({ DEPLOY_DOMAIN: 'inbox.test' });
  w = await deployWorld(s);
});
after(async () => { await s.stop(); });

const stacksOf = (orgId: number) => `/integration/organizations/${orgId}/stacks`;

test('the tutorial\'s step 3: a partner creates a stack for its customer; it answers REQUESTED and becomes READY', async () => {
  const created = await s.request({ method: 'POST', url: stacksOf(w.customer.id), token: w.partner.token, body: { partner_meta: { crm_id: 'c-1' } } });
  assert.equal(created.statusCode, 201, created.body);
  const stack = created.json();
  assert.equal(stack.user_status, 'REQUESTED');
  assert.equal(stack.is_locked, true);
  assert.equal(stack.is_deployed, false);
  assert.equal(stack.organization_id, w.customer.id);
  assert.deepEqual(stack.partner_meta, { crm_id: 'c-1' });
  assert.match(stack.name, /^[0-9a-f]{12}$/);
  assert.equal(stack.subdomain, stack.name);
  assert.equal(stack.error, null);
  assert.equal(typeof stack.id, 'number');
  assert.ok(!Number.isNaN(Date.parse(stack.created_at)));

  await s.core.jobs.idle();
  const polled = await s.request({ method: 'GET', url: `/integration/stacks/${stack.id}`, token: w.partner.token });
  assert.equal(polled.statusCode, 200);
  assert.equal(polled.json().user_status, 'READY');
  assert.equal(polled.json().is_locked, false);
  assert.equal(polled.json().is_deployed, true);
  const row = await s.core.db.selectFrom('stacks').select(['platform_meta', 'status']).where('id', '=', stack.id).executeTakeFirstOrThrow();
  assert.equal(row.status, 'READY');
  assert.deepEqual(row.platform_meta, { id: stack.id, name: stack.name, namespace: `stack-${stack.id}` });
  const deployment = await s.core.db.selectFrom('deployments').selectAll().where('target', '=', 'stack').where('target_id', '=', stack.id).executeTakeFirstOrThrow();
  assert.equal(deployment.state, 'succeeded');
  assert.equal(deployment.operation, 'deployment');
  assert.equal(deployment.attempts, 1);
  assert.equal(deployment.requested_by, w.partner.id);

  // The customer's Owner and Maintainer see it too; a stranger does not.
  for (const who of [w.owner, w.maintainer]) {
    const seen = await s.request({ method: 'GET', url: `/integration/stacks/${stack.id}`, token: who.token });
    assert.equal(seen.statusCode, 200);
  }
  const hidden = await s.request({ method: 'GET', url: `/integration/stacks/${stack.id}`, token: w.stranger.token });
  assert.equal(hidden.statusCode, 404);
  assert.equal(hidden.json().code, 'stack.not_found');
});

test('names and subdomains: given, derived from the name, or taken (409)', async () => {
  const org = await makeOrganization(s);
  await giveRole(s, org, w.owner.id, 'manager');
  const named = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: { name: 'Acme Support Team' } });
  assert.equal(named.statusCode, 201, named.body);
  assert.equal(named.json().name, 'Acme Support Team');
  assert.match(named.json().subdomain, /^acme-support-team(-[0-9a-f]{6})?$/);

  const sub = `sub-${Date.now()}`;
  const given = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: { name: 'x', subdomain: sub } });
  assert.equal(given.statusCode, 201);
  assert.equal(given.json().subdomain, sub);
  const taken = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: { subdomain: sub } });
  assert.equal(taken.statusCode, 409);
  assert.equal(taken.json().code, 'stack.subdomain_taken');
  assert.match(taken.json().description, /subdomain/);

  // A POST without a body: everything generated.
  const bare = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, headers: { 'content-type': 'application/json' } });
  assert.equal(bare.statusCode, 201, bare.body);
});

test('the deprecated POST /integration/stacks uses the caller\'s own organization', async () => {
  const user = await s.user();
  const none = await s.request({ method: 'POST', url: '/integration/stacks', token: user.token, body: {} });
  assert.equal(none.statusCode, 400);
  assert.match(none.json().description, /organization_id/);
  const member = await makeOrganization(s);
  await giveRole(s, member, user.id, 'contributor');
  const own = await makeOrganization(s);
  await giveRole(s, own, user.id, 'manager');
  const created = await s.request({ method: 'POST', url: '/integration/stacks', token: user.token, body: { name: 'old style' } });
  assert.equal(created.statusCode, 201, created.body);
  assert.equal(created.json().organization_id, own.id, 'the organization managed wins over the one only belonged to');
});

test('listing: envelope, filters, sorting, the deprecated bare array, soft-deleted stacks', async () => {
  const org = await makeOrganization(s);
  await giveRole(s, org, w.owner.id, 'manager');
  const ids: number[] = [];
  for (const name of ['alpha one', 'beta two', 'gamma three']) {
    const res = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: { name } });
    ids.push(res.json().id);
  }
  await s.core.jobs.idle();

  const page = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&limit=2&sort=-id`, token: w.owner.token });
  assert.equal(page.statusCode, 200, page.body);
  const body = page.json();
  assert.deepEqual(body.pagination, { total: 3, limit: 2, page: 1, pages: 2, count: 2 });
  assert.deepEqual(body.data.map((x: { id: number }) => x.id), [ids[2], ids[1]]);
  assert.deepEqual(body.sort, ['-id']);
  assert.deepEqual(body.filters, { 'deleted_at[eq]': null, paginated: true });

  const bare = await s.request({ method: 'GET', url: stacksOf(org.id), token: w.owner.token });
  assert.ok(Array.isArray(bare.json()));
  assert.equal(bare.json().length, 3);

  const ss = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&name[ss]=ETA`, token: w.owner.token });
  assert.deepEqual(ss.json().data.map((x: { name: string }) => x.name), ['beta two']);
  const eq = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&name[eq]=alpha%20one&is_deployed[eq]=true`, token: w.owner.token });
  assert.equal(eq.json().pagination.total, 1);
  const byOrg = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&organization_id[nin]=${org.id}`, token: w.owner.token });
  assert.equal(byOrg.json().pagination.total, 0);

  // Deleting: REQUESTED and locked, then gone from GET and from the default list.
  const deleted = await s.request({ method: 'DELETE', url: `/integration/stacks/${ids[0]}`, token: w.owner.token });
  assert.equal(deleted.statusCode, 200, deleted.body);
  assert.equal(deleted.json().is_locked, true);
  assert.equal(deleted.json().user_status, 'REQUESTED');
  await s.core.jobs.idle();
  const gone = await s.request({ method: 'GET', url: `/integration/stacks/${ids[0]}`, token: w.owner.token });
  assert.equal(gone.statusCode, 404);
  const live = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true`, token: w.owner.token });
  assert.equal(live.json().pagination.total, 2);
  const onlyDeleted = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&deleted_at[ne]=null`, token: w.owner.token });
  assert.deepEqual(onlyDeleted.json().data.map((x: { id: number }) => x.id), [ids[0]]);
  assert.equal(onlyDeleted.json().data[0].user_status, 'DELETED');
  assert.ok(onlyDeleted.json().data[0].deleted_at);
  const all = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?paginated=true&deleted_at[eq]=null`, token: w.owner.token });
  assert.equal(all.json().pagination.total, 3);

  const badSort = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?sort=password`, token: w.owner.token });
  assert.equal(badSort.statusCode, 400);
  const badFilter = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?is_deployed[eq]=maybe`, token: w.owner.token });
  assert.equal(badFilter.statusCode, 400);
  const unknownFilter = await s.request({ method: 'GET', url: `${stacksOf(org.id)}?password[eq]=x`, token: w.owner.token });
  assert.equal(unknownFilter.statusCode, 400);
});

test('updating: a new name or subdomain is deployed; partner_meta alone is not; a locked stack answers 409', async () => {
  const created = await s.request({ method: 'POST', url: stacksOf(w.customer.id), token: w.partner.token, body: { name: 'to change' } });
  const id = created.json().id;
  await s.core.jobs.idle();

  const meta = await s.request({ method: 'PATCH', url: `/integration/stacks/${id}`, token: w.maintainer.token, body: { partner_meta: { a: 1 } } });
  assert.equal(meta.statusCode, 200, meta.body);
  assert.equal(meta.json().user_status, 'READY');
  assert.equal(meta.json().is_locked, false);
  assert.deepEqual(meta.json().partner_meta, { a: 1 });

  const sub = `moved-${Date.now()}`;
  const moved = await s.request({ method: 'PATCH', url: `/integration/stacks/${id}`, token: w.owner.token, body: { subdomain: sub, name: 'changed' } });
  assert.equal(moved.statusCode, 200);
  assert.equal(moved.json().user_status, 'REQUESTED');
  assert.equal(moved.json().is_locked, true);
  assert.equal(moved.json().subdomain, sub);
  assert.equal(moved.json().name, 'changed');
  await s.core.jobs.idle();
  const done = await s.request({ method: 'GET', url: `/integration/stacks/${id}`, token: w.owner.token });
  assert.equal(done.json().user_status, 'READY');
  // While a deployment is under way the stack cannot change (the flag is set here, once the
  // jobs are done, so the background worker cannot clear it first).
  await s.core.db.updateTable('stacks').set({ is_locked: true }).where('id', '=', id).execute();
  const locked = await s.request({ method: 'PATCH', url: `/integration/stacks/${id}`, token: w.owner.token, body: { name: 'again' } });
  assert.equal(locked.statusCode, 409);
  assert.equal(locked.json().code, 'stack.locked');
  const lockedDelete = await s.request({ method: 'DELETE', url: `/integration/stacks/${id}`, token: w.owner.token });
  assert.equal(lockedDelete.statusCode, 409);
  await s.core.db.updateTable('stacks').set({ is_locked: false }).where('id', '=', id).execute();
  const operations = await s.core.db.selectFrom('deployments').select(['operation', 'state']).where('target', '=', 'stack').where('target_id', '=', id).orderBy('id').execute();
  assert.deepEqual(operations, [{ operation: 'deployment', state: 'succeeded' }, { operation: 'modification', state: 'succeeded' }]);
});

test('stack_quota: racing creations never pass it', async () => {
  const org = await makeOrganization(s);
  await giveRole(s, org, w.owner.id, 'manager');
  await s.core.db.updateTable('organizations').set({ stack_quota: 2 }).where('id', '=', org.id).execute();
  const answers = await Promise.all(Array.from({ length: 6 }, () => s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: {} })));
  const codes = answers.map((a) => a.statusCode).sort();
  assert.deepEqual(codes, [201, 201, 403, 403, 403, 403]);
  const refused = answers.find((a) => a.statusCode === 403)!;
  assert.equal(refused.json().code, 'quota.stacks_exceeded');
  const count = await s.core.db.selectFrom('stacks').select((eb) => eb.fn.countAll<number>().as('n')).where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  assert.equal(Number(count.n), 2);
  // A destroyed stack frees its place.
  await s.core.jobs.idle();
  const first = answers.find((a) => a.statusCode === 201)!.json().id;
  await s.request({ method: 'DELETE', url: `/integration/stacks/${first}`, token: w.owner.token });
  await s.core.jobs.idle();
  const again = await s.request({ method: 'POST', url: stacksOf(org.id), token: w.owner.token, body: {} });
  assert.equal(again.statusCode, 201);
});

test('bad input: malformed JSON, wrong types, unknown fields, bad subdomain, unknown ids; nothing is written', async () => {
  const before = await s.core.db.selectFrom('stacks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  const url = stacksOf(w.customer.id);
  const malformed = await s.request({ method: 'POST', url, token: w.owner.token, body: '{"name":' });
  assert.equal(malformed.statusCode, 400);
  assert.ok(malformed.json().code);
  const wrongType = await s.request({ method: 'POST', url, token: w.owner.token, body: { name: 5 } });
  assert.equal(wrongType.statusCode, 400);
  assert.equal(wrongType.json().code, 'field.invalid');
  assert.match(wrongType.json().description, /name/);
  const unknown = await s.request({ method: 'POST', url, token: w.owner.token, body: { colour: 'red' } });
  assert.equal(unknown.statusCode, 400);
  assert.match(unknown.json().description, /colour/);
  const badSub = await s.request({ method: 'POST', url, token: w.owner.token, body: { subdomain: 'Not_Valid' } });
  assert.equal(badSub.statusCode, 400);
  assert.match(badSub.json().description, /subdomain/);
  const badMeta = await s.request({ method: 'POST', url, token: w.owner.token, body: { partner_meta: [1, 2] } });
  assert.equal(badMeta.statusCode, 400);
  const badId = await s.request({ method: 'POST', url: '/integration/organizations/abc/stacks', token: w.owner.token, body: {} });
  assert.equal(badId.statusCode, 400);
  assert.match(badId.json().description, /organization_id/);
  const unknownOrg = await s.request({ method: 'POST', url: stacksOf(987654321), token: w.owner.token, body: {} });
  assert.equal(unknownOrg.statusCode, 404);
  const unknownStack = await s.request({ method: 'PATCH', url: '/integration/stacks/987654321', token: w.owner.token, body: { name: 'x' } });
  assert.equal(unknownStack.statusCode, 404);
  assert.equal(unknownStack.json().code, 'stack.not_found');
  const patchMalformed = await s.request({ method: 'PATCH', url: '/integration/stacks/1', token: w.owner.token, body: '{' });
  assert.equal(patchMalformed.statusCode, 400);
  const after = await s.core.db.selectFrom('stacks').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  assert.equal(Number(after.n), Number(before.n));
});

test('callers who may not: anonymous 401, stranger 404, member of a suspended organization 403', async () => {
  const created = await s.request({ method: 'POST', url: stacksOf(w.customer.id), token: w.owner.token, body: {} });
  const id = created.json().id;
  await s.core.jobs.idle();
  const anonymous = await s.request({ method: 'POST', url: stacksOf(w.customer.id), body: {} });
  assert.equal(anonymous.statusCode, 401);
  for (const [method, url] of [['POST', stacksOf(w.customer.id)], ['GET', stacksOf(w.customer.id)], ['GET', `/integration/stacks/${id}`], ['PATCH', `/integration/stacks/${id}`], ['DELETE', `/integration/stacks/${id}`]] as const) {
    const res = await s.request({ method, url, token: w.stranger.token, ...(method === 'POST' || method === 'PATCH' ? { body: { name: 'x' } } : {}) });
    assert.equal(res.statusCode, 404, `${method} ${url}`);
  }
  const suspended = await makeOrganization(s);
  await giveRole(s, suspended, w.stranger.id, 'manager');
  await placeOrganization(s, suspended, { status: 'suspended' });
  const refused = await s.request({ method: 'POST', url: stacksOf(suspended.id), token: w.stranger.token, body: {} });
  assert.equal(refused.statusCode, 403);
  assert.equal(refused.json().code, 'organization.suspended');
  // The broker's managers act on every organization.
  const broker = await s.request({ method: 'GET', url: `/integration/stacks/${id}`, token: s.admin.token });
  assert.equal(broker.statusCode, 200);
});
