// get.chat's /account/organizations: list with filters, create within organization_quota
// (race-safe), read, update name and webhook_url, customers, permissions, quotas; the same
// rows the native /api surface shows.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, unique, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization } from '../support/fixtures.js';

let s: TestService;
before(async () => { s = await startService(); });
after(async () => { await s.stop(); });

async function create(user: TestUser, body: unknown = { name: unique('Org ') }) {
  return s.request({ method: 'POST', url: '/account/organizations', token: user.token, body });
}

test('create, read, update and list organizations; the creator is the Owner', async () => {
  const owner = await s.user();
  const created = await create(owner, { name: 'Acme Inbox', webhook_url: 'https://93.184.215.14/hooks' });
  assert.equal(created.statusCode, 201, created.body);
  const org = created.json();
  assert.equal(org.name, 'Acme Inbox');
  assert.equal(org.webhook_url, 'https://93.184.215.14/hooks');
  assert.equal(org.stack_quota, null);
  assert.equal(org.partner_id, null);
  assert.equal(typeof org.id, 'number');
  const row = await s.core.db.selectFrom('organizations').select(['created_by']).where('id', '=', org.id).executeTakeFirstOrThrow();
  assert.equal(Number(row.created_by), owner.id);

  const got = await s.request({ method: 'GET', url: `/account/organizations/${org.id}`, token: owner.token });
  assert.equal(got.statusCode, 200);
  assert.deepEqual(got.json(), org);

  const renamed = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { name: 'Acme 2' } });
  assert.equal(renamed.statusCode, 200);
  assert.equal(renamed.json().name, 'Acme 2');
  assert.equal(renamed.json().webhook_url, 'https://93.184.215.14/hooks');
  const cleared = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { webhook_url: null } });
  assert.equal(cleared.json().webhook_url, null);

  // Webhook addresses: absolute, and never the service's own network.
  for (const webhook_url of ['http://127.0.0.1:8080/x', 'http://10.0.0.5/', 'http://169.254.169.254/latest', 'ftp://example.com/']) {
    const refused = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { webhook_url } });
    assert.equal(refused.statusCode, 400, `${webhook_url}: ${refused.body}`);
    assert.equal(refused.json().code, 'url.not_allowed');
    assert.match(refused.json().description, /webhook_url/);
  }
  const relative = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { webhook_url: '/hooks' } });
  assert.equal(relative.statusCode, 400);
  assert.match(relative.json().description, /webhook_url/);
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}`, token: owner.token })).json().webhook_url, null);

  const list = await s.request({ method: 'GET', url: '/account/organizations', token: owner.token });
  assert.equal(list.statusCode, 200);
  const page = list.json();
  assert.deepEqual(page.data.map((o: { id: number }) => o.id), [org.id]);
  assert.deepEqual(page.pagination, { total: 1, limit: 20, page: 1, pages: 1, count: 1 });
  assert.deepEqual(page.sort, ['+id']);

  const permissions = await s.request({ method: 'GET', url: `/account/organizations/${org.id}/permissions`, token: owner.token });
  assert.equal(permissions.statusCode, 200);
  assert.ok(permissions.json().includes('organization.update'));
  assert.ok(permissions.json().includes('organization.deployments.manage'));
  assert.ok(!permissions.json().includes('organization.deployments.partner_settings'));

  // The same row under the native API, and the other way round.
  const native = await s.request({ method: 'GET', url: '/api/profile/', token: owner.token });
  assert.ok(native.json().results.some((o: { full_name: string }) => o.full_name === 'Acme 2'));
  const made = await s.request({ method: 'POST', url: '/api/profile/', token: owner.token, body: { full_name: 'Made natively' } });
  assert.equal(made.statusCode, 201, made.body);
  const both = (await s.request({ method: 'GET', url: '/account/organizations?sort=-id', token: owner.token })).json();
  assert.deepEqual(both.data.map((o: { name: string }) => o.name), ['Made natively', 'Acme 2']);
  assert.deepEqual(both.sort, ['-id']);
});

test('organization list filters', async () => {
  const owner = await s.user();
  const a = (await create(owner, { name: 'Filter A' })).json();
  const b = (await create(owner, { name: 'Filter B' })).json();
  const customer = (await s.request({ method: 'POST', url: `/account/organizations/${a.id}/customers`, token: owner.token, body: { name: 'Cust' } })).json();
  const other = await s.user();
  await giveRole(s, { id: b.id, slug: '' }, other.id, 'contributor');
  const ids = async (query: string) => {
    const r = await s.request({ method: 'GET', url: `/account/organizations?${query}`, token: owner.token });
    assert.equal(r.statusCode, 200, `${query}: ${r.body}`);
    return r.json().data.map((o: { id: number }) => o.id);
  };
  assert.deepEqual(await ids(''), [a.id, b.id, customer.id]);
  assert.deepEqual(await ids(`id[eq]=${b.id}`), [b.id]);
  assert.deepEqual(await ids(`id[ne]=${b.id}`), [a.id, customer.id]);
  assert.deepEqual(await ids(`id[in]=${a.id},${customer.id}`), [a.id, customer.id]);
  assert.deepEqual(await ids(`id[nin]=${a.id}&id[nin]=${customer.id}`), [b.id]);
  assert.deepEqual(await ids(`partner_id[eq]=${a.id}`), [customer.id]);
  assert.deepEqual(await ids(`users_ids[eq]=${other.id}`), [b.id]);
  assert.deepEqual(await ids(`owner_id[eq]=${owner.id}`), [a.id, b.id]);
  assert.deepEqual(await ids('accesses_types[eq]=DIRECT'), [a.id, b.id]);
  assert.deepEqual(await ids('accesses_types[eq]=INVITED'), []);
  assert.deepEqual(await ids(`created_at[gte]=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`), []);
  assert.deepEqual(await ids('limit=1&page=2'), [b.id]);
  for (const bad of ['id[eq]=x', 'accesses_types[eq]=OTHER', 'created_at[lt]=yesterday', 'sort=-password', 'name[eq]=x', 'limit=0']) {
    const r = await s.request({ method: 'GET', url: `/account/organizations?${bad}`, token: owner.token });
    assert.equal(r.statusCode, 400, `${bad}: ${r.body}`);
    assert.ok(r.json().description.includes(bad.split(/[=[]/)[0]!), `${bad}: ${r.body}`);
  }
});

test('organization_quota: set by the broker, enforced when creating, race-safe', async () => {
  const user = await s.user();
  const forbidden = await s.request({ method: 'PUT', url: `/account/users/${user.id}/organization-quota`, token: user.token, body: { organization_quota: 9 } });
  assert.equal(forbidden.statusCode, 403);
  const set = await s.request({ method: 'PUT', url: `/account/users/${user.id}/organization-quota`, token: s.admin.token, body: { organization_quota: 2 } });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().organization_quota, 2);
  assert.equal((await s.request({ method: 'GET', url: '/account/profile', token: user.token })).json().profile.organization_quota, 2);
  const unknown = await s.request({ method: 'PUT', url: '/account/users/999999999/organization-quota', token: s.admin.token, body: { organization_quota: 2 } });
  assert.equal(unknown.statusCode, 404);
  const wrong = await s.request({ method: 'PUT', url: `/account/users/${user.id}/organization-quota`, token: s.admin.token, body: { organization_quota: -1 } });
  assert.equal(wrong.statusCode, 400);

  // Five at once for two slots: exactly two succeed.
  const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => create(user, { name: `Race ${i}` })));
  assert.deepEqual(answers.map((r) => r.statusCode).sort(), [201, 201, 403, 403, 403]);
  const refused = answers.find((r) => r.statusCode === 403)!;
  assert.equal(refused.json().code, 'quota.organizations_exceeded');
  // Customers count against their partner's customer_quota, not this.
  const mine = answers.find((r) => r.statusCode === 201)!.json();
  const customer = await s.request({ method: 'POST', url: `/account/organizations/${mine.id}/customers`, token: user.token });
  assert.equal(customer.statusCode, 201, customer.body);
  // The native surface is held to the same quota.
  const native = await s.request({ method: 'POST', url: '/api/profile/', token: user.token, body: { full_name: 'Native over quota' } });
  assert.equal(native.statusCode, 403);
  assert.equal(native.json().error_code, 'quota.organizations_exceeded');
});

test('customers: a partner creates them with or without a body and lists them; stack_quota by the broker', async () => {
  const partner = await s.user();
  const own = (await create(partner, { name: 'Partner Co' })).json();
  const bare = await s.request({ method: 'POST', url: `/account/organizations/${own.id}/customers`, token: partner.token });
  assert.equal(bare.statusCode, 201, bare.body);
  assert.equal(bare.json().partner_id, own.id);
  assert.equal(bare.json().name, 'Partner Co customer');
  const named = await s.request({ method: 'POST', url: `/account/organizations/${own.id}/customers`, token: partner.token, body: { name: 'Named Customer' } });
  assert.equal(named.statusCode, 201);
  const grand = await s.request({ method: 'POST', url: `/account/organizations/${named.json().id}/customers`, token: partner.token, body: {} });
  assert.equal(grand.statusCode, 201, grand.body);

  const list = await s.request({ method: 'GET', url: `/account/organizations/${own.id}/customers`, token: partner.token });
  assert.equal(list.statusCode, 200);
  assert.deepEqual(list.json().data.map((o: { id: number }) => o.id), [bare.json().id, named.json().id, grand.json().id]);
  const direct = await s.request({ method: 'GET', url: `/account/organizations/${own.id}/customers?partner_id[eq]=${own.id}`, token: partner.token });
  assert.equal(direct.json().pagination.total, 2);
  // The partner reads and changes its customers through the tree; nobody has a role there.
  assert.equal((await s.request({ method: 'PATCH', url: `/account/organizations/${grand.json().id}`, token: partner.token, body: { name: 'Grand' } })).statusCode, 200);
  const users = await s.request({ method: 'GET', url: `/account/organizations/${named.json().id}/users`, token: partner.token });
  assert.equal(users.json().pagination.total, 0);

  const quota = await s.request({ method: 'PUT', url: `/account/organizations/${named.json().id}/stack-quota`, token: partner.token, body: { stack_quota: 5 } });
  assert.equal(quota.statusCode, 403);
  const set = await s.request({ method: 'PUT', url: `/account/organizations/${named.json().id}/stack-quota`, token: s.admin.token, body: { stack_quota: 5 } });
  assert.equal(set.statusCode, 200, set.body);
  assert.equal(set.json().stack_quota, 5);

  // A stranger sees nothing of them; a suspended partner acts on nothing.
  const stranger = await s.user();
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${own.id}/customers`, token: stranger.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'POST', url: `/account/organizations/${own.id}/customers`, token: stranger.token })).statusCode, 404);
  await placeOrganization(s, { id: own.id, slug: '' }, { status: 'suspended' });
  const suspended = await s.request({ method: 'PATCH', url: `/account/organizations/${named.json().id}`, token: partner.token, body: { name: 'X' } });
  assert.equal(suspended.statusCode, 403);
});

test('organizations: bad input and callers not allowed', async () => {
  const owner = await s.user();
  const org = (await create(owner, { name: 'Guarded' })).json();
  const maintainer = await s.user();
  await giveRole(s, { id: org.id, slug: '' }, maintainer.id, 'contributor');
  const stranger = await s.user();

  assert.equal((await s.request({ method: 'POST', url: '/account/organizations', token: owner.token, body: {} })).statusCode, 400);
  const badJson = await s.request({ method: 'POST', url: '/account/organizations', token: owner.token, body: '{"name": ', headers: { 'content-type': 'application/json' } });
  assert.equal(badJson.statusCode, 400);
  const wrongType = await s.request({ method: 'POST', url: '/account/organizations', token: owner.token, body: { name: 5 } });
  assert.equal(wrongType.statusCode, 400);
  assert.match(wrongType.json().description, /name/);
  const extra = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { stack_quota: 100 } });
  assert.equal(extra.statusCode, 400);
  assert.match(extra.json().description, /stack_quota/);
  const blank = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: owner.token, body: { name: '   ' } });
  assert.equal(blank.statusCode, 400);
  assert.equal((await s.request({ method: 'GET', url: '/account/organizations/abc', token: owner.token })).statusCode, 400);
  assert.equal((await s.request({ method: 'GET', url: '/account/organizations/999999999', token: owner.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: '/account/organizations' })).statusCode, 401);

  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}`, token: stranger.token })).statusCode, 404);
  assert.equal((await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: stranger.token, body: { name: 'Mine' } })).statusCode, 404);
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}`, token: maintainer.token })).statusCode, 200);
  const notOwner = await s.request({ method: 'PATCH', url: `/account/organizations/${org.id}`, token: maintainer.token, body: { name: 'Mine' } });
  assert.equal(notOwner.statusCode, 403);
  assert.equal((await s.request({ method: 'POST', url: `/account/organizations/${org.id}/customers`, token: maintainer.token })).statusCode, 403);
  assert.equal((await s.request({ method: 'GET', url: `/account/organizations/${org.id}`, token: owner.token })).json().name, 'Guarded');
  const permissions = (await s.request({ method: 'GET', url: `/account/organizations/${org.id}/permissions`, token: maintainer.token })).json();
  assert.ok(permissions.includes('organization.deployments.manage'));
  assert.ok(!permissions.includes('organization.update'));

  // The broker's managers see every organization.
  const seen = await s.request({ method: 'GET', url: `/account/organizations?id[eq]=${org.id}`, token: s.admin.token });
  assert.equal(seen.json().pagination.total, 1);
  void makeOrganization;
});
