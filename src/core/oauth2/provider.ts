// The authorization server the seed lacks, on oidc-provider: the authorization endpoint
// (login with the service's own credentials, then consent), and the authorization_code
// exchange with PKCE (S256, required of every client). Clients are the organizations'
// OAuth2 clients (adapter.ts), accounts are the service's users, storage is `oidc_store`.
// The surface mounts it under the issuer's path and draws the login and consent pages.
import './runtime-warning.js';
import Provider, { errors, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import type { Core } from '../context.js';
import { refusalReason } from '../identity/authenticate.js';
import { deriveKey, safeEqual, sha256 } from '../identity/secrets.js';
import { CLIENT_METADATA, storageAdapter } from './adapter.js';
import { signingJwks } from './keys.js';
import { ACCOUNTCENTRAL_SCOPE } from './access-tokens.js';

export interface AuthorizationServerOptions {
  /** The issuer: an absolute URL whose path is where the surface mounts the server. */
  issuer: string;
  /** Where the surface draws the login and consent pages of interaction `uid`. */
  interactionUrl(uid: string): string;
  /** The error page drawn when the server cannot send the error back to the client. */
  renderError(error: { error: string; error_description?: string }): string;
  /** Requests come through trusted proxies (X-Forwarded-Proto and -Host are believed). */
  proxy: boolean;
}

/** Lifetimes, in seconds. The seed's token answer says `expires_in`: an hour for access tokens. */
export const OAUTH2_TTL = {
  AuthorizationCode: 60,
  AccessToken: 3600,
  IdToken: 3600,
  Interaction: 600,
  Session: 24 * 3600,
  Grant: 30 * 24 * 3600,
} as const;

export type AuthorizationServer = Provider;

/** The users the server may name: existing, not suspended, disabled or deleted. */
async function findAccount(core: Core, sub: string) {
  if (!/^\d{1,15}$/.test(sub)) return undefined;
  const user = await core.db.selectFrom('users')
    .select(['id', 'slug', 'email', 'email_verified_at', 'full_name', 'status', 'deleted_at', 'password_changed_at'])
    .where('id', '=', Number(sub)).executeTakeFirst();
  if (!user || refusalReason(user)) return undefined;
  return {
    accountId: sub,
    async claims() {
      return {
        sub,
        email: user.email ?? undefined,
        email_verified: user.email_verified_at !== null,
        name: user.full_name || undefined,
      };
    },
  };
}

export function createAuthorizationServer(core: Core, options: AuthorizationServerOptions): AuthorizationServer {
  const configuration: Configuration = {
    adapter: storageAdapter(core),
    findAccount: (_ctx: KoaContextWithOIDC, sub: string) => findAccount(core, sub),
    clientDefaults: { ...CLIENT_METADATA, grant_types: [...CLIENT_METADATA.grant_types], response_types: [...CLIENT_METADATA.response_types] },
    claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
    // `accountcentral`: the access token acts for the user on Accountcentral's operations (access-tokens.ts).
    scopes: ['openid', 'email', 'profile', ACCOUNTCENTRAL_SCOPE],
    // The ID token carries the claims of the scopes granted (the seed's answer has no userinfo call).
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      userinfo: { enabled: true },
    },
    routes: { authorization: '/authorize', token: '/token', jwks: '/jwks', userinfo: '/userinfo' },
    ttl: { ...OAUTH2_TTL },
    interactions: { url: (_ctx, interaction) => options.interactionUrl(interaction.uid) },
    cookies: {
      keys: core.config.secretKeys.map((secret) => deriveKey(secret, 'oauth2-cookies').toString('base64url')),
    },
    jwks: { keys: signingJwks(core.config.secretKeys) },
    enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
    async renderError(ctx, out) {
      const error = { error: String(out.error), error_description: out.error_description ? String(out.error_description) : undefined };
      // A browser gets a page; a program (no Accept, or JSON first) gets JSON like every other error.
      if (ctx.accepts('json', 'html') === 'html') {
        ctx.type = 'html';
        ctx.body = options.renderError(error);
      } else {
        ctx.type = 'json';
        ctx.body = error;
      }
    },
  };
  const provider = new Provider(options.issuer, configuration);
  provider.proxy = options.proxy;
  // Secrets are stored hashed (clients.ts): compare the hash of what the client sent with the
  // stored hash, in constant time. oidc-provider's own comparison would need the secret in
  // clear; symmetric (HS*) signing, which would too, is not offered.
  provider.Client.prototype.compareClientSecret = function compareHashed(this: { clientSecret?: string }, actual: string) {
    return typeof this.clientSecret === 'string' && safeEqual(sha256(actual), this.clientSecret);
  };
  return provider;
}

/** The interaction's cookie or record is gone (expired, used, or never there). */
export function isSessionGone(error: unknown): boolean {
  return error instanceof errors.SessionNotFound;
}
