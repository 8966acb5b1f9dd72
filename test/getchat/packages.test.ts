// Packages over HTTP: the list (PK3) with its filters, the deprecated `paginated` and soft
// delete; by id (PK1) and type (PK2) with the settings schema; the administrators' API
// (create, change, retire, definition); the per-organization limits; and who may call what
// (partner, owner, maintainer, unrelated user, broker). Bad input answers a 4xx naming the
// field and changes nothing.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

let s: TestService;
let partnerOrg: TestOrg;
let customer: TestOrg;
let partner: TestUser;
let owner: TestUser;
let maintainer: TestUser;
let stranger: TestUser;
let inboxId: number;

before(async () => {
  s = await startService();
  partnerOrg = await makeOrganization(s);
  customer = await makeOrganization(s);
  await placeOrganization(s, customer, { partner: partnerOrg });
  [partner, owner, maintainer, stranger] = await Promise.all([quickUser(s, 'pt'), quickUser(s, 'ow'), quickUser(s, 'mt'), quickUser(s, 'st')]);
  await giveRole(s, partnerOrg, partner.id, 'partner');
  await giveRole(s, customer, owner.id, 'manager');
  await giveRole(s, customer, maintainer.id, 'contributor');
  inboxId = (await s.request({ method: 'GET', url: '/integration/packages/types/inbox' })).json().id;
});
after(async () => { await s.stop(); });

const callers = () => ({ partner, owner, maintainer, stranger, broker: s.admin });

async function packageCount(): Promise<number> {
  const row = await s.core.db.selectFrom('packages').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(row.n);
}

function customPackage(type: string, extra: Record<string, unknown> = {}) {
  return {
    name: `Custom ${type}`, type,
    settings_schema: { type: 'object', properties: { size: { type: 'integer' }, label: { type: 'string', maxLength: 20 } } },
    setting_rules: { size: { roles: ['owner', 'partner'], minimum: 1, maximum: 10 } },
    ...extra,
  };
}

// ---- PK3, PK1, PK2 ----

test('PK3: the list without a token is a bare array by default; paginated=true answers the guide\'s envelope', async () => {
  const bare = await s.request({ method: 'GET', url: '/integration/packages' });
  assert.equal(bare.statusCode, 200);
  const items = bare.json();
  assert.ok(Array.isArray(items));
  assert.deepEqual(items.map((p: { name: string; type: string }) => [p.name, p.type]), [['Inbox', 'inbox'], ['HubSpot', '_hubspot']]);
  assert.deepEqual(Object.keys(items[0]).sort(), ['created_at', 'id', 'modified_at', 'name', 'type']);

  const paged = await s.request({ method: 'GET', url: '/integration/packages?paginated=true', headers: { 'content-type': 'application/json' } });
  assert.equal(paged.statusCode, 200);
  const body = paged.json();
  assert.deepEqual(body.pagination, { total: 2, limit: 20, page: 1, pages: 1, count: 2 });
  assert.deepEqual(body.filters, { 'deleted_at[eq]': null, paginated: true });
  assert.deepEqual(body.sort, ['+id']);
  assert.deepEqual(body.data.map((p: { type: string }) => p.type), ['inbox', '_hubspot']);
});

test('PK3: filters on id, name and type, sorting, and bad parameters named', async () => {
  const get = (query: string) => s.request({ method: 'GET', url: `/integration/packages?paginated=true&${query}` });
  assert.deepEqual((await get('type[eq]=inbox')).json().data.map((p: { type: string }) => p.type), ['inbox']);
  assert.deepEqual((await get('type[ne]=inbox')).json().data.map((p: { type: string }) => p.type), ['_hubspot']);
  assert.deepEqual((await get('name[in]=Inbox,HubSpot&sort=-id')).json().data.map((p: { type: string }) => p.type), ['_hubspot', 'inbox']);
  assert.deepEqual((await get('name[nin]=Inbox')).json().data.map((p: { type: string }) => p.type), ['_hubspot']);
  assert.deepEqual((await get(`id[eq]=${inboxId}`)).json().data.map((p: { id: number }) => p.id), [inboxId]);
  const echoed = (await get('type[in]=inbox&type[in]=x')).json();
  assert.deepEqual(echoed.filters['type[in]'], ['inbox', 'x']);

  for (const [query, field] of [['id[eq]=abc', 'id[eq]'], ['sort=%2Bcolour', 'sort'], ['limit=0', 'limit'], ['paginated=maybe', 'paginated'], ['deleted_at[eq]=2020-01-01', 'deleted_at[eq]'], ['colour[eq]=red', 'colour[eq]']]) {
    const res = await get(query);
    assert.equal(res.statusCode, 400, query);
    assert.equal(res.json().code, 'field.invalid', query);
    assert.match(res.json().description, new RegExp(field.replace(/[[\]+]/g, '\\$&')), query);
  }
});

test('PK1 and PK2: a package with its settings schema, saying who may pass each setting and its range', async () => {
  const byId = await s.request({ method: 'GET', url: `/integration/packages/${inboxId}` });
  assert.equal(byId.statusCode, 200);
  const inbox = byId.json();
  assert.equal(inbox.type, 'inbox');
  const properties = inbox.settings_schema.properties;
  assert.deepEqual(properties.d360_api_key['x-roles'], ['partner']);
  assert.equal(properties.d360_api_key['x-secret'], true);
  assert.deepEqual(properties.admin_email['x-roles'], ['maintainer', 'owner', 'partner']);
  assert.equal(properties.admin_email['x-default'], 'caller_email');
  assert.deepEqual([properties.seats_quota.minimum, properties.seats_quota.maximum], [1, 50]);
  assert.deepEqual([properties.messages_quota.minimum, properties.messages_quota.maximum], [1_000_000, 10_000_000]);
  assert.deepEqual(inbox.settings_schema.dependentRequired, { configurator_user: ['configurator_webhook_url'] });

  const byType = await s.request({ method: 'GET', url: '/integration/packages/types/_hubspot' });
  assert.equal(byType.statusCode, 200);
  assert.equal(byType.json().name, 'HubSpot');
  assert.ok(byType.json().settings_schema.properties.hubspot_portal_id);

  for (const url of ['/integration/packages/999999999', '/integration/packages/types/nothing', '/integration/packages/types/constructor']) {
    const res = await s.request({ method: 'GET', url });
    assert.equal(res.statusCode, 404, url);
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'description', 'message']);
    assert.equal(res.json().code, 'package.not_found');
  }
  for (const url of ['/integration/packages/abc', '/integration/packages/0', '/integration/packages/-1', '/integration/packages/1.5', '/integration/packages/99999999999999999999']) {
    const res = await s.request({ method: 'GET', url });
    assert.equal(res.statusCode, 400, url);
    assert.match(res.json().description, /package_id/);
  }
});

// ---- administration ----

test('administration: the broker creates, reads, changes and retires a package; every other caller is refused', async () => {
  const type = `crm${Date.now().toString(36)}`;
  for (const [name, user] of Object.entries(callers())) {
    if (name === 'broker') continue;
    const before = await packageCount();
    const res = await s.request({ method: 'POST', url: '/integration/packages', token: user.token, body: customPackage(type) });
    assert.equal(res.statusCode, 403, name);
    assert.equal(await packageCount(), before);
  }
  const anonymous = await s.request({ method: 'POST', url: '/integration/packages', body: customPackage(type) });
  assert.equal(anonymous.statusCode, 401);

  const created = await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body: customPackage(type) });
  assert.equal(created.statusCode, 201, created.body);
  const pkg = created.json();
  assert.equal(pkg.type, type);
  assert.equal(pkg.source, 'api');
  assert.equal(pkg.deployer, 'local');
  assert.equal(pkg.deleted_at, null);
  assert.match(pkg.uuid, /^[0-9a-f-]{36}$/);
  assert.deepEqual(pkg.setting_rules.size, { roles: ['owner', 'partner'], minimum: 1, maximum: 10 });

  const listed = (await s.request({ method: 'GET', url: `/integration/packages?type[eq]=${type}` })).json();
  assert.deepEqual(listed.map((p: { id: number }) => p.id), [pkg.id]);
  const published = (await s.request({ method: 'GET', url: `/integration/packages/types/${type}` })).json();
  assert.deepEqual(published.settings_schema.properties.size['x-roles'], ['owner', 'partner']);

  const again = await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body: customPackage(type) });
  assert.equal(again.statusCode, 409);
  assert.equal(again.json().code, 'package.type_taken');
  const clash = await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body: customPackage('inbox') });
  assert.equal(clash.statusCode, 409);

  for (const [name, user] of Object.entries(callers())) {
    const definition = await s.request({ method: 'GET', url: `/integration/packages/${pkg.id}/definition`, token: user.token });
    assert.equal(definition.statusCode, name === 'broker' ? 200 : 403, name);
    if (name === 'broker') continue;
    const patch = await s.request({ method: 'PATCH', url: `/integration/packages/${pkg.id}`, token: user.token, body: { name: 'Mine' } });
    assert.equal(patch.statusCode, 403, name);
    const retire = await s.request({ method: 'DELETE', url: `/integration/packages/${pkg.id}`, token: user.token });
    assert.equal(retire.statusCode, 403, name);
  }

  const renamed = await s.request({ method: 'PATCH', url: `/integration/packages/${pkg.id}`, token: s.admin.token, body: { name: 'CRM', deployer: 'command', deployer_config: { command: ['./deploy.sh'] } } });
  assert.equal(renamed.statusCode, 200, renamed.body);
  assert.equal(renamed.json().name, 'CRM');
  assert.equal(renamed.json().deployer, 'command');
  assert.deepEqual(renamed.json().setting_rules, pkg.setting_rules);
  // A rule must name a setting of the schema: dropping `size` from the schema while its rule stays is refused.
  const orphan = await s.request({ method: 'PATCH', url: `/integration/packages/${pkg.id}`, token: s.admin.token, body: { settings_schema: { type: 'object', properties: {} } } });
  assert.equal(orphan.statusCode, 400);
  assert.match(orphan.json().description, /setting_rules\.size/);

  const retired = await s.request({ method: 'DELETE', url: `/integration/packages/${pkg.id}`, token: s.admin.token });
  assert.equal(retired.statusCode, 200);
  assert.ok(retired.json().deleted_at);
  assert.equal((await s.request({ method: 'GET', url: `/integration/packages/${pkg.id}` })).statusCode, 404);
  assert.equal((await s.request({ method: 'DELETE', url: `/integration/packages/${pkg.id}`, token: s.admin.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: `/integration/packages/${pkg.id}/definition`, token: s.admin.token })).json().deleted_at, retired.json().deleted_at);
  const all = (await s.request({ method: 'GET', url: '/integration/packages?paginated=true&deleted_at[eq]=null&limit=100' })).json();
  assert.ok(all.data.some((p: { id: number }) => p.id === pkg.id));
  assert.deepEqual(all.filters, { paginated: true });
  const only = (await s.request({ method: 'GET', url: '/integration/packages?deleted_at[ne]=null' })).json();
  assert.ok(only.some((p: { id: number }) => p.id === pkg.id));
  assert.ok(!only.some((p: { id: number }) => p.id === inboxId));
  // Its type is free again.
  const reused = await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body: customPackage(type) });
  assert.equal(reused.statusCode, 201);
});

test('administration: the packages of the file are changed in the file; a package in use is not retired nor retyped', async () => {
  for (const [method, body] of [['PATCH', { name: 'My inbox' }], ['DELETE', undefined]] as const) {
    const res = await s.request({ method, url: `/integration/packages/${inboxId}`, token: s.admin.token, body });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().code, 'package.defined_in_file');
  }
  const type = `used${Date.now().toString(36)}`;
  const pkg = (await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body: customPackage(type) })).json();
  const stack = await s.core.db.insertInto('stacks').values({ uuid: randomUUID(), organization_id: customer.id, name: 's', partner_meta: '{}', subdomain: `s${pkg.id}x${type}` })
    .returning('id').executeTakeFirstOrThrow();
  await s.core.db.insertInto('applications').values({ uuid: randomUUID(), stack_id: stack.id, package_id: pkg.id, settings: '{}', partner_meta: '{}' }).execute();
  const retire = await s.request({ method: 'DELETE', url: `/integration/packages/${pkg.id}`, token: s.admin.token });
  assert.equal(retire.statusCode, 400);
  assert.equal(retire.json().code, 'package.in_use');
  const retype = await s.request({ method: 'PATCH', url: `/integration/packages/${pkg.id}`, token: s.admin.token, body: { type: `${type}2` } });
  assert.equal(retype.statusCode, 400);
  assert.equal(retype.json().code, 'package.in_use');
  const rename = await s.request({ method: 'PATCH', url: `/integration/packages/${pkg.id}`, token: s.admin.token, body: { name: 'Still used' } });
  assert.equal(rename.statusCode, 200);
});

test('administration: bad input answers 400 naming the field and creates nothing', async () => {
  const type = `bad${Date.now().toString(36)}`;
  const cases: [unknown, RegExp][] = [
    ['{"name": "x", "type":', /body|JSON/i],
    [{ type }, /name/],
    [{ name: 'x' }, /type/],
    [{ name: 5, type }, /name/],
    [{ name: 'x', type: 'Has Spaces' }, /type/],
    [{ name: 'x', type, colour: 'red' }, /colour/],
    [{ name: 'x', type, settings_schema: 'nope' }, /settings_schema/],
    [{ name: 'x', type, settings_schema: { type: 'string' } }, /settings_schema/],
    [{ name: 'x', type, settings_schema: { type: 'object', properties: { a: { type: 'strng' } } } }, /settings_schema/],
    [{ name: 'x', type, settings_schema: { type: 'object', properties: {} }, setting_rules: { ghost: { roles: ['owner'] } } }, /setting_rules\.ghost/],
    [{ name: 'x', type, settings_schema: { type: 'object', properties: { a: { type: 'string' } } }, setting_rules: { a: { roles: ['owner'], maximum: 3 } } }, /setting_rules\.a/],
    [{ name: 'x', type, settings_schema: { type: 'object', properties: { a: { type: 'integer' } } }, setting_rules: { a: { roles: ['boss'] } } }, /setting_rules/],
    [{ name: 'x', type, settings_schema: { type: 'object', properties: { a: { type: 'integer' } } }, setting_rules: { a: { roles: ['owner'], minimum: 5, maximum: 1 } } }, /setting_rules\.a/],
    [{ name: 'x', type, deployer: 'ftp' }, /deployer/],
    [{ name: 'x', type, uuid: 'not-a-uuid' }, /uuid/],
  ];
  const before = await packageCount();
  for (const [body, field] of cases) {
    const res = await s.request({ method: 'POST', url: '/integration/packages', token: s.admin.token, body });
    assert.equal(res.statusCode, 400, JSON.stringify(body));
    assert.deepEqual(Object.keys(res.json()).sort(), ['code', 'description', 'message']);
    assert.match(res.json().description, field, JSON.stringify(body));
  }
  assert.equal(await packageCount(), before);
  const patchUnknown = await s.request({ method: 'PATCH', url: '/integration/packages/999999999', token: s.admin.token, body: { name: 'x' } });
  assert.equal(patchUnknown.statusCode, 404);
  const patchUuid = await s.request({ method: 'PATCH', url: `/integration/packages/${inboxId}`, token: s.admin.token, body: { uuid: randomUUID() } });
  assert.equal(patchUuid.statusCode, 400);
});

// ---- limits ----

test('limits: whoever sees the organization reads them; only the broker personalizes them', async () => {
  const url = `/integration/organizations/${customer.id}/packages/${inboxId}/limits`;
  const expected: Record<string, number> = { partner: 200, owner: 200, maintainer: 200, stranger: 404, broker: 200 };
  for (const [name, user] of Object.entries(callers())) {
    const res = await s.request({ method: 'GET', url, token: user.token });
    assert.equal(res.statusCode, expected[name], name);
  }
  const read = (await s.request({ method: 'GET', url, token: owner.token })).json();
  assert.deepEqual(read, {
    organization_id: customer.id, package_id: inboxId, limits: [
      { setting: 'seats_quota', minimum: 1, maximum: 50, package_minimum: 1, package_maximum: 50, is_personalized: false, modified_at: null },
      { setting: 'messages_quota', minimum: 1_000_000, maximum: 10_000_000, package_minimum: 1_000_000, package_maximum: 10_000_000, is_personalized: false, modified_at: null },
    ],
  });
  const put = `${url}/seats_quota`;
  const writers: Record<string, number> = { partner: 403, owner: 403, maintainer: 403, stranger: 404 };
  for (const [name, status] of Object.entries(writers)) {
    const res = await s.request({ method: 'PUT', url: put, token: callers()[name as keyof ReturnType<typeof callers>].token, body: { maximum: 100 } });
    assert.equal(res.statusCode, status, name);
  }
  assert.equal((await s.request({ method: 'PUT', url: put, body: { maximum: 100 } })).statusCode, 401);

  const raised = await s.request({ method: 'PUT', url: put, token: s.admin.token, body: { maximum: 100 } });
  assert.equal(raised.statusCode, 200, raised.body);
  const seats = raised.json().limits[0];
  assert.deepEqual([seats.minimum, seats.maximum, seats.package_maximum, seats.is_personalized], [1, 100, 50, true]);
  assert.ok(seats.modified_at);
  // The partner's own organization keeps the package's range.
  const other = (await s.request({ method: 'GET', url: `/integration/organizations/${partnerOrg.id}/packages/${inboxId}/limits`, token: partner.token })).json();
  assert.equal(other.limits[0].maximum, 50);

  const reset = await s.request({ method: 'PUT', url: put, token: s.admin.token, body: { minimum: null, maximum: null } });
  assert.equal(reset.json().limits[0].is_personalized, false);
  assert.equal(reset.json().limits[0].maximum, 50);
});

test('limits: bad input answers 400 or 404 naming what is wrong, and changes nothing', async () => {
  const base = `/integration/organizations/${customer.id}/packages/${inboxId}/limits`;
  const cases: [string, unknown, number, RegExp][] = [
    [`${base}/seats_quota`, '{"maximum":', 400, /body|JSON/i],
    [`${base}/seats_quota`, { maximum: '100' }, 400, /maximum/],
    [`${base}/seats_quota`, { maximum: 100, colour: 1 }, 400, /colour/],
    [`${base}/seats_quota`, { minimum: 60 }, 400, /minimum/],
    [`${base}/admin_email`, { maximum: 3 }, 400, /setting/],
    [`${base}/nothing`, { maximum: 3 }, 400, /setting/],
    [`${base}/bad-name`, { maximum: 3 }, 400, /setting/],
    [`/integration/organizations/999999999/packages/${inboxId}/limits/seats_quota`, { maximum: 3 }, 404, /organization/i],
    [`/integration/organizations/${customer.id}/packages/999999999/limits/seats_quota`, { maximum: 3 }, 404, /package/i],
    [`/integration/organizations/abc/packages/${inboxId}/limits/seats_quota`, { maximum: 3 }, 400, /organization_id/],
  ];
  for (const [url, body, status, pattern] of cases) {
    const res = await s.request({ method: 'PUT', url, token: s.admin.token, body });
    assert.equal(res.statusCode, status, `${url} ${JSON.stringify(body)}`);
    assert.match(`${res.json().description} ${res.json().code}`, pattern, `${url} ${JSON.stringify(body)}`);
  }
  const rows = await s.core.db.selectFrom('package_setting_limits').selectAll().where('organization_id', '=', customer.id).execute();
  assert.deepEqual(rows, []);
  assert.equal((await s.request({ method: 'GET', url: `/integration/organizations/${customer.id}/packages/999999999/limits`, token: owner.token })).statusCode, 404);
});
