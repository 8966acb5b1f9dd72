// An organization's OAuth2 client (get.chat O1-O5): one per organization, made on first ask
// (asking again answers the same client), with the redirect URIs the authorization server
// accepts and a secret shown only when it is made or regenerated. The secret is stored as
// its SHA-256: it is high-entropy, so a slow hash would only cost latency, and what the
// database keeps cannot authenticate (the authorization server compares hashes, provider.ts).
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { authorizeOrganization, type OrganizationAction } from '../access/policy.js';
import { Invalid, NotFound } from '../errors.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { randomToken, sha256 } from '../identity/secrets.js';
import { parseOutboundUrl } from '../notify/outbound.js';

export interface OAuth2ClientView {
  id: string;
  organization_id: number;
  redirect_uris: string[];
  created_at: Date;
  modified_at: Date;
  /** The secret in clear: only in the answer that made it (create, regenerate), null otherwise. */
  secret: string | null;
}

/** At most this many redirect URIs per client: a client names its callbacks, not a catalogue. */
export const MAX_REDIRECT_URIS = 50;

const MANAGE: OrganizationAction = 'organization.oauth_clients.manage';

/** Client ids are public (they travel in authorization URLs); the prefix says what they are. */
function newClientId(): string {
  return `gc_${randomToken(16)}`;
}

function newSecret(): string {
  return randomToken(32);
}

interface ClientRow {
  id: string;
  organization_id: number;
  secret_hash: string;
  redirect_uris: unknown;
  created_at: Date;
  modified_at: Date;
}

function viewOf(row: ClientRow, secret: string | null = null): OAuth2ClientView {
  return {
    id: row.id,
    organization_id: Number(row.organization_id),
    redirect_uris: Array.isArray(row.redirect_uris) ? row.redirect_uris.filter((u): u is string => typeof u === 'string') : [],
    created_at: row.created_at,
    modified_at: row.modified_at,
    secret,
  };
}

async function organizationRef(db: Db, organizationId: number): Promise<{ id: number; slug: string }> {
  const org = await db.selectFrom('organizations').select(['id', 'slug']).where('id', '=', organizationId).executeTakeFirst();
  if (!org) throw new NotFound('organization');
  return org;
}

function clientNotFound(): NotFound {
  return new NotFound('oauth_client', 'No OAuth2 client has this id.', 'oauth_client.not_found');
}

/**
 * Loads a client and authorizes the caller on its organization. A caller who may not see the
 * organization gets the same 404 as for an unknown client id, so ids cannot be probed.
 */
async function loadAuthorized(core: Core, caller: Caller, clientId: string): Promise<ClientRow> {
  const row = await core.db.selectFrom('oauth2_clients').selectAll().where('id', '=', clientId).executeTakeFirst();
  if (!row) throw clientNotFound();
  try {
    await authorizeOrganization(core, caller, MANAGE, await organizationRef(core.db, row.organization_id));
  } catch (error) {
    if (error instanceof NotFound) throw clientNotFound();
    throw error;
  }
  return row;
}

/**
 * O1: the organization's client, made now if it has none (with its secret shown once), or
 * the existing one (secret null: it is not kept). Two racing calls make one client: the
 * insert skips on the organization's unique key and both read the row that won.
 */
export async function ensureClient(core: Core, caller: Caller, organizationId: number): Promise<{ client: OAuth2ClientView; created: boolean }> {
  return core.transact(async (tx) => {
    await authorizeOrganization(core, caller, MANAGE, await organizationRef(tx, organizationId));
    const secret = newSecret();
    const inserted = await tx.insertInto('oauth2_clients').values({
      id: newClientId(),
      organization_id: organizationId,
      secret_hash: sha256(secret),
      redirect_uris: JSON.stringify([]),
      created_by: caller.kind === 'user' ? caller.userId : null,
    }).onConflict((oc) => oc.column('organization_id').doNothing()).returningAll().executeTakeFirst();
    if (inserted) return { client: viewOf(inserted, secret), created: true };
    const existing = await tx.selectFrom('oauth2_clients').selectAll().where('organization_id', '=', organizationId).executeTakeFirstOrThrow();
    return { client: viewOf(existing), created: false };
  });
}

export const OAUTH2_CLIENT_LIST_SPEC: ListSpec = {
  searchable: [],
  orderable: { id: 'oauth2_clients.id', created_at: 'oauth2_clients.created_at', modified_at: 'oauth2_clients.modified_at', organization_id: 'oauth2_clients.organization_id' },
  defaultOrder: ['id'],
  tieBreaker: 'oauth2_clients.id',
  filterable: { organization_id: { column: 'oauth2_clients.organization_id', type: 'integer' } },
};

/** O2: the organization's clients (one at most, as the seed says), as a page. */
export async function listClients(core: Core, caller: Caller, organizationId: number, list: ListQuery): Promise<Page<OAuth2ClientView>> {
  await authorizeOrganization(core, caller, MANAGE, await organizationRef(core.db, organizationId));
  const query = core.db.selectFrom('oauth2_clients').selectAll('oauth2_clients').where('oauth2_clients.organization_id', '=', organizationId);
  const page = await paginate(query, list, OAUTH2_CLIENT_LIST_SPEC);
  return { ...page, results: page.results.map((row) => viewOf(row)) };
}

/** O3. */
export async function getClient(core: Core, caller: Caller, clientId: string): Promise<OAuth2ClientView> {
  return viewOf(await loadAuthorized(core, caller, clientId));
}

/**
 * Checks redirect URIs as OAuth 2.0 wants them (RFC 6749 3.1.2): absolute, no fragment;
 * https, or http on a loopback host for development and native apps. Duplicates are kept once.
 */
export function checkRedirectUris(uris: readonly string[]): string[] {
  if (uris.length > MAX_REDIRECT_URIS) throw new Invalid('redirect_uris', `At most ${MAX_REDIRECT_URIS} redirect URIs.`);
  const seen = new Set<string>();
  uris.forEach((text, i) => {
    const field = `redirect_uris.${i}`;
    const url = parseOutboundUrl(field, text);
    if (url.hash || text.includes('#')) throw new Invalid(field, 'A redirect URI may not have a fragment (#).');
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
    if (url.protocol !== 'https:' && !loopback) throw new Invalid(field, 'Expected https (http only on localhost, 127.0.0.1 or [::1]).');
    seen.add(text);
  });
  return [...seen];
}

/** O4: replaces the redirect URIs. */
export async function updateClient(core: Core, caller: Caller, clientId: string, changes: { redirect_uris?: readonly string[] }): Promise<OAuth2ClientView> {
  const uris = changes.redirect_uris === undefined ? undefined : checkRedirectUris(changes.redirect_uris);
  return core.transact(async (tx) => {
    const row = await loadAuthorized(core, caller, clientId);
    if (uris === undefined) return viewOf(row);
    const updated = await tx.updateTable('oauth2_clients')
      .set({ redirect_uris: JSON.stringify(uris), modified_at: sql<Date>`now()` })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    return viewOf(updated);
  });
}

/** O5: a new secret, shown in this answer only; the old one stops working at once. */
export async function regenerateSecret(core: Core, caller: Caller, clientId: string): Promise<OAuth2ClientView> {
  return core.transact(async (tx) => {
    const row = await loadAuthorized(core, caller, clientId);
    const secret = newSecret();
    const updated = await tx.updateTable('oauth2_clients')
      .set({ secret_hash: sha256(secret), modified_at: sql<Date>`now()` })
      .where('id', '=', row.id).returningAll().executeTakeFirstOrThrow();
    return viewOf(updated, secret);
  });
}
