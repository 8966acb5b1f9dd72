// Application settings against the seed's tables (validateApplicationSettings, called the
// way the applications routes call it): unknown settings, each role's column, the ranges
// and the broker's per-organization limits, the conditional requirement, the caller's
// e-mail as admin_email, the configurator URL's SSRF check, and secrets sealed at rest.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService, type TestUser } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';
import { authorizeOrganization } from '../../src/core/access/policy.js';
import { openApplicationSettings, validateApplicationSettings, getChatRoleOf } from '../../src/core/provisioning/settings.js';
import type { DomainError } from '../../src/core/errors.js';

let s: TestService;
let inbox: number;
let hubspot: number;
let partnerOrg: TestOrg;
let customer: TestOrg;
let partner: TestUser;
let owner: TestUser;
let maintainer: TestUser;

before(async () => {
  s = await startService();
  const rows = await s.core.db.selectFrom('packages').select(['id', 'type']).where('deleted_at', 'is', null).execute();
  inbox = rows.find((r) => r.type === 'inbox')!.id;
  hubspot = rows.find((r) => r.type === '_hubspot')!.id;
  partnerOrg = await makeOrganization(s);
  customer = await makeOrganization(s);
  await placeOrganization(s, customer, { partner: partnerOrg });
  [partner, owner, maintainer] = await Promise.all([quickUser(s, 'pt'), quickUser(s, 'ow'), quickUser(s, 'mt')]);
  await giveRole(s, partnerOrg, partner.id, 'partner');
  await giveRole(s, customer, owner.id, 'manager');
  await giveRole(s, customer, maintainer.id, 'contributor');
});
after(async () => { await s.stop(); });

async function check(user: TestUser, settings: Record<string, unknown>, options: { packageId?: number; previous?: Record<string, unknown>; org?: TestOrg } = {}) {
  const org = options.org ?? customer;
  const access = await authorizeOrganization(s.core, { kind: 'user', userId: user.id, username: user.username, via: 'jwt' }, 'organization.deployments.manage', org);
  return validateApplicationSettings(s.core, {
    packageId: options.packageId ?? inbox, organizationId: org.id, access, callerEmail: user.email, settings, previous: options.previous,
  });
}

async function refusal(promise: Promise<unknown>): Promise<DomainError> {
  try {
    await promise;
  } catch (error) {
    return error as DomainError;
  }
  assert.fail('expected a refusal');
}

test('the built-in Inbox and HubSpot packages are loaded at start', async () => {
  const rows = await s.core.db.selectFrom('packages').select(['type', 'name', 'source', 'uuid']).where('deleted_at', 'is', null).orderBy('id').execute();
  assert.deepEqual(rows.map((r) => [r.type, r.name, r.source]), [['inbox', 'Inbox', 'file'], ['_hubspot', 'HubSpot', 'file']]);
});

test('roles: the partner above the customer is Partner, its manager Owner, its contributor Maintainer', async () => {
  const as = async (user: TestUser) => getChatRoleOf(await authorizeOrganization(s.core, { kind: 'user', userId: user.id, username: user.username, via: 'jwt' }, 'organization.deployments.manage', customer));
  assert.equal(await as(partner), 'partner');
  assert.equal(await as(owner), 'owner');
  assert.equal(await as(maintainer), 'maintainer');
  assert.equal(await as(s.admin), 'partner');
});

test('a maintainer passes admin_email only; admin_email defaults to the caller', async () => {
  const own = await check(maintainer, {});
  assert.deepEqual(own, { admin_email: maintainer.email });
  const given = await check(maintainer, { admin_email: 'boss@example.com' });
  assert.equal(given.admin_email, 'boss@example.com');
  for (const user of [maintainer, owner]) {
    const refused = await refusal(check(user, { d360_api_key: 'k', seats_quota: 5 }));
    assert.equal(refused.code, 'setting.not_allowed');
    assert.match(refused.message, /settings\.d360_api_key \(Partner\), settings\.seats_quota \(Partner\)/);
  }
});

test('unknown settings are named; the schema names the field; ranges name the limits', async () => {
  const unknown = await refusal(check(partner, { d360_api_key: 'k', colour: 'red', __proto__x: 1 }));
  assert.equal(unknown.code, 'setting.unknown');
  assert.deepEqual(Object.keys(unknown.fields).sort(), ['settings.__proto__x', 'settings.colour']);

  const wrongType = await refusal(check(partner, { seats_quota: '5' }));
  assert.equal(wrongType.code, 'field.invalid');
  assert.deepEqual(Object.keys(wrongType.fields), ['settings.seats_quota']);

  const badEmail = await refusal(check(maintainer, { admin_email: 'not an address' }));
  assert.deepEqual(Object.keys(badEmail.fields), ['settings.admin_email']);

  for (const [name, value] of [['seats_quota', 0], ['seats_quota', 51], ['messages_quota', 999_999], ['messages_quota', 10_000_001]] as const) {
    const out = await refusal(check(partner, { [name]: value }));
    assert.equal(out.code, 'setting.out_of_range', `${name}=${value}`);
    assert.deepEqual(Object.keys(out.fields), [`settings.${name}`]);
  }
  const out = await refusal(check(partner, { seats_quota: 51 }));
  assert.match(out.fields['settings.seats_quota']![0]!, /between 1 and 50/);
  const ok = await check(partner, { seats_quota: 50, messages_quota: 1_000_000, d360_api_key: 'abc' });
  assert.equal(ok.seats_quota, 50);
  assert.equal(ok.messages_quota, 1_000_000);
});

test('the broker raises a limit for one organization only', async () => {
  await s.core.db.insertInto('package_setting_limits').values({ organization_id: customer.id, package_id: inbox, setting: 'seats_quota', maximum: 80 }).execute();
  try {
    const raised = await check(partner, { seats_quota: 80 });
    assert.equal(raised.seats_quota, 80);
    const still = await refusal(check(partner, { seats_quota: 0 }));
    assert.equal(still.code, 'setting.out_of_range');
    assert.match(still.fields['settings.seats_quota']![0]!, /between 1 and 80/);
    const other = await refusal(check(partner, { seats_quota: 80 }, { org: partnerOrg }));
    assert.equal(other.code, 'setting.out_of_range');
  } finally {
    await s.core.db.deleteFrom('package_setting_limits').where('organization_id', '=', customer.id).execute();
  }
});

test('configurator_webhook_url is required with configurator_user, and must be a public address', async () => {
  const missing = await refusal(check(partner, { configurator_user: 'config-bot' }));
  assert.equal(missing.code, 'field.invalid');
  assert.deepEqual(missing.fields, { 'settings.configurator_webhook_url': ['Required when configurator_user is given.'] });

  const local = await refusal(check(partner, { configurator_user: 'config-bot', configurator_webhook_url: 'http://127.0.0.1:9/hook' }));
  assert.equal(local.code, 'url.not_allowed');
  assert.deepEqual(Object.keys(local.fields), ['settings.configurator_webhook_url']);

  const headers = await refusal(check(partner, { configurator_user: 'c', configurator_webhook_url: 'https://93.184.215.14/hook', configurator_webhook_headers: '{not json' }));
  assert.deepEqual(Object.keys(headers.fields), ['settings.configurator_webhook_headers']);
  const hostHeader = await refusal(check(partner, { configurator_user: 'c', configurator_webhook_url: 'https://93.184.215.14/hook', configurator_webhook_headers: { Host: 'evil' } }));
  assert.deepEqual(Object.keys(hostHeader.fields), ['settings.configurator_webhook_headers']);
});

test('secrets are sealed at rest and opened for the deployer; an update merges, null removes', async () => {
  const stored = await check(partner, {
    d360_api_key: 'example_api_key', configurator_user: 'c', configurator_webhook_url: 'https://93.184.215.14/hook',
    configurator_webhook_headers: '{"Authorization": "Basic 123"}',
  });
  assert.ok(!JSON.stringify(stored).includes('example_api_key'));
  assert.ok(!JSON.stringify(stored).includes('Basic 123'));
  const opened = openApplicationSettings(s.core, stored);
  assert.equal(opened.d360_api_key, 'example_api_key');
  assert.deepEqual(opened.configurator_webhook_headers, { Authorization: 'Basic 123' });
  assert.equal(opened.admin_email, partner.email);

  // The owner changes admin_email only; the partner's settings stay as they were.
  const updated = await check(owner, { admin_email: 'owner@example.com' }, { previous: stored });
  const reopened = openApplicationSettings(s.core, updated);
  assert.equal(reopened.admin_email, 'owner@example.com');
  assert.equal(reopened.d360_api_key, 'example_api_key');
  // Removing the URL while the configurator user stays breaks the conditional requirement.
  const broken = await refusal(check(partner, { configurator_webhook_url: null }, { previous: stored }));
  assert.deepEqual(Object.keys(broken.fields), ['settings.configurator_webhook_url']);
  const removed = openApplicationSettings(s.core, await check(partner, { configurator_user: null, configurator_webhook_url: null }, { previous: stored }));
  assert.equal(removed.configurator_user, undefined);
});

test('HubSpot: the owner passes the access token, the maintainer may not; a retired or unknown package is not found', async () => {
  const sealed = await check(owner, { hubspot_portal_id: 42, hubspot_access_token: 'pat-na1-x' }, { packageId: hubspot });
  assert.equal(openApplicationSettings(s.core, sealed).hubspot_access_token, 'pat-na1-x');
  const refused = await refusal(check(maintainer, { hubspot_access_token: 'pat' }, { packageId: hubspot }));
  assert.equal(refused.code, 'setting.not_allowed');
  const unknown = await refusal(check(partner, {}, { packageId: 999_999 }));
  assert.equal(unknown.code, 'package.not_found');
});
