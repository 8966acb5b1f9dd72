// get.chat's OAuth2 shapes: the organization's client (O1-O5), the token exchange (O6) and
// the partner's application ID token (G9). Request bodies are inline (no `$id`): each
// operation validates its own.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

/** A redirect URI: absolute, 1..65536 characters (the seed's bounds); the core checks scheme and fragment. */
const RedirectUri = Type.String({ format: 'uri', minLength: 1, maxLength: 65536, description: 'An absolute https URL (http only on localhost), without a fragment.' });

export const GetChatOAuth2Client = Type.Object({
  id: Type.String({ description: 'The OAuth2 client id (`client_id`): a string, unlike every other id.' }),
  created_at: DateTime('When the client was made.'),
  modified_at: DateTime('When its redirect URIs or secret last changed.'),
  secret: Nullable(Type.String({
    description: 'The client secret (`client_secret`), shown only in the answer that made it (creation, regeneration): '
      + 'it is stored hashed and cannot be shown again. null in every other answer.',
  })),
  organization_id: Type.Integer({ description: 'The organization the client belongs to (one client per organization).' }),
  redirect_uris: Type.Array(Type.String(), { description: 'The redirect URIs the authorization endpoint accepts, exactly as registered.' }),
}, { $id: 'GetChatOAuth2Client', description: 'An organization\'s OAuth2 client: its application signs users in through this service.' });

export const GetChatOAuth2ClientUpdate = Type.Object({
  redirect_uris: Type.Optional(Type.Array(RedirectUri, { maxItems: 50, description: 'A list of valid redirect URIs to replace the current ones.' })),
}, { additionalProperties: false, description: 'The client\'s fields to change.' });

export const GetChatOAuth2TokenRequest = Type.Object({
  grant_type: Type.Literal('authorization_code', { description: 'Always `authorization_code`.' }),
  code: Type.String({ minLength: 1, maxLength: 1000, description: 'The code the authorization endpoint sent to the redirect URI.' }),
  client_id: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The client id; or send it with the secret as HTTP Basic credentials.' })),
  client_secret: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The client secret; or send it as HTTP Basic credentials.' })),
  redirect_uri: Type.String({ minLength: 1, maxLength: 65536, description: 'The redirect URI the authorization request named.' }),
  code_verifier: Type.String({ minLength: 43, maxLength: 128, description: 'The PKCE verifier whose S256 challenge the authorization request sent (PKCE is required).' }),
  state: Type.Optional(Type.String({ maxLength: 2000, description: 'Accepted for compatibility with the seed; not used by the exchange.' })),
}, {
  additionalProperties: false,
  description: 'The authorization code exchange, as a form (RFC 6749) or as JSON (the seed\'s sample).',
});

export const GetChatOAuth2Token = Type.Object({
  id_token: Type.String({ description: 'An OpenID Connect ID token (ES256, verify with the JWKS) naming the user (`sub`: the user id).' }),
  access_token: Type.String({ description: 'An access token for the userinfo endpoint.' }),
  token_type: Type.Literal('Bearer'),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires.' }),
  scope: Type.Optional(Type.String({ description: 'The scopes granted (OAuth 2.0 adds it; the seed\'s sample does not show it).' })),
}, { $id: 'GetChatOAuth2Token', description: 'The tokens of an authorization code exchange.' });

export const GetChatIdTokenRequest = Type.Object({
  application_id: Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'The ID of the application to authenticate the user into.' }),
}, { additionalProperties: false, description: 'Which application the ID token is for.' });

export const GetChatIdToken = Type.Object({
  id_token: Type.String({
    description: 'A JWT (ES256, verify with the JWKS at /account/oauth2/jwks), valid 10 minutes: `sub` the user id, `aud` the '
      + 'application\'s uuid, `organization_id`, `application_id`, `email`, and `act.sub` the partner who asked for it.',
  }),
}, { $id: 'GetChatIdToken', description: 'A user\'s ID token into one application.' });
