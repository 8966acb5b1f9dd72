// OAuth2 as get.chat shows it: the client object, where the authorization server lives, and
// the login, consent and error pages of an authorization.
import type { Static } from '@fastify/type-provider-typebox';
import type { Config } from '../../../config.js';
import type { GetChatOAuth2Client } from '../schemas/oauth2.js';

/** Where the authorization server is mounted: its issuer is the base URL plus this path. */
export const OAUTH2_MOUNT = '/account/oauth2';

export function oauth2Issuer(config: Pick<Config, 'baseUrl'>): string {
  return new URL(OAUTH2_MOUNT, config.baseUrl).href;
}

export function interactionPath(uid: string): string {
  return `${OAUTH2_MOUNT}/interaction/${encodeURIComponent(uid)}`;
}

/** The columns of a client this shape reads. */
export interface OAuth2ClientFields {
  id: string;
  organization_id: number;
  redirect_uris: string[];
  created_at: Date;
  modified_at: Date;
  secret: string | null;
}

export function oauth2ClientJson(client: OAuth2ClientFields): Static<typeof GetChatOAuth2Client> {
  return {
    id: client.id,
    created_at: client.created_at.toISOString(),
    modified_at: client.modified_at.toISOString(),
    secret: client.secret,
    organization_id: client.organization_id,
    redirect_uris: client.redirect_uris,
  };
}

function escape(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">`
    + `<title>${escape(title)}</title></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`;
}

/**
 * The pages' policy: nothing loads or runs; forms post to this service, whose answer redirects
 * to the client's redirect URI (browsers apply form-action to that redirect too).
 */
export function pageCsp(redirectUri: unknown): string {
  let target = '';
  if (typeof redirectUri === 'string') {
    try {
      target = ` ${new URL(redirectUri).origin}`;
    } catch {
      target = '';
    }
  }
  return `default-src 'none'; form-action 'self'${target}; frame-ancestors 'none'; base-uri 'none'`;
}

export function loginPage(options: { uid: string; clientName: string; email?: string; error?: string; askCode?: boolean }): string {
  const action = `${interactionPath(options.uid)}/login`;
  return page('Sign in', `<p>Sign in to continue to ${escape(options.clientName)}.</p>`
    + (options.error ? `<p role="alert">${escape(options.error)}</p>` : '')
    + `<form method="post" action="${escape(action)}">`
    + `<p><label>E-mail <input type="email" name="email" autocomplete="username" required value="${escape(options.email ?? '')}"></label></p>`
    + `<p><label>Password <input type="password" name="password" autocomplete="current-password" required></label></p>`
    + (options.askCode ? '<p><label>One-time code <input type="text" name="code" autocomplete="one-time-code" inputmode="numeric"></label></p>' : '')
    + '<p><button type="submit">Sign in</button></p></form>');
}

/** What a scope lets the client do, where it is more than knowing who the user is. */
const SCOPE_POWERS: Record<string, string> = {
  accountcentral: 'act for you on your account and your organizations through the Accountcentral API, as you could yourself',
};

export function consentPage(options: { uid: string; clientName: string; scopes: string[] }): string {
  const action = `${interactionPath(options.uid)}/consent`;
  const scopes = options.scopes.map((scope) => `<li>${escape(scope)}${SCOPE_POWERS[scope] ? `: ${escape(SCOPE_POWERS[scope])}` : ''}</li>`).join('');
  const asks = options.scopes.some((scope) => SCOPE_POWERS[scope]) ? 'asks to know who you are and to' : 'asks to know who you are:';
  return page('Authorize access', `<p>${escape(options.clientName)} ${asks}</p><ul>${scopes}</ul>`
    + `<form method="post" action="${escape(action)}"><input type="hidden" name="decision" value="allow"><button type="submit">Allow</button></form>`
    + `<form method="post" action="${escape(action)}"><input type="hidden" name="decision" value="deny"><button type="submit">Deny</button></form>`);
}

export function errorPage(error: { error: string; error_description?: string }): string {
  return page('Sign-in failed', `<p>${escape(error.error_description ?? error.error)}</p><p><code>${escape(error.error)}</code></p>`);
}
