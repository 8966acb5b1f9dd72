// Who is who in the deployment tests: a partner organization P with its Partner, a customer
// C below it with an Owner (manager) and a Maintainer (contributor), and a stranger.
// Packages are rows written straight to the `packages` table.
import { randomUUID } from 'node:crypto';
import type { TestService, TestUser } from '../support/service.js';
import { unique } from '../support/service.js';
import { giveRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

export interface DeployWorld {
  partnerOrg: TestOrg;
  customer: TestOrg;
  partner: TestUser;
  owner: TestUser;
  maintainer: TestUser;
  stranger: TestUser;
}

export async function deployWorld(s: TestService): Promise<DeployWorld> {
  const [partner, owner, maintainer, stranger] = await Promise.all([quickUser(s, 'partner'), quickUser(s, 'owner'), quickUser(s, 'maint'), quickUser(s, 'strang')]);
  const partnerOrg = await makeOrganization(s);
  await giveRole(s, partnerOrg, partner.id, 'partner');
  const customer = await makeOrganization(s);
  await placeOrganization(s, customer, { partner: partnerOrg });
  await giveRole(s, customer, owner.id, 'manager');
  await giveRole(s, customer, maintainer.id, 'contributor');
  return { partnerOrg, customer, partner, owner, maintainer, stranger };
}

const ALL = ['maintainer', 'owner', 'partner'];
/** The settings of a test package: a few plain ones, and the configurator's (as the Inbox has them), open to every role. */
const TEST_SCHEMA = {
  type: 'object',
  properties: {
    seats: { type: 'integer', minimum: 1 },
    region: { type: 'string' },
    admin_email: { type: 'string', format: 'email' },
    configurator_user: { type: 'string' },
    configurator_webhook_url: { type: 'string', format: 'uri' },
    configurator_webhook_headers: { type: ['string', 'object'] },
  },
  dependentRequired: { configurator_user: ['configurator_webhook_url'] },
};
const TEST_RULES = {
  seats: { roles: ALL }, region: { roles: ALL },
  admin_email: { roles: ALL, default_from: 'caller_email' },
  configurator_user: { roles: ALL },
  configurator_webhook_url: { roles: ALL, check: 'public_url' },
  configurator_webhook_headers: { roles: ALL, check: 'headers', secret: true },
};

export interface PackageOptions {
  type?: string;
  name?: string;
  deployer?: 'local' | 'command' | 'http';
  deployerConfig?: Record<string, unknown>;
  settingsSchema?: Record<string, unknown>;
  settingRules?: Record<string, unknown>;
}

export async function makePackage(s: TestService, options: PackageOptions = {}): Promise<{ id: number; uuid: string; type: string; name: string }> {
  const type = options.type ?? unique('pkg').toLowerCase();
  return s.core.db.insertInto('packages').values({
    uuid: randomUUID(),
    name: options.name ?? `Package ${type}`,
    type,
    settings_schema: JSON.stringify(options.settingsSchema ?? TEST_SCHEMA),
    setting_rules: JSON.stringify(options.settingRules ?? TEST_RULES),
    deployer: options.deployer ?? 'local',
    deployer_config: JSON.stringify(options.deployerConfig ?? {}),
  }).returning(['id', 'uuid', 'type', 'name']).executeTakeFirstOrThrow();
}
