// The authorization server's access tokens as credentials on the API that asks for them.
// Accountcentral's operations name one security scheme, `clabPlatformOauth2`: a client
// application gets an access token for a user through the service's OAuth2 server (the
// authorization code flow with PKCE, the user's consent) and calls the API with it. A token
// works only where its scope reaches (`accountcentral`: Accountcentral's operations), and
// stops working, like the service's own tokens, when the user is suspended, disabled or
// deleted or changes their password, when the grant is revoked, and when the client's
// organization stops being active.
import { sql } from 'kysely';
import type { Core, RequestOrigin, UserCaller } from '../context.js';
import { Unauthenticated } from '../errors.js';
import { refusalReason } from '../identity/authenticate.js';

/** The scope that lets a client act for the user on Accountcentral's operations. */
export const ACCOUNTCENTRAL_SCOPE = 'accountcentral';

interface AccessTokenPayload {
  accountId?: unknown;
  clientId?: unknown;
  grantId?: unknown;
  scope?: unknown;
  iat?: unknown;
}

const INVALID = 'The access token is invalid or has expired.';

/** The user an access token of the authorization server stands for, if its scope includes `scope`. */
export async function authenticateAccessToken(core: Core, token: string, scope: string, origin: RequestOrigin): Promise<UserCaller> {
  // Tokens are oidc-provider's opaque ids: 43 base64url characters. Anything else is not one.
  if (!/^[\w-]{20,128}$/.test(token)) throw new Unauthenticated(INVALID, 'token.invalid');
  const now = core.now();
  const row = await core.db.selectFrom('oidc_store').select('payload')
    .where('kind', '=', 'AccessToken').where('id', '=', token)
    .where(sql<boolean>`(expires_at is null or expires_at > ${now})`)
    .executeTakeFirst();
  const payload = (row?.payload ?? null) as AccessTokenPayload | null;
  if (!payload || typeof payload.accountId !== 'string' || !/^\d{1,15}$/.test(payload.accountId)
    || typeof payload.grantId !== 'string' || typeof payload.clientId !== 'string') {
    throw new Unauthenticated(INVALID, 'token.invalid');
  }
  const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ') : [];
  if (!scopes.includes(scope)) throw new Unauthenticated(`The access token was not granted the "${scope}" scope.`, 'token.invalid');
  // The grant (revoked with the consent) and the client's organization must still stand.
  const standing = await sql<{ grant: boolean; client: boolean }>`
    select exists (select 1 from oidc_store where kind = 'Grant' and id = ${payload.grantId} and (expires_at is null or expires_at > ${now})) as grant,
           exists (select 1 from oauth2_clients c join organizations o on o.id = c.organization_id
                    where c.id = ${payload.clientId} and o.status = 'active') as client
  `.execute(core.db);
  if (!standing.rows[0]?.grant || !standing.rows[0]?.client) throw new Unauthenticated(INVALID, 'token.invalid');
  const user = await core.db.selectFrom('users')
    .select(['id', 'slug', 'status', 'deleted_at', 'password_changed_at'])
    .where('id', '=', Number(payload.accountId)).executeTakeFirst();
  const refusal = refusalReason(user);
  if (refusal) throw new Unauthenticated(refusal.message, refusal.code);
  const issuedAt = typeof payload.iat === 'number' ? payload.iat : 0;
  if (user!.password_changed_at && issuedAt < Math.floor(user!.password_changed_at.getTime() / 1000)) {
    throw new Unauthenticated('Token was issued before the last password change.', 'token.password_changed');
  }
  return { kind: 'user', userId: user!.id, username: user!.slug, via: 'oauth2', ...origin };
}
