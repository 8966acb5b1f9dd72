// EmbedThis's Account operations through HTTP: each one's answer checked field by field,
// its bad input (malformed body, missing field, wrong type, unknown id), who may not call it,
// and the rules behind it (invitations, payment terms, suspension, close and remove, pages).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { grantRole, makeOrganization, quickUser } from '../support/fixtures.js';
import { linkIn, pathOf } from '../support/smtp.js';
import { bareKey, etWorld, type EtCaller, type EtWorld } from './world.js';

let s: TestService;
let w: EtWorld;
before(async () => {
  s = await startService();
  w = await etWorld(s);
});
after(async () => { await s.stop(); });

type Res = Awaited<ReturnType<EtWorld['call']>>;

/** An error in EmbedThis's envelope, with its status, code and (when given) the field at fault. */
function assertError(res: Res, status: number, code: string, field?: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body).sort(), ['code', 'error', 'fields']);
  assert.equal(typeof body.error, 'string');
  assert.equal(body.code, code, res.body);
  if (field) assert.ok(Object.keys(body.fields).includes(field), `fields name ${field}: ${res.body}`);
}

const BILLING_FIELDS = ['address', 'agreement', 'canWire', 'cardId', 'company', 'country', 'credit', 'error', 'invoiceEmail', 'memo', 'order',
  'renew', 'renewing', 'stripeId', 'subject', 'terms', 'wire'];
const METRIC_FIELDS = ['agents', 'balance', 'clouds', 'connected', 'customer', 'dashboards', 'developer', 'devices', 'emails', 'interest',
  'notifications', 'plans', 'products', 'software', 'support', 'users'];

/** The seed's Account shape, field by field. */
function assertAccount(account: Record<string, any>, expected: { id?: string; name?: string; email?: string | null; suspended?: boolean; closed?: boolean } = {}) {
  assert.deepEqual(Object.keys(account).sort(), ['activity', 'billing', 'closed', 'created', 'email', 'id', 'metrics', 'name', 'suspended']);
  assert.deepEqual(Object.keys(account.billing).sort(), BILLING_FIELDS.sort());
  assert.deepEqual(Object.keys(account.metrics).sort(), METRIC_FIELDS.sort());
  assert.equal(typeof account.id, 'string');
  assert.equal(typeof account.name, 'string');
  assert.equal(typeof account.suspended, 'boolean');
  assert.equal(typeof account.closed, 'boolean');
  for (const date of ['activity', 'created']) {
    assert.ok(account[date] === null || !Number.isNaN(Date.parse(account[date])), `${date}: ${account[date]}`);
  }
  for (const [name, value] of Object.entries(expected)) assert.deepEqual(account[name], value, name);
}

/** Raw bytes as the body, to send what JSON.stringify cannot. */
function raw(caller: EtCaller, op: string, payload: string) {
  return s.request({ method: 'POST', url: `/embedthis/account/${op}`, body: payload, token: w.userOf(caller)?.token, headers: { 'content-type': 'application/json' } });
}

/** Every operation refuses a malformed body with 400 in its envelope. */
test('every operation answers a malformed JSON body with 400 in EmbedThis\'s envelope', async () => {
  for (const op of ['aaaa', 'create', 'close', 'get', 'find', 'getId', 'init', 'make', 'remove', 'suspend', 'updateBilling', 'updateIdentity',
    'updateMetrics', 'updatePayment']) {
    const res = await raw('admin', op, '{"id": ');
    assert.equal(res.statusCode, 400, `${op}: ${res.body}`);
    const body = res.json();
    assert.equal(typeof body.error, 'string', op);
    assert.equal(typeof body.code, 'string', op);
    assert.equal(typeof body.fields, 'object', op);
  }
});

test('unknown fields are refused, naming them', async () => {
  assertError(await w.call('admin', 'get', { id: String(w.A.id), nope: 1 }), 400, 'field.invalid', 'nope');
  assertError(await w.call('admin', 'init', { anything: true }), 400, 'field.invalid', 'anything');
});

// ---- create ----

test('create: the caller\'s own e-mail makes them the initial user, as the account\'s admin', async () => {
  const me = await quickUser(s, 'cr');
  const res = await s.request({ method: 'POST', url: '/embedthis/account/create', token: me.token, body: { email: me.email.toUpperCase(), name: '  Acme Devices ' } });
  assert.equal(res.statusCode, 200, res.body);
  const { account, user } = res.json();
  assertAccount(account, { name: 'Acme Devices', email: me.email.toLowerCase(), suspended: false, closed: false });
  assert.match(account.id, /^[1-9]\d*$/);
  assert.deepEqual(Object.keys(user).sort(), ['accountId', 'activity', 'email', 'first', 'id', 'invite', 'last', 'preferences', 'role', 'state']);
  assert.equal(user.accountId, account.id);
  assert.equal(user.id, String(me.id));
  assert.equal(user.email, me.email.toLowerCase());
  assert.equal(user.role, 'admin');
  assert.equal(user.state, 'active');
  assert.equal(user.invite, 'none');
  assert.equal(typeof user.preferences.timezone, 'string');
  // The organization exists on /api, with the caller as its manager.
  const roles = await s.core.db.selectFrom('roles').innerJoin('role_descriptions', 'role_descriptions.id', 'roles.role_description_id')
    .select(['roles.user_id', 'role_descriptions.slug', 'roles.grant_key_hash']).where('roles.organization_id', '=', Number(account.id)).execute();
  assert.deepEqual(roles, [{ user_id: me.id, slug: 'manager', grant_key_hash: null }]);
  const again = await s.request({ method: 'POST', url: '/embedthis/account/get', token: me.token, body: { id: account.id } });
  assert.equal(again.statusCode, 200);
  assert.deepEqual({ ...(again.json() as object), activity: null }, { ...account, activity: null });
});

test('create: another address is invited by mail; the invitation gives nothing until its owner accepts it', async () => {
  const me = await quickUser(s, 'cr');
  const owner = await quickUser(s, 'ow');
  const res = await s.request({ method: 'POST', url: '/embedthis/account/create', token: me.token, body: { email: owner.email, name: 'Owned' } });
  assert.equal(res.statusCode, 200, res.body);
  const { account, user } = res.json();
  assert.deepEqual(user, {
    accountId: account.id, activity: null, email: owner.email, first: null, id: null, invite: 'pending', last: null, preferences: {},
    role: 'admin', state: 'invited',
  });
  assert.doesNotMatch(res.body, /key/i);
  // Pending: the owner cannot read the account yet.
  const before = await s.request({ method: 'POST', url: '/embedthis/account/get', token: owner.token, body: { id: account.id } });
  assertError(before, 404, 'organization.not_found');
  const mail = await s.smtp.waitFor(owner.email, (m) => m.text.includes('/accessibles/accept/'));
  const accepted = await s.request({ method: 'PUT', url: pathOf(linkIn(mail, '/accessibles/accept/')), token: owner.token });
  assert.equal(accepted.statusCode, 200, accepted.body);
  // Accepted: the owner manages it (changes it).
  const changed = await s.request({ method: 'POST', url: '/embedthis/account/updateIdentity', token: owner.token, body: { id: account.id, name: 'Owned by me' } });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.equal(changed.json().name, 'Owned by me');
});

test('create: an address without an account is invited the same way, and a wrong one refused', async () => {
  const res = await w.call('admin', 'create', { email: `nobody-${Date.now()}@example.net`, name: 'For someone' });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().user.state, 'invited');
  assertError(await w.call('admin', 'create', { email: 'not an address', name: 'X' }), 400, 'field.invalid', 'email');
  assertError(await w.call('admin', 'create', { email: w.am.email }), 400, 'field.invalid', 'name');
  assertError(await w.call('admin', 'create', { name: 'X' }), 400, 'field.invalid', 'email');
  assertError(await w.call('admin', 'create', { email: w.am.email, name: '   ' }), 400, 'field.invalid', 'name');
  assertError(await w.call('admin', 'create', { email: w.am.email, name: 7 }), 400, 'field.invalid', 'name');
  assertError(await w.call('anonymous', 'create', { email: 'a@example.com', name: 'X' }), 401, 'auth.required');
});

test('create: the caller\'s organization quota holds, and nothing is left half made', async () => {
  const me = await quickUser(s, 'qt');
  await s.core.db.updateTable('users').set({ organization_quota: 1 }).where('id', '=', me.id).execute();
  const call = (name: string) => s.request({ method: 'POST', url: '/embedthis/account/create', token: me.token, body: { email: 'x@example.org', name } });
  assert.equal((await call('First')).statusCode, 200);
  assertError(await call('Second'), 403, 'quota.organizations_exceeded');
  const made = await s.core.db.selectFrom('organizations').select('full_name').where('created_by', '=', me.id).execute();
  assert.deepEqual(made.map((o) => o.full_name), ['First']);
});

// ---- get ----

test('get: by id or by e-mail, for any member; others get 404, nobody 401', async () => {
  for (const caller of ['user', 'admin', 'staff'] as const) {
    const res = await w.call(caller, 'get', { id: String(w.A.id) });
    assert.equal(res.statusCode, 200, `${caller}: ${res.body}`);
    assertAccount(res.json(), { id: String(w.A.id), name: `Org ${w.A.slug}`, email: `help@${w.A.slug}.example.com` });
  }
  const byEmail = await w.call('user', 'get', { email: `HELP@${w.A.slug}.example.com` });
  assert.equal(byEmail.statusCode, 200, byEmail.body);
  assert.equal(byEmail.json().id, String(w.A.id));
  const byIndex = await w.call('user', 'get', { email: `help@${w.A.slug}.example.com`, id: '999999' }, 'index=gs1');
  assert.equal(byIndex.json().id, String(w.A.id));
  assertError(await w.call('user', 'get', { email: `help@${w.A.slug}.example.com` }, 'index=primary'), 400, 'field.invalid', 'id');
  assertError(await w.call('other', 'get', { id: String(w.A.id) }), 404, 'organization.not_found');
  assertError(await w.call('other', 'get', { email: `help@${w.A.slug}.example.com` }), 404, 'organization.not_found');
  assertError(await w.call('anonymous', 'get', { id: String(w.A.id) }), 401, 'auth.required');
  assertError(await w.call('admin', 'get', { id: '99999999' }), 404, 'organization.not_found');
  assertError(await w.call('admin', 'get', { id: 'abc' }), 404, 'organization.not_found');
  assertError(await w.call('admin', 'get', {}), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'get', { id: 12 }), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'get', { id: String(w.A.id) }, 'index=other'), 400, 'field.invalid', 'index');
});

test('get by an e-mail two accounts share is a 409 naming email; by id it is found', async () => {
  const shared = `shared-${Date.now()}@example.org`;
  const one = await makeOrganization(s, { email: shared });
  const two = await makeOrganization(s, { email: shared });
  await grantRole(s, one, w.bm.id, 'manager');
  await grantRole(s, two, w.bm.id, 'manager');
  assertError(await w.call('other', 'get', { email: shared }), 409, 'account.email_ambiguous', 'email');
  assert.equal((await w.call('other', 'get', { id: String(two.id) })).json().email, shared);
  // Only the accounts the caller sees count: the staff see both, a member of one sees one.
  const member = await quickUser(s, 'sh');
  await grantRole(s, one, member.id, 'contributor');
  const res = await s.request({ method: 'POST', url: '/embedthis/account/get', token: member.token, body: { email: shared } });
  assert.equal(res.json().id, String(one.id));
});

// ---- aaaa ----

test('aaaa: the seed\'s placeholder answers the id of an account the caller may read, as a JSON string', async () => {
  const res = await w.call('user', 'aaaa', { id: String(w.A.id) });
  assert.equal(res.statusCode, 200);
  assert.match(String(res.headers['content-type']), /application\/json/);
  assert.equal(res.json(), String(w.A.id));
  assertError(await w.call('other', 'aaaa', { id: String(w.A.id) }), 404, 'organization.not_found');
  assertError(await w.call('user', 'aaaa', { id: '88888888' }), 404, 'organization.not_found');
  assertError(await w.call('user', 'aaaa', {}), 400, 'field.invalid', 'id');
  assertError(await w.call('user', 'aaaa', { id: true }), 400, 'field.invalid', 'id');
  assertError(await w.call('anonymous', 'aaaa', { id: String(w.A.id) }), 401, 'auth.required');
});

// ---- find ----

test('find: cursor pages over the accounts the caller relates to, forward and back', async () => {
  const finder = await quickUser(s, 'fd');
  const mine: string[] = [];
  for (let i = 0; i < 5; i += 1) {
    const org = await makeOrganization(s, { fullName: `Finder ${i}` });
    await grantRole(s, org, finder.id, i % 2 === 0 ? 'manager' : 'contributor');
    mine.push(String(org.id));
  }
  const call = (query: string, body: unknown = {}) => s.request({ method: 'POST', url: `/embedthis/account/find?${query}`, token: finder.token, body });
  const first = await call('limit=2');
  assert.equal(first.statusCode, 200, first.body);
  assert.deepEqual(Object.keys(first.json()).sort(), ['data', 'next', 'prev']);
  assert.deepEqual(first.json().data.map((a: { id: string }) => a.id), mine.slice(0, 2));
  first.json().data.forEach((a: Record<string, unknown>) => assertAccount(a));
  assert.equal(first.json().prev, null);
  const second = await call(`limit=2&next=${first.json().next}`);
  assert.deepEqual(second.json().data.map((a: { id: string }) => a.id), mine.slice(2, 4));
  const third = await call(`limit=2&next=${second.json().next}`);
  assert.deepEqual(third.json().data.map((a: { id: string }) => a.id), mine.slice(4));
  assert.equal(third.json().next, null);
  const back = await call(`limit=2&prev=${third.json().prev}`);
  assert.deepEqual(back.json().data.map((a: { id: string }) => a.id), mine.slice(2, 4));
  const start = await call(`limit=2&prev=${back.json().prev}`);
  assert.deepEqual(start.json().data.map((a: { id: string }) => a.id), mine.slice(0, 2));
  assert.equal(start.json().prev, null);
  // Another user's accounts are not found; the broker's staff find them all.
  const others = await w.call('other', 'find', {}, 'limit=100');
  assert.ok(!others.json().data.some((a: { id: string }) => mine.includes(a.id)));
  let ids: string[] = [];
  let next: string | null = null;
  do {
    const page: Res = await w.call('staff', 'find', {}, `limit=100${next ? `&next=${next}` : ''}`);
    ids = ids.concat(page.json().data.map((a: { id: string }) => a.id));
    next = page.json().next;
  } while (next);
  for (const id of mine) assert.ok(ids.includes(id));
});

test('find: filter, where, id and email narrow it; bad ones are 400 naming them', async () => {
  const finder = await quickUser(s, 'fw');
  const alpha = await makeOrganization(s, { fullName: 'Alpha Widgets', email: 'sales@alpha.example' });
  const beta = await makeOrganization(s, { fullName: 'Beta_Gadgets', email: 'hello@beta.example' });
  const gamma = await makeOrganization(s, { fullName: 'Gamma 100%', email: null });
  for (const org of [alpha, beta, gamma]) await grantRole(s, org, finder.id, 'manager');
  await s.core.db.updateTable('organizations').set({ status: 'suspended' }).where('id', '=', beta.id).execute();
  const find = async (query: string, body: unknown = {}) => {
    const res = await s.request({ method: 'POST', url: `/embedthis/account/find?${query}`, token: finder.token, body });
    assert.equal(res.statusCode, 200, `${query}: ${res.body}`);
    return res.json().data.map((a: { name: string }) => a.name).sort();
  };
  const where = (text: string) => `where=${encodeURIComponent(text)}`;
  assert.deepEqual(await find('filter=ALPHA'), ['Alpha Widgets']);
  assert.deepEqual(await find('filter=beta.example'), ['Beta_Gadgets']);
  assert.deepEqual(await find('filter=_'), ['Beta_Gadgets']);
  assert.deepEqual(await find('filter=%25'), ['Gamma 100%']);
  assert.deepEqual(await find(where('${suspended} == true')), ['Beta_Gadgets']);
  assert.deepEqual(await find(where('${suspended} = {false}')), ['Alpha Widgets', 'Gamma 100%']);
  assert.deepEqual(await find(where('not (${suspended} == true) and contains(${email}, {example})')), ['Alpha Widgets']);
  assert.deepEqual(await find(where("begins_with(${name}, 'Gam') or ${email} = {hello@beta.example}")), ['Beta_Gadgets', 'Gamma 100%']);
  assert.deepEqual(await find(where(`\${id} >= ${beta.id}`)), ['Beta_Gadgets', 'Gamma 100%']);
  assert.deepEqual(await find(where(`${alpha.id} == \${id}`)), ['Alpha Widgets']);
  assert.deepEqual(await find(where('${email} != {sales@alpha.example}')), ['Beta_Gadgets', 'Gamma 100%']);
  assert.deepEqual(await find(where('${created} > {2000-01-01} and ${closed} == false')), ['Alpha Widgets', 'Beta_Gadgets', 'Gamma 100%']);
  assert.deepEqual(await find(where('${created} < {2000-01-01}')), []);
  assert.deepEqual(await find('', { id: String(gamma.id) }), ['Gamma 100%']);
  assert.deepEqual(await find('', { email: 'SALES@alpha.example' }), ['Alpha Widgets']);
  assert.deepEqual(await find('', { id: 'nope' }), []);
  const bad = (query: string, body: unknown = {}) => s.request({ method: 'POST', url: `/embedthis/account/find?${query}`, token: finder.token, body });
  for (const text of ['${suspended} == {yes}', '${nope} == 1', '${name} ~ 1', "${name} == 'open", '(${suspended} == true', '${suspended} < true',
    'eval(${name}, 1)', '${id} == {x}', '${created} > {soon}', '1 == 1', '${suspended} == true and', 'contains(${suspended}, {t})', '']) {
    if (text === '') continue;
    assertError(await bad(where(text)), 400, 'field.invalid', 'where');
  }
  assertError(await bad('next=bm90IGEgY3Vyc29y'), 400, 'field.invalid', 'next');
  assertError(await bad(`prev=${Buffer.from('a:5').toString('base64url')}`), 400, 'field.invalid', 'prev');
  assertError(await bad('next=a&prev=b'), 400, 'field.invalid');
  assertError(await bad('limit=0'), 400, 'field.invalid', 'limit');
  assertError(await bad('limit=lots'), 400, 'field.invalid', 'limit');
  assertError(await bad('', { email: 5 }), 400, 'field.invalid', 'email');
  assertError(await w.call('anonymous', 'find', {}), 401, 'auth.required');
});

// ---- getId, init, make ----

test('getId: random ids of the size asked, from [0-9A-Za-z]', async () => {
  const seen = new Set<string>();
  for (const size of [1, 8, 40, 256]) {
    const res = await w.call('user', 'getId', { size });
    assert.equal(res.statusCode, 200, res.body);
    assert.match(res.json(), new RegExp(`^[0-9A-Za-z]{${size}}$`));
    seen.add(res.json());
  }
  assert.match((await w.call('other', 'getId', {})).json(), /^[0-9A-Za-z]{16}$/);
  const many = await Promise.all(Array.from({ length: 20 }, () => w.call('user', 'getId', { size: 20 })));
  assert.equal(new Set(many.map((r) => r.json())).size, 20);
  assertError(await w.call('user', 'getId', { size: 0 }), 400, 'field.invalid', 'size');
  assertError(await w.call('user', 'getId', { size: 257 }), 400, 'field.invalid', 'size');
  assertError(await w.call('user', 'getId', { size: '8' }), 400, 'field.invalid', 'size');
  assertError(await w.call('user', 'getId', { size: 2.5 }), 400, 'field.invalid', 'size');
  assertError(await w.call('anonymous', 'getId', { size: 8 }), 401, 'auth.required');
});

test('init: the empty account object; make: one built and checked from the fields; neither saves anything', async () => {
  const count = async () => Number((await s.core.db.selectFrom('organizations').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
  const before = await count();
  const empty = await w.call('user', 'init', {});
  assert.equal(empty.statusCode, 200);
  assertAccount(empty.json(), { id: '', name: '', email: null, suspended: false, closed: false });
  assert.equal(empty.json().created, null);
  assert.equal(empty.json().metrics.devices, 0);
  assert.equal((await s.request({ method: 'POST', url: '/embedthis/account/init', token: w.au.token })).statusCode, 200, 'no body is {}');
  const made = await w.call('other', 'make', {
    name: ' Draft ', email: 'Draft@Example.org', billing: { country: 'de', credit: 12.5, terms: 30, invoiceEmail: 'ap@example.org' },
    metrics: { devices: 4, emails: { sent: 2 } },
  });
  assert.equal(made.statusCode, 200, made.body);
  assertAccount(made.json(), { id: '', name: 'Draft', email: 'draft@example.org', suspended: false });
  assert.equal(made.json().billing.country, 'DE');
  assert.equal(made.json().billing.credit, 12.5);
  assert.equal(made.json().billing.terms, 30);
  assert.deepEqual(made.json().metrics.emails, { sent: 2 });
  assert.equal(made.json().metrics.users, 0);
  assert.equal(await count(), before, 'nothing saved');
  assertError(await w.call('user', 'make', { email: 'nope' }), 400, 'field.invalid', 'email');
  assertError(await w.call('user', 'make', { billing: { credit: 1.234 } }), 400, 'field.invalid', 'billing.credit');
  assertError(await w.call('user', 'make', { billing: { country: 'FRA' } }), 400, 'field.invalid', 'billing.country');
  assertError(await w.call('user', 'make', { billing: { cardId: '4242' } }), 400, 'field.invalid', 'billing.cardId');
  assertError(await w.call('user', 'make', { metrics: { devices: -1 } }), 400, 'field.invalid', 'metrics.devices');
  assertError(await w.call('user', 'make', { name: 5 }), 400, 'field.invalid', 'name');
  assertError(await w.call('anonymous', 'init', {}), 401, 'auth.required');
  assertError(await w.call('anonymous', 'make', {}), 401, 'auth.required');
});

// ---- updates ----

test('updateIdentity: the organization\'s name and e-mail, by its admin', async () => {
  const org = await w.account();
  const res = await w.call('admin', 'updateIdentity', { id: String(org.id), name: 'Renamed', email: 'Billing@Renamed.example' });
  assert.equal(res.statusCode, 200, res.body);
  assertAccount(res.json(), { id: String(org.id), name: 'Renamed', email: 'billing@renamed.example' });
  const profile = await s.request({ method: 'GET', url: `/api/profile/${org.slug}/`, token: w.am.token });
  assert.equal(profile.json().full_name, 'Renamed');
  assert.equal(profile.json().email, 'billing@renamed.example');
  assertError(await w.call('user', 'updateIdentity', { id: String(org.id), name: 'Mine' }), 403, 'access.denied');
  assertError(await w.call('other', 'updateIdentity', { id: String(org.id), name: 'Mine' }), 404, 'organization.not_found');
  assertError(await w.call('admin', 'updateIdentity', { id: '77777777', name: 'X' }), 404, 'organization.not_found');
  assertError(await w.call('admin', 'updateIdentity', { name: 'X' }), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'updateIdentity', { id: String(org.id), email: 'nope' }), 400, 'field.invalid', 'email');
  assertError(await w.call('admin', 'updateIdentity', { id: String(org.id), name: '  ' }), 400, 'field.invalid', 'name');
  assertError(await w.call('admin', 'updateIdentity', { id: String(org.id), name: ['x'] }), 400, 'field.invalid', 'name');
});

test('updateBilling: invoice details, by the account\'s admin; given fields change, empty clears', async () => {
  const org = await w.account();
  const id = String(org.id);
  const res = await w.call('admin', 'updateBilling', {
    id, address: '1 Rue de la Paix, Paris', company: 'Acme SAS', country: 'fr', invoiceEmail: 'AP@acme.example', order: 'PO-1234', subject: 'Devices',
  });
  assert.equal(res.statusCode, 200, res.body);
  const billing = res.json().billing;
  assert.deepEqual({ ...billing }, {
    address: '1 Rue de la Paix, Paris', agreement: false, cardId: null, canWire: false, company: 'Acme SAS', country: 'FR', credit: 0, error: null,
    invoiceEmail: 'ap@acme.example', memo: null, order: 'PO-1234', renew: null, renewing: false, stripeId: null, subject: 'Devices', terms: 0, wire: false,
  });
  const cleared = await w.call('staff', 'updateBilling', { id, order: '', company: 'Acme' });
  assert.equal(cleared.json().billing.order, null);
  assert.equal(cleared.json().billing.company, 'Acme');
  assert.equal(cleared.json().billing.address, '1 Rue de la Paix, Paris');
  const events = await s.core.db.selectFrom('organization_events').select('type').where('organization_id', '=', org.id).where('type', '=', 'account.billing_updated').execute();
  assert.equal(events.length, 2);
  assertError(await w.call('user', 'updateBilling', { id, company: 'X' }), 403, 'access.denied');
  assertError(await w.call('other', 'updateBilling', { id, company: 'X' }), 404, 'organization.not_found');
  assertError(await w.call('anonymous', 'updateBilling', { id, company: 'X' }), 401, 'auth.required');
  assertError(await w.call('admin', 'updateBilling', { id: '66666666', company: 'X' }), 404, 'organization.not_found');
  assertError(await w.call('admin', 'updateBilling', { company: 'X' }), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'updateBilling', { id, invoiceEmail: 'nope' }), 400, 'field.invalid', 'invoiceEmail');
  assertError(await w.call('admin', 'updateBilling', { id, country: 'F1' }), 400, 'field.invalid', 'country');
  assertError(await w.call('admin', 'updateBilling', { id, address: 12 }), 400, 'field.invalid', 'address');
  assertError(await w.call('admin', 'updateBilling', { id, cardId: 'card_1' }), 400, 'field.invalid', 'cardId');
});

test('updatePayment: the payment terms are the broker staff\'s; the admin sets renewal', async () => {
  const org = await w.account();
  const id = String(org.id);
  const staff = await w.call('staff', 'updatePayment', { id, agreement: true, canWire: true, credit: 1250.75, terms: 30, wire: true, memo: 'Net 30 agreed' });
  assert.equal(staff.statusCode, 200, staff.body);
  const billing = staff.json().billing;
  assert.equal(billing.agreement, true);
  assert.equal(billing.canWire, true);
  assert.equal(billing.credit, 1250.75);
  assert.equal(billing.terms, 30);
  assert.equal(billing.wire, true);
  assert.equal(billing.memo, 'Net 30 agreed');
  const stored = await s.core.db.selectFrom('account_details').select('credit').where('organization_id', '=', org.id).executeTakeFirstOrThrow();
  assert.equal(Number(stored.credit), 125075, 'kept in minor units');
  const admin = await w.call('admin', 'updatePayment', { id, renewing: true, renew: '2027-03-01', terms: 30 });
  assert.equal(admin.statusCode, 200, admin.body);
  assert.equal(admin.json().billing.renewing, true);
  assert.equal(admin.json().billing.renew, '2027-03-01T00:00:00.000Z');
  for (const change of [{ credit: 5 }, { terms: 60 }, { wire: false }, { canWire: false }, { agreement: false }, { memo: 'mine' }]) {
    const res = await w.call('admin', 'updatePayment', { id, ...change });
    assertError(res, 403, 'access.denied');
    assert.match(res.json().error, new RegExp(Object.keys(change)[0]!));
  }
  assert.equal((await w.call('admin', 'get', { id })).json().billing.credit, 1250.75, 'unchanged');
  assertError(await w.call('user', 'updatePayment', { id, renewing: false }), 403, 'access.denied');
  assertError(await w.call('other', 'updatePayment', { id, renewing: false }), 404, 'organization.not_found');
  assertError(await w.call('staff', 'updatePayment', { id, canWire: false }), 400, 'field.invalid', 'wire');
  assertError(await w.call('staff', 'updatePayment', { id, credit: 0.001 }), 400, 'field.invalid', 'credit');
  assertError(await w.call('staff', 'updatePayment', { id, credit: -1 }), 400, 'field.invalid', 'credit');
  assertError(await w.call('staff', 'updatePayment', { id, terms: 400 }), 400, 'field.invalid', 'terms');
  assertError(await w.call('staff', 'updatePayment', { id, renew: 'tomorrow' }), 400, 'field.invalid', 'renew');
  assertError(await w.call('staff', 'updatePayment', { id, wire: 'yes' }), 400, 'field.invalid', 'wire');
  assertError(await w.call('staff', 'updatePayment', { renewing: true }), 400, 'field.invalid', 'id');
  assertError(await w.call('staff', 'updatePayment', { id: '55555555', renewing: true }), 404, 'organization.not_found');
  assertError(await w.call('staff', 'updatePayment', { id, stripeId: 'cus_x' }), 400, 'field.invalid', 'stripeId');
});

test('updateMetrics: replaced as a whole and checked', async () => {
  const org = await w.account();
  const id = String(org.id);
  const metrics = {
    agents: ['ioto-1.2'], balance: -12.5, connected: 3, clouds: 1, customer: true, dashboards: 2, devices: 10, developer: 1,
    emails: { welcome: 1 }, interest: ['iot'], notifications: 4, plans: 1, products: 2, software: 5, support: 0, users: 3,
  };
  const res = await w.call('admin', 'updateMetrics', { id, metrics });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json().metrics, metrics);
  const replaced = await w.call('admin', 'updateMetrics', { id, metrics: { devices: 11 } });
  assert.deepEqual(replaced.json().metrics, { ...metrics, agents: [], balance: 0, connected: 0, clouds: 0, customer: false, dashboards: 0, devices: 11,
    developer: 0, emails: {}, interest: [], notifications: 0, plans: 0, products: 0, software: 0, support: 0, users: 0 });
  assertError(await w.call('admin', 'updateMetrics', { id, metrics: { devices: -1 } }), 400, 'field.invalid', 'metrics.devices');
  assertError(await w.call('admin', 'updateMetrics', { id, metrics: { devices: 1.5 } }), 400, 'field.invalid', 'metrics.devices');
  assertError(await w.call('admin', 'updateMetrics', { id, metrics: { gadgets: 1 } }), 400, 'field.invalid', 'metrics.gadgets');
  assertError(await w.call('admin', 'updateMetrics', { id, metrics: 'all' }), 400, 'field.invalid', 'metrics');
  assertError(await w.call('admin', 'updateMetrics', { id }), 400, 'field.invalid', 'metrics');
  assertError(await w.call('admin', 'updateMetrics', { id, metrics: { emails: { big: 'x'.repeat(20_000) } } }), 400, 'field.invalid', 'metrics');
  assertError(await w.call('admin', 'updateMetrics', { id: '44444444', metrics: {} }), 404, 'organization.not_found');
  assertError(await w.call('user', 'updateMetrics', { id, metrics: {} }), 403, 'access.denied');
  assertError(await w.call('other', 'updateMetrics', { id, metrics: {} }), 404, 'organization.not_found');
});

// ---- suspend, close, remove ----

test('suspend: from above only; members are refused while suspended; false reactivates; the same state twice is no change', async () => {
  const org = await w.account();
  const id = String(org.id);
  assertError(await w.call('admin', 'suspend', { id, suspended: true }), 403, 'access.denied');
  assertError(await w.call('user', 'suspend', { id, suspended: true }), 403, 'access.denied');
  assertError(await w.call('other', 'suspend', { id, suspended: true }), 404, 'organization.not_found');
  const res = await w.call('staff', 'suspend', { id, suspended: true, reason: 'Unpaid invoices' });
  assert.equal(res.statusCode, 200, res.body);
  assertAccount(res.json(), { id, suspended: true, closed: false });
  assert.equal((await w.call('staff', 'suspend', { id, suspended: true })).json().suspended, true);
  const refused = await w.call('user', 'get', { id });
  assertError(refused, 403, 'organization.suspended');
  assert.match(refused.json().error, /Unpaid invoices/);
  // A partner's managers sit above their customers: they decide too.
  const pm = await quickUser(s, 'pm');
  const partner = await makeOrganization(s);
  await grantRole(s, partner, pm.id, 'manager');
  await s.core.db.updateTable('organizations').set({ partner_id: partner.id }).where('id', '=', org.id).execute();
  const back = await s.request({ method: 'POST', url: '/embedthis/account/suspend', token: pm.token, body: { id, suspended: false } });
  assert.equal(back.statusCode, 200, back.body);
  assert.equal(back.json().suspended, false);
  assert.equal((await w.call('user', 'get', { id })).statusCode, 200);
  assertError(await w.call('staff', 'suspend', { id }), 400, 'field.invalid', 'suspended');
  assertError(await w.call('staff', 'suspend', { id, suspended: 'yes' }), 400, 'field.invalid', 'suspended');
  assertError(await w.call('staff', 'suspend', { id: '33333333', suspended: true }), 404, 'organization.not_found');
});

test('suspend: two racing requests for the same state both answer it', async () => {
  const org = await w.account();
  const answers = await Promise.all([1, 2, 3].map(() => w.call('staff', 'suspend', { id: String(org.id), suspended: true })));
  assert.deepEqual(answers.map((r) => [r.statusCode, r.json().suspended]), [[200, true], [200, true], [200, true]]);
  const events = await s.core.db.selectFrom('organization_events').select('type').where('organization_id', '=', org.id).where('type', '=', 'suspended').execute();
  assert.equal(events.length, 1);
});

test('close: support only (the broker\'s staff), irreversible, releasing members and details', async () => {
  const org = await w.account();
  const id = String(org.id);
  await w.call('admin', 'updateBilling', { id, address: 'Somewhere 1', company: 'Closing Inc' });
  await w.call('admin', 'updateMetrics', { id, metrics: { devices: 3 } });
  for (const caller of ['admin', 'user'] as const) assertError(await w.call(caller, 'close', { id }), 403, 'access.denied');
  assertError(await w.call('other', 'close', { id }), 404, 'organization.not_found');
  assertError(await w.call('anonymous', 'close', { id }), 401, 'auth.required');
  // A partner's manager sits above it, but is not support.
  const pm = await quickUser(s, 'pc');
  const partner = await makeOrganization(s);
  await grantRole(s, partner, pm.id, 'manager');
  await s.core.db.updateTable('organizations').set({ partner_id: partner.id }).where('id', '=', org.id).execute();
  assertError(await s.request({ method: 'POST', url: '/embedthis/account/close', token: pm.token, body: { id } }), 403, 'access.denied');
  const res = await w.call('staff', 'close', { id });
  assert.equal(res.statusCode, 200, res.body);
  assertAccount(res.json(), { id, closed: true, suspended: false, email: null });
  assert.equal(res.json().billing.address, null);
  assert.equal(res.json().metrics.devices, 0);
  assert.equal(await s.core.db.selectFrom('roles').select('id').where('organization_id', '=', org.id).executeTakeFirst(), undefined);
  assertError(await w.call('admin', 'get', { id }), 404, 'organization.not_found');
  assertError(await w.call('staff', 'close', { id }), 403, 'organization.closed');
  assertError(await w.call('staff', 'suspend', { id, suspended: false }), 403, 'organization.closed');
  assert.equal((await w.call('staff', 'get', { id })).json().closed, true, 'the staff still read it');
  assertError(await w.call('staff', 'close', {}), 400, 'field.invalid', 'id');
  assertError(await w.call('staff', 'close', { id: 5 }), 400, 'field.invalid', 'id');
  assertError(await w.call('staff', 'close', { id: '22222222' }), 404, 'organization.not_found');
});

test('remove: the admin removes an account that holds nothing; one that holds something is refused', async () => {
  const empty = await w.account();
  assertError(await w.call('user', 'remove', { id: String(empty.id) }), 403, 'access.denied');
  assertError(await w.call('other', 'remove', { id: String(empty.id) }), 404, 'organization.not_found');
  const res = await w.call('admin', 'remove', { id: String(empty.id) });
  assert.equal(res.statusCode, 204, res.body);
  assert.equal(res.body, '');
  const row = await s.core.db.selectFrom('organizations').select(['status', 'slug']).where('id', '=', empty.id).executeTakeFirstOrThrow();
  assert.deepEqual(row, { status: 'closed', slug: `closed-${empty.id}` });
  assertError(await w.call('admin', 'remove', { id: String(empty.id) }), 404, 'organization.not_found');
  // By e-mail.
  const byEmail = await w.account();
  await s.core.db.updateTable('organizations').set({ email: `remove-${byEmail.id}@example.org` }).where('id', '=', byEmail.id).execute();
  assert.equal((await w.call('admin', 'remove', { email: `remove-${byEmail.id}@example.org` })).statusCode, 204);
  // Holding a customer (or a subscription, a charge...): refused, and for the staff to close.
  const holding = await w.account();
  const customer = await makeOrganization(s);
  await s.core.db.updateTable('organizations').set({ partner_id: holding.id }).where('id', '=', customer.id).execute();
  const refused = await w.call('admin', 'remove', { id: String(holding.id) });
  assertError(refused, 409, 'account.not_empty');
  assert.match(refused.json().error, /customers/);
  assertError(await w.call('admin', 'remove', {}), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'remove', { id: [] }), 400, 'field.invalid', 'id');
  assertError(await w.call('admin', 'remove', { id: '11111111' }), 404, 'organization.not_found');
  assertError(await w.call('anonymous', 'remove', { id: String(holding.id) }), 401, 'auth.required');
});

// ---- authentication ----

test('an API key given bare in Authorization authenticates, as EmbedThis\'s clients send it; a wrong one is 401', async () => {
  const headers = await bareKey(s, w.am.id);
  const res = await s.request({ method: 'POST', url: '/embedthis/account/get', headers, body: { id: String(w.A.id) } });
  assert.equal(res.statusCode, 200, res.body);
  assert.equal(res.json().id, String(w.A.id));
  const bearer = await s.request({ method: 'POST', url: '/embedthis/account/get', token: w.am.token, body: { id: String(w.A.id) } });
  assert.equal(bearer.statusCode, 200);
  const wrong = await s.request({ method: 'POST', url: '/embedthis/account/get', headers: { authorization: `${headers.authorization}x` }, body: { id: String(w.A.id) } });
  assert.equal(wrong.statusCode, 401);
  assert.equal(typeof wrong.json().code, 'string');
  assert.equal(typeof wrong.json().fields, 'object');
  // Only on EmbedThis: elsewhere a bare key is no scheme at all.
  const native = await s.request({ method: 'GET', url: `/api/profile/${w.A.slug}/`, headers });
  assert.equal(native.statusCode, 401);
});
