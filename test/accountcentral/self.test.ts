// Accountcentral's service and user operations: the caller's own account, through real HTTP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, quickUser, QUICK_PASSWORD, type TestOrg } from '../support/fixtures.js';
import { acWorld, type AcWorld } from './world.js';
import type { DevelopmentSmsSender } from '../../src/core/notify/sms.js';
import { recordApplicationAccess } from '../../src/core/identity/application-accesses.js';

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService();
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

type Method = 'GET' | 'PUT' | 'POST';
const call = (user: TestUser | null, method: Method, url: string, body?: unknown) =>
  s.request({ method, url: `/accountcentral${url}`, token: user?.token, body });

/** The seed's message body for an error, with the field at fault when one is named. */
function assertMsg(res: { statusCode: number; json(): any; body: string }, status: number, code?: string, field?: string) {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json();
  assert.equal(typeof body.message, 'string');
  assert.equal(typeof body.logref, 'string');
  assert.equal(body.data.status, status);
  if (code) assert.equal(body.data.code, code, res.body);
  assert.ok(Array.isArray(body.errors));
  if (field) assert.ok(body.errors.some((e: { field: string }) => e.field.includes(field)), `${field} not named: ${res.body}`);
}

async function deployedApplication(org: TestOrg, deployed = true): Promise<{ id: number; uuid: string; stackId: number; type: string }> {
  const type = `t${randomUUID().slice(0, 8)}`;
  const pkg = await s.core.db.insertInto('packages').values({
    uuid: randomUUID(), name: `Package ${type}`, type, settings_schema: JSON.stringify({}), setting_rules: JSON.stringify({}), deployer_config: JSON.stringify({}),
  }).returning('id').executeTakeFirstOrThrow();
  const stack = await s.core.db.insertInto('stacks').values({
    uuid: randomUUID(), organization_id: org.id, name: 'stack', subdomain: `s${randomUUID().slice(0, 8)}`, partner_meta: JSON.stringify({}),
  }).returning('id').executeTakeFirstOrThrow();
  const app = await s.core.db.insertInto('applications').values({
    uuid: randomUUID(), stack_id: stack.id, package_id: pkg.id, settings: JSON.stringify({}), partner_meta: JSON.stringify({}), is_deployed: deployed,
  }).returning(['id', 'uuid']).executeTakeFirstOrThrow();
  return { id: app.id, uuid: app.uuid, stackId: stack.id, type };
}

// ---- service ----

test('#1 user basic information for API use: the seed\'s fields, the customer that made the account, roles per customer', async () => {
  await s.core.db.updateTable('users').set({ first_name: 'Tina', last_name: 'User', picture: 'https://img.example.com/t.png' }).where('id', '=', w.tu.id).execute();
  const res = await call(w.tu, 'GET', '/service/user/basic');
  assert.equal(res.statusCode, 200, res.body);
  const C = await s.core.db.selectFrom('organizations').select('full_name').where('id', '=', w.C.id).executeTakeFirstOrThrow();
  assert.deepEqual(res.json(), {
    userPk: w.tu.id, name: 'Tina', surname: 'User', username: w.tu.username, email: w.tu.email,
    picture: 'https://img.example.com/t.png', lang: 'en', timezone: 'UTC',
    creationGroupPk: w.C.id, creationGroupName: C.full_name, external: false,
    roles: { [String(w.C.id)]: ['contributor'] },
  });
  // The preferences give lang and timezone; an account its owner made has no creation group.
  await call(w.cm, 'PUT', '/user/preferences', { language: 'it', timezone: 'Europe/Rome' });
  const cm = (await call(w.cm, 'GET', '/service/user/basic')).json();
  assert.equal(cm.lang, 'it');
  assert.equal(cm.timezone, 'Europe/Rome');
  assert.equal(cm.creationGroupPk, null);
  assert.equal(cm.creationGroupName, null);
  assert.deepEqual(cm.roles, { [String(w.C.id)]: ['manager'] });
  assertMsg(await call(null, 'GET', '/service/user/basic'), 401, 'auth.required');
});

test('#2 the caller\'s customers: accepted roles only, closed ones and personal profiles left out', async () => {
  const u = await quickUser(s, 'cust');
  const a = await makeOrganization(s, { fullName: 'Alpha customer' });
  const b = await makeOrganization(s, { fullName: 'Beta customer' });
  const pending = await makeOrganization(s);
  const closed = await makeOrganization(s);
  await grantRole(s, a, u.id, 'manager');
  await grantRole(s, a, u.id, 'contributor');
  await grantRole(s, b, u.id, 'contributor');
  await grantRole(s, pending, u.id, 'contributor', true);
  await grantRole(s, closed, u.id, 'manager');
  await placeOrganization(s, closed, { status: 'closed' });
  await placeOrganization(s, b, { partner: a, status: 'suspended' });
  const res = await call(u, 'GET', '/service/customers');
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), [
    { groupPk: a.id, groupName: 'Alpha customer', status: 'ACTIVE', parentGroupPk: null, roles: ['contributor', 'manager'] },
    { groupPk: b.id, groupName: 'Beta customer', status: 'SUSPENDED', parentGroupPk: a.id, roles: ['contributor'] },
  ]);
  assert.deepEqual((await call(await quickUser(s, 'none'), 'GET', '/service/customers')).json(), []);
  assertMsg(await call(null, 'GET', '/service/customers'), 401);
});

test('#3 associated with a customer: members and the managers above it; anyone else, an unknown or a closed customer is a 404', async () => {
  const res = await call(w.tu, 'GET', `/service/customers/${w.C.id}`);
  assert.equal(res.statusCode, 200, res.body);
  const C = await s.core.db.selectFrom('organizations').select('full_name').where('id', '=', w.C.id).executeTakeFirstOrThrow();
  assert.deepEqual(res.json(), { groupPk: w.C.id, groupName: C.full_name, status: 'ACTIVE', chatEnabled: false });
  // The partner's manager is associated with its customer.
  assert.equal((await call(w.pm, 'GET', `/service/customers/${w.C.id}`)).statusCode, 200);
  // Strangers, the broker's manager (no role there), unknown ids: the same 404.
  const notFound = await call(w.xm, 'GET', `/service/customers/${w.C.id}`);
  assertMsg(notFound, 404, 'organization.not_found');
  assertMsg(await call(w.staff, 'GET', `/service/customers/${w.C.id}`), 404, 'organization.not_found');
  assert.equal((await call(w.tu, 'GET', '/service/customers/99999999')).json().message, notFound.json().message);
  assertMsg(await call(w.tu, 'GET', '/service/customers/abc'), 400, 'field.invalid', 'groupPk');
  assertMsg(await call(w.tu, 'GET', '/service/customers/0'), 400, 'field.invalid', 'groupPk');
  assertMsg(await call(null, 'GET', `/service/customers/${w.C.id}`), 401);

  // A deployed application enables chat; a suspended customer says so and has none; a closed one is gone.
  const org = await makeOrganization(s);
  const member = await quickUser(s, 'chat');
  await grantRole(s, org, member.id, 'contributor');
  await deployedApplication(org, false);
  assert.equal((await call(member, 'GET', `/service/customers/${org.id}`)).json().chatEnabled, false);
  await deployedApplication(org, true);
  assert.equal((await call(member, 'GET', `/service/customers/${org.id}`)).json().chatEnabled, true);
  await placeOrganization(s, org, { status: 'suspended' });
  assert.deepEqual((await call(member, 'GET', `/service/customers/${org.id}`)).json(),
    { groupPk: org.id, groupName: `Org ${org.slug}`, status: 'SUSPENDED', chatEnabled: false });
  await placeOrganization(s, org, { status: 'closed' });
  assertMsg(await call(member, 'GET', `/service/customers/${org.id}`), 404);
});

test('#4 basic information with expand=platform: groups are organizations (the partner tree), workspaces stacks, nodes applications', async () => {
  const app = await deployedApplication(w.C);
  const plain = await call(w.pm, 'GET', '/service/user');
  assert.equal(plain.statusCode, 200, plain.body);
  assert.equal(plain.json().platform, undefined);
  assert.equal(plain.json().userPk, w.pm.id);

  const res = await call(w.pm, 'GET', '/service/user?expand=platform');
  assert.equal(res.statusCode, 200, res.body);
  const { platform } = res.json();
  const P = platform.groups.find((g: { groupPk: number }) => g.groupPk === w.P.id);
  const C = platform.groups.find((g: { groupPk: number }) => g.groupPk === w.C.id);
  assert.deepEqual(P, { groupPk: w.P.id, groupName: `Org ${w.P.slug}`, status: 'ACTIVE', parentGroupPk: null, roles: ['manager'] });
  assert.deepEqual(C, { groupPk: w.C.id, groupName: `Org ${w.C.slug}`, status: 'ACTIVE', parentGroupPk: w.P.id, roles: [] });
  assert.ok(!platform.groups.some((g: { groupPk: number }) => g.groupPk === w.X.id));
  const stack = platform.workspaces.find((x: { workspaceId: number }) => x.workspaceId === app.stackId);
  assert.deepEqual(Object.keys(stack).sort(), ['groupPk', 'name', 'status', 'subdomain', 'uuid', 'workspaceId']);
  assert.equal(stack.groupPk, w.C.id);
  const node = platform.nodes.find((n: { nodeId: number }) => n.nodeId === app.id);
  assert.deepEqual(node, { nodeId: app.id, uuid: app.uuid, workspaceId: app.stackId, application: app.type, domain: null, status: node.status });

  // The other customer's manager reaches none of it.
  const other = (await call(w.xm, 'GET', '/service/user?expand=platform')).json().platform;
  assert.deepEqual(other.groups.map((g: { groupPk: number }) => g.groupPk), [w.X.id]);
  assert.ok(!other.workspaces.some((x: { groupPk: number }) => x.groupPk === w.C.id));
  assertMsg(await call(w.pm, 'GET', '/service/user?expand=everything'), 400, 'field.invalid', 'expand');
  assertMsg(await call(null, 'GET', '/service/user?expand=platform'), 401);
});

// ---- preferences ----

test('#7 #8 #18 preferences: defaults, the values given change, each checked against the allowed options', async () => {
  const u = await quickUser(s, 'pref');
  const initial = await call(u, 'GET', '/user/preferences');
  assert.equal(initial.statusCode, 200, initial.body);
  assert.deepEqual(initial.json(), {
    timezone: 'UTC', language: 'en', weekBegin: 'monday',
    numberFormat: { value: '1,234.56', label: 'Comma thousands, dot decimals' },
    dateFormat: { value: 'YYYY-MM-DD', label: '2026-01-31' },
    hourFormat: { value: 'HH:mm', label: '24-hour clock (13:45)' },
  });
  const options = await call(null, 'GET', '/user/preferences/options');
  assert.equal(options.statusCode, 200, options.body);
  const o = options.json();
  assert.deepEqual(Object.keys(o).sort(), ['dateFormat', 'hourFormat', 'languages', 'numberFormat', 'timezones', 'weekBegin']);
  assert.ok(o.timezones.includes('Europe/Rome') && o.timezones.includes('UTC'));
  assert.deepEqual(o.weekBegin[0], { value: 'monday', label: 'Monday' });
  assert.ok(o.languages.some((l: { value: string; label: string }) => l.value === 'it' && l.label === 'Italian'));
  assert.equal(o.numberFormat['1.234,56'], 'Dot thousands, comma decimals');
  assert.equal(o.hourFormat['h:mm A'], '12-hour clock (1:45 PM)');
  assertMsg(await call(null, 'GET', '/user/preferences/options?lang=it'), 400, 'field.invalid', 'lang');

  const res = await call(u, 'PUT', '/user/preferences', { weekBegin: 'sunday', numberFormat: { value: '1.234,56', label: 'ignored' }, hourFormat: { value: 'h:mm A' } });
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    timezone: 'UTC', language: 'en', weekBegin: 'sunday',
    numberFormat: { value: '1.234,56', label: 'Dot thousands, comma decimals' },
    dateFormat: { value: 'YYYY-MM-DD', label: '2026-01-31' },
    hourFormat: { value: 'h:mm A', label: '12-hour clock (1:45 PM)' },
  });
  assert.deepEqual((await call(u, 'GET', '/user/preferences')).json(), res.json());

  // Values not among the options, named by Accountcentral's field; nothing changes.
  const bad = await call(u, 'PUT', '/user/preferences', { timezone: 'Mars/Base', dateFormat: { value: 'DD~MM' }, language: 'en' });
  assertMsg(bad, 400, 'field.invalid');
  assert.deepEqual(bad.json().errors.map((e: { field: string }) => e.field).sort(), ['dateFormat', 'timezone']);
  assert.equal((await call(u, 'GET', '/user/preferences')).json().language, 'en');
  assertMsg(await call(u, 'PUT', '/user/preferences', { language: 5 }), 400, 'field.invalid', 'language');
  assertMsg(await call(u, 'PUT', '/user/preferences', { numberFormat: '1,234.56' }), 400, 'field.invalid', 'numberFormat');
  assertMsg(await call(u, 'PUT', '/user/preferences', { numberFormat: {} }), 400, 'field.invalid', 'value');
  assertMsg(await call(u, 'PUT', '/user/preferences', { colour: 'blue' }), 400, 'field.invalid', 'colour');
  const malformed = await s.request({ method: 'PUT', url: '/accountcentral/user/preferences', token: u.token, body: '{"language":', headers: { 'content-type': 'application/json' } });
  assertMsg(malformed, 400);
  assertMsg(await call(null, 'GET', '/user/preferences'), 401);
  assertMsg(await call(null, 'PUT', '/user/preferences', { language: 'it' }), 401);
});

// ---- security events and accesses ----

test('#9 security events: newest first, windowed, filtered by type, application and time (epoch milliseconds)', async () => {
  const u = await quickUser(s, 'sec');
  const base = new Date('2026-03-01T10:00:00Z').getTime();
  const events = [
    { type: 'login.failed', at: base, detail: null },
    { type: 'login.succeeded', at: base + 1000, detail: { application: 'gc_client_one' } },
    { type: 'login.succeeded', at: base + 2000, detail: null },
    { type: 'password.changed', at: base + 3000, detail: null },
  ];
  for (const e of events) {
    await s.core.db.insertInto('security_events').values({
      user_id: u.id, type: e.type, ip: '203.0.113.7', user_agent: 'Agent', created_at: new Date(e.at), detail: e.detail ? JSON.stringify(e.detail) : null,
    }).execute();
  }
  const all = await call(u, 'GET', `/user/security-events?from=${base}&to=${base + 3000}`);
  assert.equal(all.statusCode, 200, all.body);
  assert.deepEqual(all.json().map((e: { type: string }) => e.type), ['password.changed', 'login.succeeded', 'login.succeeded', 'login.failed']);
  assert.deepEqual(all.json()[2], {
    type: 'login.succeeded', date: new Date(base + 1000).toISOString(), timestamp: base + 1000, ip: '203.0.113.7', userAgent: 'Agent',
    application: 'gc_client_one', detail: { application: 'gc_client_one' },
  });
  const ofType = (await call(u, 'GET', `/user/security-events?type=login.succeeded&from=${base}`)).json();
  assert.deepEqual(ofType.map((e: { timestamp: number }) => e.timestamp), [base + 2000, base + 1000]);
  const excluded = (await call(u, 'GET', `/user/security-events?type=login.succeeded&exclude-app=gc_client_one&from=${base}`)).json();
  assert.deepEqual(excluded.map((e: { timestamp: number }) => e.timestamp), [base + 2000]);
  const twice = (await call(u, 'GET', `/user/security-events?exclude-app=gc_client_one&exclude-app=other&from=${base}&to=${base + 1500}`)).json();
  assert.deepEqual(twice.map((e: { type: string }) => e.type), ['login.failed']);
  const window = (await call(u, 'GET', `/user/security-events?from=${base + 1000}&to=${base + 2000}`)).json();
  assert.deepEqual(window.map((e: { timestamp: number }) => e.timestamp), [base + 2000, base + 1000]);
  const page1 = (await call(u, 'GET', `/user/security-events?size=3&page=1&from=${base}&to=${base + 3000}`)).json();
  assert.deepEqual(page1.map((e: { type: string }) => e.type), ['login.failed']);
  // Only the caller's own: another user sees none of these.
  assert.deepEqual((await call(w.xm, 'GET', `/user/security-events?from=${base}&to=${base + 3000}`)).json(), []);
  for (const query of ['from=yesterday', 'size=0', 'size=101', 'page=-1', 'to=1.5']) {
    assertMsg(await call(u, 'GET', `/user/security-events?${query}`), 400, 'field.invalid', query.split('=')[0]);
  }
  assertMsg(await call(null, 'GET', '/user/security-events'), 401);
});

test('#10 first and last access of each application, per customer; concurrent first accesses make one row', async () => {
  const u = await quickUser(s, 'acc');
  assert.deepEqual((await call(u, 'GET', '/user/applications/accesses')).json(), {});
  const t0 = new Date('2026-02-01T08:00:00Z');
  const t1 = new Date('2026-02-03T08:00:00Z');
  const t2 = new Date('2026-02-05T08:00:00Z');
  // Twenty racing first accesses, in any order: one row, the earliest and the latest kept.
  await Promise.all(Array.from({ length: 20 }, (_, i) => recordApplicationAccess(s.core.db, { userId: u.id, application: 'send', organizationId: w.C.id }, i % 2 ? t1 : t0)));
  await recordApplicationAccess(s.core.db, { userId: u.id, application: 'send', organizationId: w.X.id }, t2);
  await recordApplicationAccess(s.core.db, { userId: u.id, application: 'gc_unknown_client', organizationId: null }, t1);
  // A late, older access moves neither date the wrong way.
  await recordApplicationAccess(s.core.db, { userId: u.id, application: 'send', organizationId: w.C.id }, new Date('2026-02-02T00:00:00Z'));
  const rows = await s.core.db.selectFrom('user_application_accesses').selectAll().where('user_id', '=', u.id).execute();
  assert.equal(rows.length, 3);

  const res = await call(u, 'GET', '/user/applications/accesses');
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.deepEqual(Object.keys(body), ['send', 'gc_unknown_client']);
  assert.deepEqual(body.send, {
    application: 'send', name: 'ContactSend', firstAccess: t0.toISOString(), lastAccess: t2.toISOString(),
    customers: [
      { groupPk: w.X.id, groupName: `Org ${w.X.slug}`, firstAccess: t2.toISOString(), lastAccess: t2.toISOString() },
      { groupPk: w.C.id, groupName: `Org ${w.C.slug}`, firstAccess: t0.toISOString(), lastAccess: t1.toISOString() },
    ],
  });
  assert.deepEqual(body.gc_unknown_client, { application: 'gc_unknown_client', name: 'gc_unknown_client', firstAccess: t1.toISOString(), lastAccess: t1.toISOString(), customers: [] });
  assert.deepEqual((await call(w.xm, 'GET', '/user/applications/accesses')).json(), {});
  assertMsg(await call(null, 'GET', '/user/applications/accesses'), 401);
});

test('#10 recorded: the partner\'s ID token for a user into a customer\'s application is that user\'s access to it', async () => {
  const partner = await quickUser(s, 'part');
  const member = await quickUser(s, 'mem');
  const P = await makeOrganization(s);
  const C = await makeOrganization(s);
  await placeOrganization(s, C, { partner: P });
  await grantRole(s, P, partner.id, 'partner');
  await grantRole(s, C, member.id, 'contributor');
  const app = await deployedApplication(C);
  const issued = await s.request({ method: 'POST', url: `/account/organizations/${C.id}/users/${member.id}/id-token`, token: partner.token, body: { application_id: app.id } });
  assert.equal(issued.statusCode, 200, issued.body);
  s.clock.advance(60);
  await s.request({ method: 'POST', url: `/account/organizations/${C.id}/users/${member.id}/id-token`, token: partner.token, body: { application_id: app.id } });
  const body = (await call(member, 'GET', '/user/applications/accesses')).json();
  assert.deepEqual(Object.keys(body), [app.type]);
  assert.equal(body[app.type].name, `Package ${app.type}`);
  assert.ok(new Date(body[app.type].lastAccess).getTime() - new Date(body[app.type].firstAccess).getTime() >= 60_000);
  assert.deepEqual(body[app.type].customers.map((c: { groupPk: number }) => c.groupPk), [C.id]);
  // The partner used nothing.
  assert.deepEqual((await call(partner, 'GET', '/user/applications/accesses')).json(), {});
});

// ---- the password ----

test('#11 password history: when it was set, never expiring by default', async () => {
  const u = await quickUser(s, 'pwh');
  const res = await call(u, 'GET', '/user/password');
  assert.equal(res.statusCode, 200, res.body);
  const today = s.clock.now.toISOString().slice(0, 10);
  const row = await s.core.db.selectFrom('users').select(['password_changed_at', 'created_at']).where('id', '=', u.id).executeTakeFirstOrThrow();
  assert.deepEqual(res.json(), { updateDate: (row.password_changed_at ?? row.created_at).toISOString().slice(0, 10), expireDate: null, now: today });
  assertMsg(await call(null, 'GET', '/user/password'), 401);
});

test('#11 with PASSWORD_MAX_AGE_DAYS the password expires that many days after it was set', async () => {
  const t = await startService({ PASSWORD_MAX_AGE_DAYS: '90' });
  try {
    const u = await t.user();
    await t.core.db.updateTable('users').set({ password_changed_at: new Date('2026-01-10T12:00:00Z') }).where('id', '=', u.id).execute();
    const res = await t.request({ method: 'GET', url: '/accountcentral/user/password', token: u.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().updateDate, '2026-01-10');
    assert.equal(res.json().expireDate, '2026-04-10');
  } finally {
    await t.stop();
  }
});

test('#12 change password: the old one checked, the new one valid and not reused; other sessions end, the caller gets a fresh token', async () => {
  const u = await s.user({ password: 'First-pa55word-xyz' });
  const other = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: 'First-pa55word-xyz' } });
  assert.equal(other.statusCode, 200, other.body);
  const otherToken = other.json().token;

  assertMsg(await call(u, 'PUT', '/user/password', { oldPassword: 'wrong-password', newPassword: 'Second-pa55word-xyz' }), 400, 'password.incorrect', 'oldPassword');
  assertMsg(await call(u, 'PUT', '/user/password', { oldPassword: 'First-pa55word-xyz', newPassword: '1234567890123' }), 400, 'password.too_weak', 'newPassword');
  assertMsg(await call(u, 'PUT', '/user/password', { oldPassword: 'First-pa55word-xyz', newPassword: 'First-pa55word-xyz' }), 400, 'password.reused', 'newPassword');
  assertMsg(await call(u, 'PUT', '/user/password', { oldPassword: 'First-pa55word-xyz' }), 400, 'field.invalid', 'newPassword');
  assertMsg(await call(u, 'PUT', '/user/password', { oldPassword: 1, newPassword: 'Second-pa55word-xyz' }), 400, 'field.invalid', 'oldPassword');
  assertMsg(await s.request({ method: 'PUT', url: '/accountcentral/user/password', token: u.token, body: '{"oldPassword"', headers: { 'content-type': 'application/json' } }), 400);
  assertMsg(await call(null, 'PUT', '/user/password', { oldPassword: 'First-pa55word-xyz', newPassword: 'Second-pa55word-xyz' }), 401);

  // A token without the password's stamp is judged by its issue second: change the password
  // in a later second than the tokens were issued, as any real change is.
  s.clock.advance(1);
  const res = await call(u, 'PUT', '/user/password', { oldPassword: 'First-pa55word-xyz', newPassword: 'Second-pa55word-xyz' });
  assert.equal(res.statusCode, 200, res.body);
  const body = res.json();
  assert.equal(body.message, 'The password was changed.');
  assert.equal(body.logref, res.headers['x-request-id'] ?? body.logref);
  assert.equal(body.data.code, 'OK');
  assert.equal(body.data.status, 200);
  assert.deepEqual(body.errors, []);
  const fresh = body.data.token as string;
  // The old token and the other session stop; the fresh token works.
  s.clock.advance(1);
  assertMsg(await call(u, 'GET', '/user/password'), 401);
  assertMsg(await s.request({ method: 'GET', url: '/accountcentral/user/password', token: otherToken }), 401);
  const after = await s.request({ method: 'GET', url: '/accountcentral/user/password', token: fresh });
  assert.equal(after.statusCode, 200, after.body);
  const events = await s.core.db.selectFrom('security_events').select('type').where('user_id', '=', u.id).where('type', '=', 'password.changed').execute();
  assert.equal(events.length, 1);

  // None of the last five may come back; the sixth before may.
  const me = { ...u, token: fresh };
  const change = async (from: string, to: string) => {
    const r = await s.request({ method: 'PUT', url: '/accountcentral/user/password', token: me.token, body: { oldPassword: from, newPassword: to } });
    if (r.statusCode === 200) me.token = r.json().data.token;
    return r;
  };
  assertMsg(await change('Second-pa55word-xyz', 'First-pa55word-xyz'), 400, 'password.reused', 'newPassword');
  const sequence = ['Third-pa55word-xyz', 'Fourth-pa55word-xyz', 'Fifth-pa55word-xyz', 'Sixth-pa55word-xyz', 'Seventh-pa55word-xyz'];
  let current = 'Second-pa55word-xyz';
  for (const next of sequence) {
    const r = await change(current, next);
    assert.equal(r.statusCode, 200, r.body);
    current = next;
  }
  // History now: Sixth..Second (five) and the current Seventh; First has aged out.
  assertMsg(await change(current, 'Second-pa55word-xyz'), 400, 'password.reused');
  assert.equal((await change(current, 'First-pa55word-xyz')).statusCode, 200);
  const kept = await s.core.db.selectFrom('password_history').select('password_hash').where('user_id', '=', u.id).execute();
  assert.equal(kept.length, 5);
  assert.ok(kept.every((row) => row.password_hash.startsWith('$argon2id$')));
});

// ---- the PIN: the code by SMS at login ----

function lastCode(to: string): string {
  const sent = (s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === to);
  const match = /\b(\d{6})\b/.exec(sent.at(-1)?.text ?? '');
  assert.ok(match, `no code sent to ${to}`);
  return match[1];
}

test('#13-#17 the PIN: a verified mobile number activates it, two-factor turns it on at login, off with the password', async () => {
  const u = await quickUser(s, 'pin');
  const number = `+3934700${String(u.id).padStart(5, '0')}`;
  assert.deepEqual((await call(u, 'GET', '/user/pin')).json(), { active: false });
  assert.deepEqual((await call(u, 'GET', '/user/two-factor')).json(), { active: false });
  // No number yet: nothing to send to, nothing to turn on.
  assertMsg(await call(u, 'POST', '/user/verification-code'), 400, 'phone.missing', 'cellPhone');
  assertMsg(await call(u, 'PUT', '/user/two-factor', { active: true }), 400, 'phone.missing', 'active');

  await s.core.db.updateTable('users').set({ phone: number }).where('id', '=', u.id).execute();
  assertMsg(await call(u, 'PUT', '/user/two-factor', { active: true }), 400, 'phone.not_verified', 'active');
  const sent = await call(u, 'POST', '/user/verification-code');
  assert.equal(sent.statusCode, 200, sent.body);
  assert.deepEqual(Object.keys(sent.json()).sort(), ['result', 'resultCode', 'timestamp']);
  assert.equal(sent.json().resultCode, 'OK');
  assert.ok(Math.abs(sent.json().timestamp - s.clock.now.getTime()) < 60_000);
  assert.match(sent.json().result, /sent by SMS to \+39/);
  assert.doesNotMatch(sent.json().result, new RegExp(number.replace('+', '\\+')));
  const code = lastCode(number);
  // At most one text every 30 seconds.
  assertMsg(await call(u, 'POST', '/user/verification-code'), 429, 'code.resend_too_soon');

  const wrong = String((Number(code) + 1) % 1_000_000).padStart(6, '0');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: Number(wrong) }), 400, 'code.invalid', 'code');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: 'abc' }), 400, 'field.invalid', 'code');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', {}), 400, 'field.invalid', 'code');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: 1_000_000 }), 400, 'field.invalid', 'code');
  assertMsg(await call(null, 'POST', '/user/verification-code/verify', { code: Number(code) }), 401);
  const ok = await call(u, 'POST', '/user/verification-code/verify', { code: Number(code) });
  assert.equal(ok.statusCode, 200, ok.body);
  assert.equal(ok.json().resultCode, 'OK');
  assert.deepEqual((await call(u, 'GET', '/user/pin')).json(), { active: true });
  assert.deepEqual((await call(u, 'GET', '/user/two-factor')).json(), { active: false });

  // On: login now asks for the code sent by SMS.
  const on = await call(u, 'PUT', '/user/two-factor', { active: true });
  assert.equal(on.statusCode, 200, on.body);
  assert.equal(on.json().resultCode, 'OK');
  assert.deepEqual((await call(u, 'GET', '/user/two-factor')).json(), { active: true });
  const login = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: QUICK_PASSWORD } });
  assert.equal(login.statusCode, 400, login.body);
  assert.ok(JSON.stringify(login.json()).includes('text message'), login.body);
  const withCode = await s.request({ method: 'POST', url: '/api/auth/', body: { username: u.username, password: QUICK_PASSWORD, code: lastCode(number) } });
  assert.equal(withCode.statusCode, 200, withCode.body);

  // Off needs the password.
  assertMsg(await call(u, 'PUT', '/user/two-factor', { active: false }), 400, 'password.required', 'password');
  assertMsg(await call(u, 'PUT', '/user/two-factor', { active: false, password: 'not-it-at-all' }), 400, 'password.incorrect', 'password');
  assertMsg(await call(u, 'PUT', '/user/two-factor', { active: 'no' }), 400, 'field.invalid', 'active');
  assertMsg(await call(u, 'PUT', '/user/two-factor', {}), 400, 'field.invalid', 'active');
  assertMsg(await call(null, 'PUT', '/user/two-factor', { active: false }), 401);
  const off = await call(u, 'PUT', '/user/two-factor', { active: false, password: QUICK_PASSWORD });
  assert.equal(off.statusCode, 200, off.body);
  assert.deepEqual((await call(u, 'GET', '/user/two-factor')).json(), { active: false });
  const changes = await s.core.db.selectFrom('security_events').select('detail').where('user_id', '=', u.id).where('type', '=', 'otp.changed').execute();
  assert.deepEqual(changes.map((c) => (c.detail as { phone_verification_enabled: boolean }).phone_verification_enabled), [true, false]);
  for (const path of ['/user/pin', '/user/two-factor']) assertMsg(await call(null, 'GET', path), 401);
  assertMsg(await call(null, 'POST', '/user/verification-code'), 401);
});

test('#15 five wrong codes withdraw the code: even the right one is refused until a new one is asked for', async () => {
  const u = await quickUser(s, 'pin5');
  const number = `+3934800${String(u.id).padStart(5, '0')}`;
  await s.core.db.updateTable('users').set({ phone: number }).where('id', '=', u.id).execute();
  assert.equal((await call(u, 'POST', '/user/verification-code')).statusCode, 200);
  const code = Number(lastCode(number));
  const wrong = (code + 1) % 1_000_000;
  for (let i = 0; i < 4; i++) assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: wrong }), 400, 'code.invalid');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: wrong }), 429, 'code.too_many_failures');
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code }), 429, 'code.too_many_failures');
  // The code's lifetime: a new code, verified after ten minutes, is refused.
  s.clock.advance(31);
  assert.equal((await call(u, 'POST', '/user/verification-code')).statusCode, 200);
  const fresh = Number(lastCode(number));
  s.clock.advance(601);
  assertMsg(await call(u, 'POST', '/user/verification-code/verify', { code: fresh }), 400);
  assert.deepEqual((await call(u, 'GET', '/user/pin')).json(), { active: false });
});

// ---- personal info ----

test('#5 #6 personal info: the seed\'s fields; the username cannot change; a new mobile number needs the password and its code', async () => {
  const u = await quickUser(s, 'info');
  await s.core.db.updateTable('users').set({ home_organization_id: w.C.id, first_name: 'Ada', last_name: 'Rossi' }).where('id', '=', u.id).execute();
  const res = await call(u, 'GET', '/user/personal-info');
  assert.equal(res.statusCode, 200, res.body);
  assert.deepEqual(res.json(), {
    userPk: u.id, name: 'Ada', surname: 'Rossi', username: u.username, email: u.email, groupName: `Org ${w.C.slug}`,
    phone: null, cellPhone: null, dateOfBirth: null, sex: null, cellPhoneVerified: false, status: 'ACTIVE', userType: 'INTERACTIVE',
  });
  const changed = await call(u, 'PUT', '/user/personal-info', { name: 'Adele', phone: '+39 02 1234 5678', dateOfBirth: '1990-04-01', sex: 'F', username: u.username });
  assert.equal(changed.statusCode, 200, changed.body);
  assert.equal(changed.json().name, 'Adele');
  assert.equal(changed.json().surname, 'Rossi');
  assert.equal(changed.json().phone, '+390212345678');
  assert.equal(changed.json().dateOfBirth, '1990-04-01');
  assert.equal(changed.json().sex, 'F');
  assert.deepEqual((await call(u, 'GET', '/user/personal-info')).json(), changed.json());

  // The username cannot be changed; nor the read-only fields.
  assertMsg(await call(u, 'PUT', '/user/personal-info', { username: 'someone-else' }), 400, 'field.invalid', 'username');
  assertMsg(await call(u, 'PUT', '/user/personal-info', { status: 'SUSPENDED' }), 400, 'field.invalid', 'status');
  assert.equal((await call(u, 'GET', '/user/personal-info')).json().username, u.username);
  // A new mobile number: the password, then the code sent to it.
  assertMsg(await call(u, 'PUT', '/user/personal-info', { cellPhone: '+393471234567' }), 400, 'password.required', 'password');
  const moved = await call(u, 'PUT', '/user/personal-info', { cellPhone: '+393471234567', password: QUICK_PASSWORD });
  assert.equal(moved.statusCode, 200, moved.body);
  assert.equal(moved.json().cellPhone, null);
  assert.equal((await call(u, 'POST', '/user/verification-code')).statusCode, 200);
  assert.equal((await call(u, 'POST', '/user/verification-code/verify', { code: Number(lastCode('+393471234567')) })).statusCode, 200);
  const verified = (await call(u, 'GET', '/user/personal-info')).json();
  assert.equal(verified.cellPhone, '+393471234567');
  assert.equal(verified.cellPhoneVerified, true);
  assert.deepEqual((await call(u, 'GET', '/user/pin')).json(), { active: true });

  // Bad input, named.
  assertMsg(await call(u, 'PUT', '/user/personal-info', { dateOfBirth: '1990-13-45' }), 400, undefined, 'dateOfBirth');
  assertMsg(await call(u, 'PUT', '/user/personal-info', { phone: 'call me' }), 400, undefined, 'phone');
  assertMsg(await call(u, 'PUT', '/user/personal-info', { sex: 'X' }), 400, 'field.invalid', 'sex');
  assertMsg(await call(u, 'PUT', '/user/personal-info', { name: 42 }), 400, 'field.invalid', 'name');
  assertMsg(await call(u, 'PUT', '/user/personal-info', { nickname: 'x' }), 400, 'field.invalid', 'nickname');
  assertMsg(await s.request({ method: 'PUT', url: '/accountcentral/user/personal-info', token: u.token, body: '{"name":', headers: { 'content-type': 'application/json' } }), 400);
  assertMsg(await call(null, 'GET', '/user/personal-info'), 401);
  assertMsg(await call(null, 'PUT', '/user/personal-info', { name: 'x' }), 401);
});
