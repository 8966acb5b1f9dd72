// Builds the Fastify application: the service's generic parts (body parsing, security
// headers, cookies, rate limits, OpenAPI, authentication, metrics, health) and the
// surfaces, each an encapsulated plugin with its own routes, error envelope and 404.
// Routes only translate; rules live in core.
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest, type FastifyReply } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import { rateLimitBackend } from './rate-limit.js';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { Logger } from 'pino';
import type { Caller, Core } from '../core/context.js';
import { Invalid, Unauthenticated } from '../core/errors.js';
import { anonymous, authenticateApiKey, authenticateToken } from '../core/identity/authenticate.js';
import { databaseReachable } from '../core/health.js';
import { ACCOUNTCENTRAL_SCOPE, authenticateAccessToken } from '../core/oauth2/access-tokens.js';
import { validatorCompiler } from './validation.js';
import { lazySerializers } from './lazy-serializers.js';
import { OneLineLogController, lazyChildLogger } from './logging.js';
import { Metrics, metricsAuthorized } from './metrics.js';
import { proxyTrust, requestIdGenerator } from './proxies.js';
import { PAGE_CSP, applySecurityHeaders, securityHeaders } from './security-headers.js';
import { answerErrors, requestProblem } from './request-errors.js';
import { SESSION_COOKIE } from './session-cookie.js';
import { djaoapp } from './djaoapp/index.js';
import { PREFIXES as GETCHAT_PREFIXES, getChatError, getchat } from './getchat/index.js';
import { PREFIXES as ACCOUNTCENTRAL_PREFIXES, accountcentral, accountcentralError } from './accountcentral/index.js';
import { PREFIXES as EMBEDTHIS_PREFIXES, embedthis, embedthisError } from './embedthis/index.js';
import { surfaceDocument } from './openapi-subset.js';
import { portal } from './portal/index.js';
import './fastify-context.js';

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLoggerLike,
  TypeBoxTypeProvider
>;
type FastifyBaseLoggerLike = import('fastify').FastifyBaseLogger;

export interface BuildOptions {
  core: Core;
  logger: Logger | false;
  /** Extra checks for /ready (the mail queue, say); the database is always checked. */
  metrics?: Metrics;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

const dropProto = (key: string, value: unknown) => (key === '__proto__' ? undefined : value);

/** application/json, with or without parameters (charset). */
function isJson(contentType: string | undefined): boolean {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase() === 'application/json';
}

function onSurface(request: FastifyRequest, prefixes: readonly string[]): boolean {
  const path = request.url.split('?')[0]!;
  return prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`));
}

/** An error the HTTP layer answers by itself, in the body of the surface the path belongs to. */
function errorBodyFor(request: FastifyRequest, status: number, code: string, detail: string): Record<string, unknown> {
  if (onSurface(request, GETCHAT_PREFIXES)) return getChatError(detail, code);
  if (onSurface(request, ACCOUNTCENTRAL_PREFIXES)) return accountcentralError(detail, code, status, request.id);
  if (onSurface(request, EMBEDTHIS_PREFIXES)) return embedthisError(detail, code);
  return { detail, error_code: code };
}

export async function buildApp({ core, logger, metrics = new Metrics() }: BuildOptions): Promise<App> {
  const trust = proxyTrust(core.config.trustProxy);
  const headers = securityHeaders(core.config);
  const app = Fastify({
    loggerInstance: logger || undefined,
    logger: logger ? undefined : false,
    bodyLimit: core.config.bodyLimitBytes,
    trustProxy: trust,
    // X-Request-Id is read by genReqId, and only from a trusted proxy (src/http/proxies.ts).
    requestIdHeader: false,
    logController: new OneLineLogController(),
    childLoggerFactory: lazyChildLogger,
    genReqId: requestIdGenerator(trust),
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // The router refuses a path it cannot decode or with a value over maxParamLength before
    // any error handler runs; without this its answer is Fastify's own shape, not ours. No
    // hook runs for it either: the headers the onSend hook below adds are added here.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      reply.header('x-request-id', request.id);
      applySecurityHeaders(headers, reply);
      const problem = requestProblem(error, request, core.config) ?? { status: 400, code: 'request.refused', detail: error.message };
      // Each surface's paths answer in its own body, even before its plugin is reached.
      reply.code(problem.status).send(errorBodyFor(request, problem.status, problem.code, problem.detail));
    },
    ajv: { customOptions: { coerceTypes: false } },
    // Response serializers are compiled on first use: compiling them all was most of the start.
    schemaController: { compilersFactory: { buildSerializer: lazySerializers } },
  } as Parameters<typeof Fastify>[0]).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  app.decorate('core', core);
  app.decorateRequest('caller', null as never);
  app.setValidatorCompiler(validatorCompiler);

  // A JSON body that is empty is an empty object: DjaoApp's POSTs without fields send none.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, {});
    try {
      // A reviver makes JSON.parse several times slower, so it runs only on a body that could
      // name `__proto__` (literally or through an escape such as \u005f).
      done(null, text.includes('__proto__') || text.includes('\\u') ? JSON.parse(text, dropProto) : JSON.parse(text));
    } catch {
      const error = new Invalid('non_field_errors', 'Malformed JSON in the request body.') as unknown as FastifyError;
      done(error, undefined);
    }
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', request.id);
    applySecurityHeaders(headers, reply);
    done(null, payload);
  });

  // The plugin's own hooks: @fastify/cookie 11.1.0 (the last on `cookie` 1, for Node 20)
  // writes Set-Cookie only when its hook is on. It parses only requests that carry cookies.
  await app.register(cookie);
  // Counted where every node sees the same counts (src/http/rate-limit.ts).
  const limits = await rateLimitBackend(core);
  app.addHook('onClose', async () => { await limits.close(); });
  await app.register(rateLimit, {
    ...limits.options,
    global: false,
    // Thrown to the route's error handler, which answers it in its surface's envelope.
    errorResponseBuilder: (_req, context) => Object.assign(
      new Error(`Request was throttled. Expected available in ${Math.ceil(context.ttl / 1000)} seconds.`),
      { statusCode: 429 },
    ),
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Account Portal',
        version: '0.1.0',
        description:
          'Accounts, access and billing for software businesses. The native API lives under `/api/` ' +
          'and follows DjaoApp conventions: slugs in paths, `{count, next, previous, results}` pages, ' +
          '`?q=` search, `?o=`/`?ot=` ordering, amounts in cents. Trailing slashes are optional. ' +
          'get.chat\'s Account Portal API lives under `/account/` and `/integration/` with its own conventions: ' +
          'integer ids, `{data, pagination, filters, sort}` lists, `field[op]` filters, `{message, code, description}` errors.',
      },
      servers: [{ url: core.config.baseUrl }],
      components: {
        // Shared shapes are named TypeBox schemas added with addSchema: listed here by name.
        schemas: {},
        securitySchemes: {
          bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A JWT from `POST /api/auth/`.' },
          apiKey: { type: 'http', scheme: 'basic', description: 'A secret API key as the user name, empty password.' },
          session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE, description: 'The session cookie set at login.' },
          clabPlatformOauth2: {
            type: 'oauth2',
            description: 'Accountcentral\'s scheme: an access token of the service\'s OAuth2 server (authorization code with PKCE S256) '
              + 'granted the `accountcentral` scope, sent as `Authorization: Bearer <token>`. It works on Accountcentral\'s operations only.',
            flows: {
              authorizationCode: {
                authorizationUrl: '/account/oauth2/authorize',
                tokenUrl: '/account/oauth2/token',
                scopes: { accountcentral: 'Act for the user on Accountcentral\'s operations.', openid: 'Know who the user is.' },
              },
            },
          },
        },
      },
      security: [{ bearer: [] }, { apiKey: [] }, { session: [] }],
    },
    // A shared schema's `$id` is its component's name (`#/components/schemas/Organization`),
    // not the resolver's `def-N`: generated clients get types named after the shapes.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: PAGE_CSP });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  // Each compatibility surface's operations alone, for a client generated for that API.
  app.get('/accountcentral/openapi.json', { schema: { hide: true } },
    async () => surfaceDocument(app.swagger() as never, ACCOUNTCENTRAL_PREFIXES, 'Account Portal: Accountcentral API'));
  app.get('/embedthis/openapi.json', { schema: { hide: true } },
    async () => surfaceDocument(app.swagger() as never, EMBEDTHIS_PREFIXES, 'Account Portal: EmbedThis Account API'));

  // Authentication: every request gets a caller, anonymous when it carries nothing. A
  // callback hook, so a request without credentials (most of them) awaits no promise.
  app.addHook('onRequest', (request, reply, done) => {
    const pending = authenticate(request, reply);
    if (!pending) return done();
    // An answer sent here (415) ends the request: Fastify's hooks stop without done().
    // A rejection that is not an Error (none today) must still stop the request, never let it
    // go on without a caller.
    pending.then(() => { if (!reply.sent) done(); }, (error: unknown) => done(error instanceof Error ? error : new Error('authentication failed')));
  });

  /** Sets request.caller; a promise only when credentials must be checked. */
  function authenticate(request: FastifyRequest, reply: FastifyReply): Promise<unknown> | undefined {
    if (request.routeOptions.config?.ownCredentials) {
      request.caller = anonymous({ ip: request.ip, userAgent: request.headers['user-agent'] });
      return undefined;
    }
    const header = request.headers.authorization;
    const session = header ? undefined : request.cookies[SESSION_COOKIE];
    if (!header && !session) {
      request.caller = anonymous({ ip: request.ip, userAgent: request.headers['user-agent'] });
      return undefined;
    }
    return authenticateCredentials(request, reply, header, session);
  }

  async function authenticateCredentials(request: FastifyRequest, reply: FastifyReply, header: string | undefined, session: string | undefined): Promise<unknown> {
    const origin = { ip: request.ip, userAgent: request.headers['user-agent'] };
    if (header) {
      const space = header.indexOf(' ');
      const scheme = header.slice(0, space).toLowerCase();
      const value = header.slice(space + 1).trim();
      if (scheme === 'bearer' && value) {
        // Accountcentral's clients may bring an access token of the OAuth2 server (opaque, not a JWT).
        if (!value.includes('.') && onSurface(request, ACCOUNTCENTRAL_PREFIXES)) {
          request.caller = await authenticateAccessToken(core, value, ACCOUNTCENTRAL_SCOPE, origin);
          return;
        }
        request.caller = await authenticateToken(core, value, 'jwt', origin);
        return;
      }
      if (scheme === 'basic' && value) {
        const decoded = Buffer.from(value, 'base64').toString('utf8');
        const key = decoded.includes(':') ? decoded.slice(0, decoded.indexOf(':')) : decoded;
        request.caller = await authenticateApiKey(core, key, origin);
        return;
      }
      // EmbedThis's clients send their API key bare: `Authorization: <key>`.
      if (space === -1 && header.trim() && onSurface(request, EMBEDTHIS_PREFIXES)) {
        request.caller = await authenticateApiKey(core, header.trim(), origin);
        return;
      }
      throw new Unauthenticated('Unsupported authorization scheme.');
    }
    if (session) {
      let caller: Caller | null = null;
      try {
        caller = await authenticateToken(core, session, 'session', origin);
      } catch {
        // An expired session cookie is the same as none: the page asks to log in again.
      }
      if (caller) {
        // The browser sends the cookie on any request, a cross-site form's too. Such a form
        // (or a no-cors fetch) can send text/plain, a form type or no body, but never
        // application/json without a CORS preflight, which we never grant: so a change
        // made with the cookie must come as JSON, even with an empty body.
        if (!SAFE_METHODS.has(request.method) && !isJson(request.headers['content-type'])) {
          return reply.code(415).send(errorBodyFor(request, 415, 'request.json_required',
            'A request authenticated by the session cookie must send Content-Type: application/json (an empty body is fine).'));
        }
        request.caller = caller;
        return;
      }
    }
    request.caller = anonymous(origin);
  }

  metrics.instrument(app);

  // What no surface claims, and the service's own routes, answer in this plain envelope.
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send({ detail: `Not found: ${request.method} ${request.url.split('?')[0]}`, error_code: 'route.not_found' });
  });
  app.setErrorHandler(answerErrors({
    body: (message, code) => ({ detail: message, error_code: code }),
    invalidMessage: () => 'Invalid request.',
  }));

  app.get('/health', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/ready', { schema: { hide: true } }, async (_request, reply) => {
    const ok = await databaseReachable(core);
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'database unreachable' });
  });
  // On the public port only with METRICS_TOKEN and no METRICS_PORT: otherwise it does not
  // exist here (404). Metrics show what the service does, to whom it is doing it.
  const metricsToken = core.config.metricsToken;
  if (metricsToken && core.config.metricsPort === null) {
    app.get('/metrics', { schema: { hide: true }, config: { ownCredentials: true } }, async (request, reply) => {
      if (!metricsAuthorized(request.headers.authorization, metricsToken)) {
        return reply.code(401).header('www-authenticate', 'Bearer').send({ detail: 'Metrics need the METRICS_TOKEN bearer token.' });
      }
      reply.header('content-type', metrics.contentType);
      return metrics.render();
    });
  }

  await app.register(djaoapp);
  await app.register(getchat);
  await app.register(accountcentral);
  await app.register(embedthis);
  await app.register(portal);
  return app;
}
