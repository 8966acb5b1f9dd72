// oidc-provider's storage on our database. Codes, grants, sessions and interactions are rows
// of `oidc_store` (by kind and id), so a code issued by one node is redeemed on another and
// survives a restart. Clients are not stored there: they are the organizations' rows of
// `oauth2_clients`, turned into client metadata on each lookup, so a changed redirect URI or
// a regenerated secret counts from the next request.
import { sql } from 'kysely';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Core } from '../context.js';
import { deleteInBatches } from '../batches.js';
import type { Db } from '../../db/database.js';
import { recordApplicationAccess } from '../identity/application-accesses.js';

/** The metadata every organization's client has: a confidential web client, code flow only. */
export const CLIENT_METADATA = {
  grant_types: ['authorization_code'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'ES256',
} as const;

/** The client's metadata from its row: `client_secret` holds the secret's hash (provider.ts compares hashes). */
async function findClient(core: Core, id: string): Promise<AdapterPayload | undefined> {
  const row = await core.db.selectFrom('oauth2_clients').innerJoin('organizations', 'organizations.id', 'oauth2_clients.organization_id')
    .select(['oauth2_clients.id', 'oauth2_clients.secret_hash', 'oauth2_clients.redirect_uris', 'organizations.full_name', 'organizations.status'])
    .where('oauth2_clients.id', '=', id).executeTakeFirst();
  // A closed or suspended organization's client does not authenticate or authorize.
  if (!row || row.status !== 'active') return undefined;
  const uris = Array.isArray(row.redirect_uris) ? row.redirect_uris.filter((u): u is string => typeof u === 'string') : [];
  return {
    ...CLIENT_METADATA,
    client_id: row.id,
    client_secret: row.secret_hash,
    client_name: row.full_name,
    redirect_uris: uris,
  } as AdapterPayload;
}

/** The user's access to the client's application, for the customer that owns the client. */
async function recordTokenAccess(tx: Db, payload: AdapterPayload, now: Date): Promise<void> {
  const { accountId, clientId } = payload;
  if (typeof accountId !== 'string' || !/^\d{1,15}$/.test(accountId) || typeof clientId !== 'string') return;
  const client = await tx.selectFrom('oauth2_clients').select('organization_id').where('id', '=', clientId).executeTakeFirst();
  if (!client) return;
  await recordApplicationAccess(tx, { userId: Number(accountId), application: clientId, organizationId: Number(client.organization_id) }, now);
}

export function storageAdapter(core: Core) {
  return (kind: string): Adapter => {
    const expiry = (expiresIn: number | undefined) => (expiresIn ? new Date(core.now().getTime() + expiresIn * 1000) : null);
    const live = sql<boolean>`(expires_at is null or expires_at > ${core.now()})`;
    const payloadOf = (row: { payload: unknown; consumed_at: Date | null } | undefined): AdapterPayload | undefined => {
      if (!row) return undefined;
      const payload = row.payload as AdapterPayload;
      return row.consumed_at ? { ...payload, consumed: Math.floor(row.consumed_at.getTime() / 1000) } : payload;
    };
    return {
      async upsert(id, payload, expiresIn) {
        const values = {
          kind, id, payload: JSON.stringify(payload),
          grant_id: payload.grantId ?? null, uid: payload.uid ?? null, expires_at: expiry(expiresIn),
        };
        await core.transact(async (tx) => {
          await tx.insertInto('oidc_store').values(values)
            .onConflict((oc) => oc.columns(['kind', 'id']).doUpdateSet({
              payload: values.payload, grant_id: values.grant_id, uid: values.uid, expires_at: values.expires_at,
            })).execute();
          // An access token issued to a client for a user is that user's access to the client's
          // application (Accountcentral's first and last access), recorded with the token.
          if (kind === 'AccessToken') await recordTokenAccess(tx, payload, core.now());
        });
      },
      async find(id) {
        if (kind === 'Client') return findClient(core, id);
        const row = await core.db.selectFrom('oidc_store').select(['payload', 'consumed_at'])
          .where('kind', '=', kind).where('id', '=', id).where(live).executeTakeFirst();
        return payloadOf(row);
      },
      async findByUid(uid) {
        const row = await core.db.selectFrom('oidc_store').select(['payload', 'consumed_at'])
          .where('kind', '=', kind).where('uid', '=', uid).where(live).executeTakeFirst();
        return payloadOf(row);
      },
      async findByUserCode() {
        // The device flow is off: no user codes exist.
        return undefined;
      },
      async consume(id) {
        await core.db.updateTable('oidc_store').set({ consumed_at: core.now() })
          .where('kind', '=', kind).where('id', '=', id).execute();
      },
      async destroy(id) {
        await core.db.deleteFrom('oidc_store').where('kind', '=', kind).where('id', '=', id).execute();
      },
      async revokeByGrantId(grantId) {
        await core.db.deleteFrom('oidc_store').where('grant_id', '=', grantId).execute();
      },
    };
  };
}

/**
 * Part of the daily `prune-records` job: removes what has expired (codes, sessions, grants,
 * interactions). Rows already stop counting at expiry; this only keeps the table small. The
 * store's key is (kind, id): each slice is picked by the row's physical address (ctid), which
 * PostgreSQL and PGlite both have.
 */
export async function pruneExpired(core: Core): Promise<number> {
  const now = core.now();
  return deleteInBatches(async (limit) => {
    const result = await sql`delete from oidc_store where ctid in (
      select ctid from oidc_store where expires_at < ${now} limit ${limit})`.execute(core.db);
    return Number(result.numAffectedRows ?? 0);
  });
}
