// How errors are answered: the core's (by kind, with the headers a status calls for), those
// Fastify itself raises before a handler runs (body too large, wrong media type, throttled, a
// path the router cannot decode, a schema not met), a database too busy for the request, and
// bugs. The rules live here once; each surface gives only its body's style (`answerErrors`).
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { DomainError, retryAfterOf, unavailableFromDatabase, type ErrorKind, type FieldErrors } from '../core/errors.js';
import { fieldErrors } from './validation.js';

/** The status of each kind of core error, the same on every surface. */
const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400, refused: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_many_attempts: 429, unavailable: 503,
};

/** What a surface's error bodies look like. */
export interface ErrorStyle {
  /** The body for a message and a code (with the status, the request and the fields at fault). */
  body(message: string, code: string, context: { status: number; request: FastifyRequest; fields: FieldErrors }): unknown;
  /** The message of a request that fails its schema; by default it names the fields at fault. */
  invalidMessage?(fields: FieldErrors): string;
  /** Codes that answer another status than their kind's. */
  statusOfCode?: Partial<Record<string, number>>;
}

/** A surface's error handler: every kind of error answered in its style. */
export function answerErrors(style: ErrorStyle) {
  return (raised: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) => {
    const answerWith = (status: number, message: string, code: string, fields: FieldErrors = {}) =>
      reply.code(status).send(style.body(message, code, { status, request, fields }));
    const busy = unavailableFromDatabase(raised);
    // Logged: a statement slow because of a bug would otherwise pass for load.
    if (busy) request.log.warn({ err: raised }, 'database too busy for the request');
    const error = busy ?? raised;
    if (error instanceof DomainError) {
      const retryAfter = retryAfterOf(error);
      if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
      const status = style.statusOfCode?.[error.code] ?? STATUS_OF_KIND[error.kind];
      if (status === 401) reply.header('www-authenticate', 'Bearer');
      return answerWith(status, error.message, error.code, error.fields);
    }
    if (error.validation) {
      const fields = fieldErrors(error.validation as never, error.validationContext ?? 'body');
      const message = style.invalidMessage?.(fields) ?? `Invalid request: ${Object.keys(fields).join(', ')}.`;
      return answerWith(400, message, 'field.invalid', fields);
    }
    const problem = requestProblem(error, request, request.server.core.config);
    if (problem) return answerWith(problem.status, problem.detail, problem.code);
    request.log.error({ err: error }, 'unhandled error');
    return answerWith(500, 'Internal server error.', 'server.error');
  };
}

export interface RequestProblem {
  status: number;
  /** A stable code, like the core's: `request.too_large`, `rate.limited`, ... */
  code: string;
  detail: string;
}

/** A Fastify 4xx error as a status, code and message; null for anything else (a bug: 500). */
export function requestProblem(error: FastifyError, request: FastifyRequest, config: Config): RequestProblem | null {
  const status = error.statusCode;
  if (!status || status < 400 || status >= 500) return null;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return { status, code: 'request.too_large', detail: `Request body is larger than ${config.bodyLimitBytes} bytes.` };
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return { status, code: 'request.unsupported_media_type', detail: `Unsupported media type "${request.headers['content-type'] ?? ''}"; send application/json.` };
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return { status, code: 'request.empty_body', detail: 'The request body is empty.' };
    case 'FST_ERR_BAD_URL':
      return { status, code: 'request.bad_url', detail: 'The path has a percent-escape that does not decode to UTF-8 text.' };
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return { status, code: 'request.path_too_long', detail: 'A value in the path is longer than 200 characters.' };
  }
  if (status === 429) return { status, code: 'rate.limited', detail: error.message || 'Request was throttled.' };
  return { status, code: 'request.refused', detail: error.message };
}
