// Errors that are not the core's: those Fastify itself raises before a handler runs (body too
// large, wrong media type, throttled, a path the router cannot decode), what each means in
// plain words, and a database too busy for the request. Every surface's error handler and the
// service's own use these, each in its own envelope.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config.js';
import { unavailableFromDatabase, type DomainError } from '../core/errors.js';

type ErrorAnswer = (error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * A surface's error handler that also answers a database too busy for the request (no free
 * connection in time, a statement cancelled for running too long) as the 503 it is, in the
 * surface's envelope, rather than as a bug.
 */
export function answeringBusyDatabase(answer: ErrorAnswer): ErrorAnswer {
  return (error, request, reply) => {
    const busy = unavailableFromDatabase(error);
    // Logged: a statement slow because of a bug would otherwise pass for load.
    if (busy) request.log.warn({ err: error }, 'database too busy for the request');
    return answer(busy ?? error, request, reply);
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
