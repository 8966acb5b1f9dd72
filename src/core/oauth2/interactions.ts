// The two steps of an authorization the surface draws as pages: login with the service's
// own credentials (the same login as everywhere: lockout, second factor, activation), then
// consent to what the client asked for. Each step answers what the authorization server
// resumes with (oidc-provider's interaction result).
import type { Caller, Core } from '../context.js';
import { BadRequest } from '../errors.js';
import { login } from '../identity/login.js';
import type { AuthorizationServer } from './provider.js';

/** What the server tells about the interaction under way (oidc-provider's interaction details, the parts read here). */
export interface InteractionState {
  prompt: { name: string; details: Record<string, unknown> };
  params: Record<string, unknown>;
  session?: { accountId?: string };
  grantId?: string;
}

export interface InteractionLogin {
  email: string;
  password: string;
  code?: string;
}

export type InteractionResult =
  | { login: { accountId: string } }
  | { consent: { grantId: string } }
  | { error: string; error_description: string };

/** The login step: the account the credentials prove (errors as every login answers them). */
export async function loginInteraction(core: Core, caller: Caller, state: InteractionState, credentials: InteractionLogin): Promise<InteractionResult> {
  if (state.prompt.name !== 'login') throw new BadRequest('This authorization does not ask for a login now.');
  // The login is recorded as one into the client's application (its security event says which).
  const application = typeof state.params.client_id === 'string' ? state.params.client_id : undefined;
  const { user } = await login(core, caller, { username: credentials.email, password: credentials.password, code: credentials.code || undefined, application });
  return { login: { accountId: String(user.id) } };
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * The consent step: granted, the grant gains every scope and claim the client asked for and
 * still lacks; refused, the client receives `access_denied`.
 */
export async function consentInteraction(server: AuthorizationServer, state: InteractionState, allow: boolean): Promise<InteractionResult> {
  if (state.prompt.name !== 'consent') throw new BadRequest('This authorization does not ask for consent now.');
  const accountId = state.session?.accountId;
  const clientId = typeof state.params.client_id === 'string' ? state.params.client_id : undefined;
  if (!accountId || !clientId) throw new BadRequest('This authorization has no signed-in user.');
  if (!allow) return { error: 'access_denied', error_description: 'The user refused the authorization.' };
  const grant = (state.grantId ? await server.Grant.find(state.grantId) : undefined) ?? new server.Grant({ accountId, clientId });
  const details = state.prompt.details;
  const scopes = strings(details.missingOIDCScope);
  if (scopes.length) grant.addOIDCScope(scopes.join(' '));
  const claims = strings(details.missingOIDCClaims);
  if (claims.length) grant.addOIDCClaims(claims);
  const resources = (details.missingResourceScopes ?? {}) as Record<string, unknown>;
  for (const [indicator, wanted] of Object.entries(resources)) grant.addResourceScope(indicator, strings(wanted).join(' '));
  return { consent: { grantId: await grant.save() } };
}

/** What a consent page shows: the client's name and the scopes asked for. */
export async function consentSubject(server: AuthorizationServer, state: InteractionState): Promise<{ clientName: string; scopes: string[] }> {
  const clientId = typeof state.params.client_id === 'string' ? state.params.client_id : '';
  const client = clientId ? await server.Client.find(clientId) : undefined;
  const scopes = typeof state.params.scope === 'string' ? state.params.scope.split(' ').filter(Boolean) : [];
  return { clientName: client?.clientName ?? clientId, scopes };
}
