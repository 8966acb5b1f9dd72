// The authorization server (src/core/oauth2/provider.ts) on this surface, under
// /account/oauth2: the authorization endpoint the seed lacks, the code exchange (O6), the
// keys and discovery document, userinfo, and the login and consent pages the authorization
// endpoint sends the browser to. oidc-provider is a Koa app: each of its routes is declared
// here (validated, documented) and handed to it with the mount path stripped.
import { parse as parseQuery } from 'node:querystring';
import type { IncomingMessage } from 'node:http';
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { KoaContextWithOIDC } from 'oidc-provider';
import { ERROR_CODES, type ErrorCode } from '../../../core/errors.js';
import type { AuthorizationServer } from '../../../core/oauth2/provider.js';
import {
  consentInteraction, consentSubject, loginInteraction, type InteractionState,
} from '../../../core/oauth2/interactions.js';
import { DomainError } from '../../../core/errors.js';
import { fieldErrors } from '../../validation.js';
import { TAGS, errors, ref } from '../schemas/common.js';
import { GetChatOAuth2Token, GetChatOAuth2TokenRequest } from '../schemas/oauth2.js';
import {
  OAUTH2_MOUNT, consentPage, errorPage, interactionPath, loginPage, oauth2Issuer, pageCsp,
} from '../shapes/oauth2.js';

const TAGS_OF = [TAGS.oauth2, TAGS.inferred];
const OPEN = { security: [] as never[] };
const OWN = { ownCredentials: true };

const Html = (description: string) => ({ description, content: { 'text/html': { schema: { type: 'string' } } } });
const Redirect = (description: string) => ({ description, type: 'null' });
const JsonDocument = (description: string) => Type.Object({}, { additionalProperties: true, description });

/** get.chat's `{message, code, description}` beside OAuth 2.0's `{error, error_description}` on the server's JSON errors. */
function oauthCode(error: string): ErrorCode {
  const code = `oauth.${error}`;
  return (Object.hasOwn(ERROR_CODES, code) ? code : 'oauth.invalid_request') as ErrorCode;
}

function withGetChatFields(body: { error: string; error_description?: string }) {
  const text = body.error_description ?? body.error;
  return { ...body, message: text, code: oauthCode(body.error), description: text };
}

const UidParams = Type.Object({ uid: Type.String({ minLength: 1, maxLength: 100, description: 'The authorization under way (from the redirect).' }) });
const LoginForm = Type.Object({
  email: Type.String({ minLength: 1, maxLength: 320, description: 'The e-mail address (or username) of the account.' }),
  password: Type.String({ minLength: 1, maxLength: 4096, description: 'Its password.' }),
  code: Type.Optional(Type.String({ maxLength: 64, description: 'The one-time code, for an account with a second factor.' })),
}, { additionalProperties: false });
const ConsentForm = Type.Object({
  decision: Type.Union([Type.Literal('allow'), Type.Literal('deny')], { description: '`allow` grants what the client asked for; `deny` sends it `access_denied`.' }),
}, { additionalProperties: false });

export const oauth2ServerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  /**
   * oidc-provider and Koa were a third of the code a start compiled; they are loaded, and
   * the server made, by the first request that needs them. A server that could not be made
   * is not kept (the next request tries again); a module that failed to load stays failed,
   * as for any import.
   */
  let loading: Promise<{ server: AuthorizationServer; handle: ReturnType<AuthorizationServer['callback']>; isSessionGone(error: unknown): boolean }> | undefined;
  function authorizationServer() {
    if (loading) return loading;
    loading = (async () => {
      const { createAuthorizationServer, isSessionGone } = await import('../../../core/oauth2/provider.js');
      const server = createAuthorizationServer(app.core, {
        issuer: oauth2Issuer(app.core.config),
        interactionUrl: interactionPath,
        renderError: errorPage,
        proxy: app.core.config.trustProxy !== false,
      });
      server.use(async (ctx: KoaContextWithOIDC, next: () => Promise<void>) => {
        await next();
        const body = ctx.body as { error?: unknown; error_description?: unknown } | undefined;
        if (ctx.status >= 400 && body && typeof body === 'object' && typeof body.error === 'string') {
          ctx.body = withGetChatFields({ error: body.error, error_description: typeof body.error_description === 'string' ? body.error_description : undefined });
        }
      });
      server.on('server_error', (_ctx: unknown, error: unknown) => app.log.error({ err: error }, 'authorization server error'));
      return { server, handle: server.callback(), isSessionGone };
    })();
    loading.catch(() => { loading = undefined; });
    return loading;
  }

  // Forms post as application/x-www-form-urlencoded (only here: the rest of the surface takes JSON).
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    const parsed = parseQuery(String(body));
    done(null, Object.fromEntries(Object.entries(parsed)));
  });

  /** Hands the request to oidc-provider, with the mount path stripped (it rebuilds its URLs from the issuer). */
  async function toServer(request: FastifyRequest, reply: FastifyReply): Promise<void> {
    // Loaded before the reply is handed over: a failure is then answered by the error handler.
    const { handle } = await authorizationServer();
    reply.hijack();
    const raw = request.raw as IncomingMessage & { originalUrl?: string; body?: unknown };
    const url = raw.url ?? '/';
    raw.originalUrl = url;
    raw.url = url.slice(OAUTH2_MOUNT.length) || '/';
    if (request.body !== undefined && request.body !== null) {
      // Fastify read the body (form or the seed's JSON); oidc-provider takes an already-read form body as an object.
      raw.body = request.body;
      raw.headers['content-type'] = 'application/x-www-form-urlencoded';
    }
    reply.raw.setHeader('x-request-id', request.id);
    reply.raw.setHeader('x-content-type-options', 'nosniff');
    try {
      await handle(raw, reply.raw);
    } finally {
      raw.url = url;
    }
  }

  app.get(`${OAUTH2_MOUNT}/authorize`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2Authorize',
      summary: 'Authorize a client (authorization endpoint)',
      description: 'The OAuth 2.0 / OpenID Connect authorization endpoint the seed lacks. Takes `response_type=code`, '
        + '`client_id`, `redirect_uri` (one of the client\'s), `scope` (`openid`, `email`, `profile`), `state`, `nonce`, and PKCE\'s '
        + '`code_challenge` with `code_challenge_method=S256` (required). Sends the browser to the sign-in page, then the consent '
        + 'page, then back to `redirect_uri` with `code` and `state` (or `error`).',
      tags: TAGS_OF,
      ...OPEN,
      querystring: Type.Object({}, { additionalProperties: true }),
      response: {
        200: Html('With `response_mode=form_post`: a page that posts the answer to the redirect URI.'),
        303: Redirect('To the sign-in or consent page, or to the redirect URI with `code` (or `error`) and `state`.'),
        ...errors([400, 'The client or its redirect URI is unknown (nothing is sent to the client): a page says why to a browser (Accept: text/html), JSON to others.']),
      },
    },
  }, toServer);

  app.get(`${OAUTH2_MOUNT}/authorize/:uid`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2AuthorizeResume',
      summary: 'Resume an authorization',
      description: 'Where the sign-in and consent pages send the browser back: the authorization goes on, to the next page or '
        + 'to the redirect URI.',
      tags: TAGS_OF,
      ...OPEN,
      params: UidParams,
      response: {
        200: Html('With `response_mode=form_post`: a page that posts the answer to the redirect URI.'),
        303: Redirect('To the next page, or to the redirect URI with `code` (or `error`) and `state`.'),
        ...errors([400, 'The authorization expired or its cookie is missing: a page to a browser, JSON to others.']),
      },
    },
  }, toServer);

  app.post(`${OAUTH2_MOUNT}/token`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2Token',
      summary: 'Create an OAuth2 access token from the authorization code',
      description: 'Creates an OAuth2 access token from the authorization code (O6): `grant_type=authorization_code`, `code`, '
        + '`redirect_uri`, PKCE\'s `code_verifier`, and the client\'s credentials, as HTTP Basic (`client_id:client_secret`) or '
        + 'in the body. The body is a form (RFC 6749) or JSON (the seed\'s sample). A code works once and for 60 seconds. '
        + 'Errors carry OAuth 2.0\'s `error` and `error_description` beside `message`, `code` (`oauth.<error>`) and `description`.',
      tags: TAGS_OF,
      ...OPEN,
      consumes: ['application/x-www-form-urlencoded', 'application/json'],
      body: GetChatOAuth2TokenRequest,
      response: {
        200: ref(GetChatOAuth2Token, 'The tokens: `{id_token, access_token, token_type, expires_in}`.'),
        ...errors([400, 'The request is invalid, or the code is unknown, used, expired, or not for this client, redirect URI or verifier.'],
          [401, 'The client\'s credentials are wrong.']),
      },
    },
    errorHandler: (error: FastifyError | DomainError, _request: FastifyRequest, reply: FastifyReply) => {
      // Invalid input as OAuth 2.0 clients read it, with get.chat's fields too.
      if (error instanceof DomainError || !error.validation) throw error;
      const fields = fieldErrors(error.validation as never, error.validationContext ?? 'body');
      const named = Object.entries(fields).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join('; ');
      // Sent as text: the documented error shape would drop OAuth's two fields in serialization.
      const body = { ...withGetChatFields({ error: 'invalid_request', error_description: named }), code: 'field.invalid' };
      return reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(body));
    },
  }, toServer);

  app.get(`${OAUTH2_MOUNT}/jwks`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2Jwks',
      summary: 'The authorization server\'s public keys',
      description: 'The JSON Web Key Set that verifies ID tokens: those of the code exchange and the partner\'s application ID tokens.',
      tags: TAGS_OF,
      ...OPEN,
      response: { 200: JsonDocument('`{keys: [...]}`: the public keys (ES256).'), ...errors(404) },
    },
  }, toServer);

  app.get(`${OAUTH2_MOUNT}/.well-known/openid-configuration`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2Discovery',
      summary: 'The authorization server\'s metadata',
      description: 'OpenID Connect discovery: the issuer, its endpoints, keys and what it supports, for client libraries.',
      tags: TAGS_OF,
      ...OPEN,
      response: { 200: JsonDocument('The metadata document.'), ...errors(404) },
    },
  }, toServer);

  app.get(`${OAUTH2_MOUNT}/userinfo`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2Userinfo',
      summary: 'The signed-in user\'s claims',
      description: 'OpenID Connect userinfo: the claims the user consented to, for the access token of a code exchange '
        + '(`Authorization: Bearer {access_token}`), not the token of `POST /account/login`.',
      tags: TAGS_OF,
      response: {
        200: JsonDocument('`{sub, email, email_verified, name}`, as the scopes granted allow.'),
        ...errors([401, 'No access token of this server, or an expired one.']),
      },
    },
  }, toServer);

  /** The interaction under way, or the page saying it is gone. */
  async function interactionOf(request: FastifyRequest, reply: FastifyReply): Promise<InteractionState | null> {
    const { server, isSessionGone } = await authorizationServer();
    try {
      const state = await server.interactionDetails(request.raw, reply.raw) as unknown as InteractionState & { uid: string };
      if (state.uid === (request.params as { uid: string }).uid) return state;
    } catch (error) {
      if (!isSessionGone(error)) throw error;
    }
    const gone = { error: 'invalid_request', error_description: 'This sign-in page has expired or was already used: go back to the application and start again.' };
    // A browser gets a page; a program gets the surface's JSON error.
    if (/\btext\/html\b/.test(String(request.headers.accept ?? ''))) {
      reply.code(400).header('content-security-policy', pageCsp(null)).type('text/html').send(errorPage(gone));
    } else {
      reply.code(400).type('application/json; charset=utf-8').send(JSON.stringify(withGetChatFields(gone)));
    }
    return null;
  }

  async function showStep(state: InteractionState, uid: string, reply: FastifyReply, extra: { email?: string; error?: string; askCode?: boolean } = {}) {
    const { clientName, scopes } = await consentSubject((await authorizationServer()).server, state);
    const html = state.prompt.name === 'login'
      ? loginPage({ uid, clientName, ...extra })
      : consentPage({ uid, clientName, scopes });
    return reply.header('content-security-policy', pageCsp(state.params.redirect_uri)).type('text/html').send(html);
  }

  async function finish(request: FastifyRequest, reply: FastifyReply, result: Parameters<AuthorizationServer['interactionResult']>[2]) {
    const to = await (await authorizationServer()).server.interactionResult(request.raw, reply.raw, result, { mergeWithLastSubmission: false });
    return reply.redirect(to, 303);
  }

  app.get(`${OAUTH2_MOUNT}/interaction/:uid`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2InteractionPage',
      summary: 'The sign-in or consent page',
      description: 'Where the authorization endpoint sends the browser: the sign-in form (the account\'s e-mail and password, and '
        + 'a one-time code when the account has a second factor), or, once signed in, the consent form naming the client and scopes.',
      tags: TAGS_OF,
      ...OPEN,
      params: UidParams,
      response: { 200: Html('The page.'), ...errors([400, 'The authorization expired, was finished, or its cookie is missing: a page to a browser, JSON to others.']) },
    },
  }, async (request, reply) => {
    const state = await interactionOf(request, reply);
    if (!state) return reply;
    return showStep(state, request.params.uid, reply);
  });

  app.post(`${OAUTH2_MOUNT}/interaction/:uid/login`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2InteractionLogin',
      summary: 'Sign in during an authorization',
      description: 'The sign-in form\'s post: the same login as `POST /account/login` (lockout, second factor, activation). '
        + 'Right, it goes on to consent; wrong, the form again with the reason.',
      tags: TAGS_OF,
      ...OPEN,
      consumes: ['application/x-www-form-urlencoded'],
      params: UidParams,
      body: LoginForm,
      response: {
        200: Html('The sign-in form again, saying what was wrong.'),
        303: Redirect('On to the authorization (consent next).'),
        ...errors([400, 'The form is incomplete, or the authorization expired (a page to a browser, JSON to others).']),
      },
    },
  }, async (request, reply) => {
    const state = await interactionOf(request, reply);
    if (!state) return reply;
    if (state.prompt.name !== 'login') return showStep(state, request.params.uid, reply);
    let result;
    try {
      result = await loginInteraction(app.core, request.caller, state, request.body);
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const askCode = error.code === 'login.code_required' || error.code === 'login.code_sent' || error.code === 'code.invalid';
      return showStep(state, request.params.uid, reply, { email: request.body.email, error: error.message, askCode });
    }
    return finish(request, reply, result);
  });

  app.post(`${OAUTH2_MOUNT}/interaction/:uid/consent`, {
    config: OWN,
    schema: {
      operationId: 'getchatOAuth2InteractionConsent',
      summary: 'Allow or deny a client',
      description: 'The consent form\'s post: `decision=allow` grants the client the scopes it asked for, `deny` sends it `access_denied`.',
      tags: TAGS_OF,
      ...OPEN,
      consumes: ['application/x-www-form-urlencoded'],
      params: UidParams,
      body: ConsentForm,
      response: {
        200: Html('The page of the step the authorization is at, when it is not consent (a form posted twice).'),
        303: Redirect('On to the redirect URI, with `code` (or `error=access_denied`) and `state`.'),
        ...errors([400, 'The form is incomplete, or the authorization expired (a page to a browser, JSON to others).']),
      },
    },
  }, async (request, reply) => {
    const state = await interactionOf(request, reply);
    if (!state) return reply;
    if (state.prompt.name !== 'consent') return showStep(state, request.params.uid, reply);
    return finish(request, reply, await consentInteraction((await authorizationServer()).server, state, request.body.decision === 'allow'));
  });
};
