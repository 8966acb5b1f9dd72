// Request logging at a price that fits the hot path.
// - One line per request at `info`, when it completes, carrying both the request and the response
//   (Fastify's default writes two), each with the request id.
// - The per-request child logger is made on its first use: most requests below `info`
//   never log, and making a pino child costs more than the rest of a cached request.
import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest } from 'fastify';
import type { Bindings, ChildLoggerOptions, Level } from 'pino';

export class OneLineLogController extends LogController {
  constructor() {
    super({ requestIdLogLabel: 'request_id' });
  }

  /** At `debug` only: useful to see a slow request arrive, too costly for every request. */
  override incomingRequest(request: FastifyRequest): void {
    if (enabled(request.log, 'debug')) request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) {
      if (enabled(reply.log, 'error')) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    } else if (enabled(reply.log, 'info')) {
      reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
    }
  }
}

type LogMethod = (...args: unknown[]) => void;
type Leveled = FastifyBaseLogger & { isLevelEnabled?: (level: string) => boolean };

/**
 * A request's logger, whose pino child is made on its first line. A class, not an object
 * literal with a get/set pair: V8 keeps such literals in dictionary mode, and one is made
 * for every request.
 */
export class RequestLogger {
  #child: FastifyBaseLogger | null = null;

  constructor(
    private readonly parent: Leveled,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  #real(): FastifyBaseLogger {
    return (this.#child ??= this.parent.child(this.bindings, this.options));
  }

  get level(): string {
    return this.#child?.level ?? this.parent.level;
  }

  set level(value: string) {
    this.#real().level = value;
  }

  /** Whether a line at `level` would be written (a request-level override counts once made). */
  isLevelEnabled(level: Level): boolean {
    // A route's own level (options.level) lives on the child: make it to ask.
    const logger = (this.#child ?? (this.options.level ? this.#real() : this.parent)) as Leveled;
    return !logger.isLevelEnabled || logger.isLevelEnabled(level);
  }

  child(more: Bindings, moreOptions?: ChildLoggerOptions): FastifyBaseLogger {
    return this.#real().child(more, moreOptions);
  }

  silent(): void {}

  #write(level: Level, args: unknown[]): void {
    if (this.#child || this.isLevelEnabled(level)) (this.#real()[level] as LogMethod)(...args);
  }

  fatal(...args: unknown[]): void { this.#write('fatal', args); }
  error(...args: unknown[]): void { this.#write('error', args); }
  warn(...args: unknown[]): void { this.#write('warn', args); }
  info(...args: unknown[]): void { this.#write('info', args); }
  debug(...args: unknown[]): void { this.#write('debug', args); }
  trace(...args: unknown[]): void { this.#write('trace', args); }
}

export function lazyChildLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  return new RequestLogger(logger, bindings, options) as unknown as FastifyBaseLogger;
}

/** False only when the line is sure to be dropped: skips building its fields for nothing. */
function enabled(log: FastifyBaseLogger, level: Level): boolean {
  return !(log instanceof RequestLogger) || log.isLevelEnabled(level);
}

/**
 * Path parameters that carry a one-time secret (activation, reset, invitation and request
 * keys, tokens): a parameter whose name ends in `key`, `token` or `secret` (and the reset
 * link's `uidb64`). Decided by the route's parameter names, not by guessing at URLs, so a
 * new route is covered by naming its parameter for what it is; every other parameter name
 * must be listed in PUBLIC_PATH_PARAMS (a test checks every route).
 */
// `coupon`: a group buy's claim code is a 100% coupon whose code is the beneficiary's credential.
// `uid`: an OAuth2 interaction's id; with its cookie it continues someone's login.
export const SECRET_PARAM = /(key|token|secret|uidb64|coupon|^uid)$/i;
// `session`: a session id is no credential (only a signed token can name it).
// `charge`: a charge's processor id opens nothing by itself (every read is authorized).
export const PUBLIC_PATH_PARAMS = new Set([
  'user', 'organization', 'role', 'profile', 'field', 'domain', 'session', 'plan', 'subscribed_plan', 'subscriber', 'charge',
  // get.chat's numeric or named ids; each read is authorized, none opens anything by itself.
  'organization_id', 'delivery_id', 'user_id', 'oauth2_client_id', 'package_type', 'package_id', 'setting', 'stack_id',
  'application_id',
  // A mail template's name (/api/notifications/{template}/).
  'template',
  // Accountcentral's numeric or named ids (a user, a customer, a capability, an application's
  // code, a hub workspace, a DKIM key, a provisioning job, a feedback loop); each read is authorized.
  'groupPk', 'userPk', 'id', 'application', 'workspaceId', 'dkimId', 'jobId', 'uuid',
  // A legal agreement's slug (terms-of-use): public documents.
  'agreement',
  // The broker's balance sheets: a report's name and a line's rank (/api/metrics/balances/...).
  'report', 'rank',
]);
const REDACTED = '[redacted]';

/** Route parameter names in a route template such as `/api/auth/reset/:uidb64/:token/`. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/:(\w+)/g)].map((m) => m[1]!);
}

/**
 * The URL as it may be written to a log: the route's secret parameters and secret-named
 * query values replaced. Without a matched route there are no known secrets in the path.
 */
export function loggableUrl(url: string, template: string | undefined): string {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);
  return redactPath(path, template) + (q < 0 ? '' : `?${redactQuery(query)}`);
}

function redactPath(path: string, template: string | undefined): string {
  if (!template || !pathParams(template).some((name) => SECRET_PARAM.test(name))) return path;
  const trailing = path.endsWith('/') ? '/' : '';
  const actual = path.replace(/\/+$/, '').split('/');
  const expected = template.replace(/\/+$/, '').split('/');
  const secret = (segment: string) => pathParams(segment).some((name) => SECRET_PARAM.test(name));
  // A route whose shape does not line up segment by segment (a wildcard, say): log its template.
  if (actual.length !== expected.length) return template.replace(/:(\w+)/g, (all, name: string) => (SECRET_PARAM.test(name) ? REDACTED : all));
  return actual.map((segment, i) => (secret(expected[i]!) ? REDACTED : segment)).join('/') + trailing;
}

function redactQuery(query: string): string {
  return query.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    if (eq < 0) return pair;
    let name = pair.slice(0, eq);
    try { name = decodeURIComponent(name); } catch { /* an undecodable name is checked as it is */ }
    return SECRET_PARAM.test(name) || /password/i.test(name) ? `${pair.slice(0, eq)}=${REDACTED}` : pair;
  }).join('&');
}

const ROUTED_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/**
 * A request that matched no route may still carry a secret: a one-time link opened with
 * another method than its route's (a click in a mail client is a GET, most links are
 * POSTed). Its path is redacted by whichever route has that shape under another method.
 */
function urlOfUnroutedRequest(request: FastifyRequest): string {
  const q = request.url.indexOf('?');
  const path = q < 0 ? request.url : request.url.slice(0, q);
  const secrets = new Set<string>();
  for (const method of ROUTED_METHODS) {
    const found = request.server.findRoute({ method, url: path });
    for (const [name, value] of Object.entries((found?.params ?? {}) as Record<string, unknown>)) {
      if (SECRET_PARAM.test(name) && typeof value === 'string' && value) secrets.add(value);
    }
  }
  const redacted = secrets.size === 0 ? path : path.split('/').map((segment) => {
    let decoded = segment;
    try { decoded = decodeURIComponent(segment); } catch { /* compared as it is */ }
    return secrets.has(decoded) || secrets.has(segment) ? REDACTED : segment;
  }).join('/');
  return redacted + (q < 0 ? '' : `?${redactQuery(request.url.slice(q + 1))}`);
}

/** The `req` of a log line: Fastify's fields, with the URL made safe to log. */
export function requestForLog(request: FastifyRequest): Record<string, unknown> {
  const template = request.routeOptions?.url;
  return {
    method: request.method,
    url: template ? loggableUrl(request.url, template) : urlOfUnroutedRequest(request),
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
