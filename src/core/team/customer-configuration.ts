// A customer's configuration as Accountcentral answers it: its group id (slug), the client
// id of its OAuth2 client (its API key; never the secret), the smart relay switch, its
// application users, its data exchanges (webhook endpoint), its SFTP endpoints and one JSON
// object of settings per platform application. Read and changed by its managers and by
// whoever sits above it. SFTP credentials are sealed at rest and never answered.
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { Invalid, NotFound } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { decrypt, deriveKey, encrypt } from '../crypto.js';
import { findOrganization, requireUser, type Organization } from '../organizations/profiles.js';
import { platformApplication, platformApplications } from './platform-applications.js';

export interface GenericUser {
  id: number;
  username: string;
  email: string | null;
  createdAt: Date;
}

export interface DataExchange {
  type: 'WEBHOOK';
  url: string;
}

export interface CustomerConfiguration {
  organization: Organization;
  /** Its OAuth2 client's id (the oldest, when it has several); null without one. */
  clientId: string | null;
  smartRelayEnabled: boolean;
  genericUsers: GenericUser[];
  dataExchanges: DataExchange[];
}

async function authorized(core: Core, caller: Caller, ref: Ref, write: boolean): Promise<Organization> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, write ? 'organization.configuration.manage' : 'organization.configuration.read', organization);
  return organization;
}

async function configurationOf(core: Core, organization: Organization): Promise<CustomerConfiguration> {
  const stored = await core.db.selectFrom('customer_configurations').select('smart_relay_enabled')
    .where('organization_id', '=', organization.id).executeTakeFirst();
  const client = await core.db.selectFrom('oauth2_clients').select('id')
    .where('organization_id', '=', organization.id).orderBy('created_at').orderBy('id').executeTakeFirst();
  const users = await core.db.selectFrom('users').select(['id', 'slug', 'email', 'created_at'])
    .where('home_organization_id', '=', organization.id).where('user_type', '=', 'application').where('deleted_at', 'is', null)
    .orderBy('slug').execute();
  return {
    organization,
    clientId: client?.id ?? null,
    smartRelayEnabled: stored?.smart_relay_enabled ?? false,
    genericUsers: users.map((u) => ({ id: u.id, username: u.slug, email: u.email, createdAt: u.created_at })),
    dataExchanges: organization.webhook_url ? [{ type: 'WEBHOOK', url: organization.webhook_url }] : [],
  };
}

export async function getCustomerConfiguration(core: Core, caller: Caller, ref: Ref): Promise<CustomerConfiguration> {
  return configurationOf(core, await authorized(core, caller, ref, false));
}

export async function updateCustomerConfiguration(
  core: Core, caller: Caller, ref: Ref, changes: { smartRelayEnabled?: boolean },
): Promise<CustomerConfiguration> {
  const user = requireUser(caller);
  const organization = await authorized(core, caller, ref, true);
  if (changes.smartRelayEnabled !== undefined) {
    const now = core.now();
    await core.db.insertInto('customer_configurations')
      .values({ organization_id: organization.id, smart_relay_enabled: changes.smartRelayEnabled, updated_by: user.userId, updated_at: now })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({
        smart_relay_enabled: changes.smartRelayEnabled, updated_by: user.userId, updated_at: now,
      }))
      .execute();
  }
  return configurationOf(core, organization);
}

// ---- SFTP endpoints ----

export interface SftpEndpointInput {
  host: string;
  port?: number;
  username: string;
  path?: string | null;
  password?: string;
  privateKey?: string;
}

export interface SftpEndpoint {
  host: string;
  port: number;
  username: string;
  path: string | null;
  /** How it authenticates: the kind of credential kept, never the credential. */
  authentication: 'PASSWORD' | 'PRIVATE_KEY' | 'NONE';
}

interface StoredSftp extends SftpEndpoint {
  /** The password or private key, sealed; absent for NONE. */
  sealed?: string;
}

export const MAX_SFTP_ENDPOINTS = 20;

function sftpKey(core: Core): Buffer {
  return deriveKey(core.config.secretKeys[0]!, 'customer-sftp-credentials');
}

function storedList(value: unknown): StoredSftp[] {
  return Array.isArray(value) ? (value as StoredSftp[]) : [];
}

function publicOf(entry: StoredSftp): SftpEndpoint {
  return { host: entry.host, port: entry.port, username: entry.username, path: entry.path, authentication: entry.authentication };
}

export async function listSftpEndpoints(core: Core, caller: Caller, ref: Ref): Promise<SftpEndpoint[]> {
  const organization = await authorized(core, caller, ref, false);
  const row = await core.db.selectFrom('customer_configurations').select('sftp').where('organization_id', '=', organization.id).executeTakeFirst();
  return storedList(row?.sftp).map(publicOf);
}

/**
 * Replaces the customer's SFTP endpoints. An entry given without a password or private key
 * keeps the credential of the endpoint it replaces (same host, port and username), since
 * reads never answer one: a client may send back what it read.
 */
export async function replaceSftpEndpoints(core: Core, caller: Caller, ref: Ref, entries: SftpEndpointInput[]): Promise<SftpEndpoint[]> {
  const user = requireUser(caller);
  const organization = await authorized(core, caller, ref, true);
  if (entries.length > MAX_SFTP_ENDPOINTS) throw new Invalid('body', `At most ${MAX_SFTP_ENDPOINTS} SFTP endpoints.`);
  const errors: Record<string, string[]> = {};
  const seen = new Set<string>();
  entries.forEach((entry, i) => {
    if (entry.password !== undefined && entry.privateKey !== undefined) errors[`${i}.password`] = ['Give a password or a private key, not both.'];
    const key = `${entry.host.toLowerCase()}:${entry.port ?? 22}:${entry.username}`;
    if (seen.has(key)) errors[`${i}.host`] = ['This endpoint (host, port and username) is listed twice.'];
    seen.add(key);
  });
  if (Object.keys(errors).length) throw new Invalid(errors);
  const now = core.now();
  const key = sftpKey(core);
  return core.transact(async (tx) => {
    const row = await tx.selectFrom('customer_configurations').select('sftp').where('organization_id', '=', organization.id)
      .forUpdate().executeTakeFirst();
    const before = new Map(storedList(row?.sftp).map((e) => [`${e.host.toLowerCase()}:${e.port}:${e.username}`, e]));
    const stored: StoredSftp[] = entries.map((entry) => {
      const port = entry.port ?? 22;
      const base = { host: entry.host.trim(), port, username: entry.username, path: entry.path?.trim() || null };
      if (entry.password !== undefined) return { ...base, authentication: 'PASSWORD', sealed: encrypt(entry.password, key) };
      if (entry.privateKey !== undefined) return { ...base, authentication: 'PRIVATE_KEY', sealed: encrypt(entry.privateKey, key) };
      const kept = before.get(`${base.host.toLowerCase()}:${port}:${entry.username}`);
      return kept?.sealed ? { ...base, authentication: kept.authentication, sealed: kept.sealed } : { ...base, authentication: 'NONE' };
    });
    const json = JSON.stringify(stored);
    await tx.insertInto('customer_configurations')
      .values({ organization_id: organization.id, sftp: json, updated_by: user.userId, updated_at: now })
      .onConflict((oc) => oc.column('organization_id').doUpdateSet({ sftp: json, updated_by: user.userId, updated_at: now }))
      .execute();
    return stored.map(publicOf);
  });
}

/** The credential of one endpoint, for the code that connects (never for an answer). */
export function openSftpCredential(core: Core, sealed: string): string {
  return decrypt(sealed, sftpKey(core));
}

// ---- per-application configurations ----

/** The largest configuration kept per application, as JSON text. */
export const MAX_APPLICATION_CONFIGURATION_BYTES = 64 * 1024;

function knownApplication(core: Core, code: string): string {
  const application = platformApplication(core, code);
  if (!application) throw new NotFound('platform_application', `The platform has no application "${code}".`);
  return application.code;
}

/** Every application's configuration the customer has, by application code. */
export async function getApplicationConfigurations(core: Core, caller: Caller, ref: Ref): Promise<Record<string, Record<string, unknown>>> {
  const organization = await authorized(core, caller, ref, false);
  const rows = await core.db.selectFrom('customer_application_configurations').select(['application', 'configuration'])
    .where('organization_id', '=', organization.id).orderBy('application').execute();
  const known = new Set(platformApplications(core).map((a) => a.code));
  return Object.fromEntries(rows.filter((r) => known.has(r.application)).map((r) => [r.application, r.configuration as Record<string, unknown>]));
}

/** One application's configuration; `{}` when none was set. */
export async function getApplicationConfiguration(core: Core, caller: Caller, ref: Ref, code: string): Promise<Record<string, unknown>> {
  const organization = await authorized(core, caller, ref, false);
  const application = knownApplication(core, code);
  const row = await core.db.selectFrom('customer_application_configurations').select('configuration')
    .where('organization_id', '=', organization.id).where('application', '=', application).executeTakeFirst();
  return (row?.configuration as Record<string, unknown> | undefined) ?? {};
}

export async function setApplicationConfiguration(
  core: Core, caller: Caller, ref: Ref, code: string, configuration: Record<string, unknown>,
): Promise<Record<string, unknown>> {
  const user = requireUser(caller);
  const organization = await authorized(core, caller, ref, true);
  const application = knownApplication(core, code);
  if (typeof configuration !== 'object' || configuration === null || Array.isArray(configuration)) {
    throw new Invalid('body', 'A configuration is a JSON object.');
  }
  const json = JSON.stringify(configuration);
  if (Buffer.byteLength(json) > MAX_APPLICATION_CONFIGURATION_BYTES) {
    throw new Invalid('body', `A configuration is at most ${MAX_APPLICATION_CONFIGURATION_BYTES} bytes of JSON.`);
  }
  const now = core.now();
  await core.db.insertInto('customer_application_configurations')
    .values({ organization_id: organization.id, application, configuration: json, updated_by: user.userId, updated_at: now })
    .onConflict((oc) => oc.columns(['organization_id', 'application']).doUpdateSet({ configuration: json, updated_by: user.userId, updated_at: now }))
    .execute();
  return JSON.parse(json) as Record<string, unknown>;
}
