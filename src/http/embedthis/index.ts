// EmbedThis Builder's Account API (seed 003), under /embedthis/: a fourth surface over the
// same core. Every operation is `POST /embedthis/account/{operation}` with a JSON body (the
// form EmbedThis's documentation and clients use), accounts are organizations shown by
// string id, lists are `{data, next, prev}` cursor pages, and errors are `{error, code, fields}`.
// Callers authenticate with a bearer token or with an API key given bare in `Authorization`,
// as EmbedThis's clients send it.
// Same inner shape as every surface: schemas/ (named TypeBox shapes, `$id`s prefixed Et),
// shapes/ (presenters), routes/ (one file per resource).
import type { FastifyError, FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError, retryAfterOf, type ErrorKind } from '../../core/errors.js';
import { fieldErrors } from '../validation.js';
import { requestProblem, answeringBusyDatabase } from '../request-errors.js';
import { ET } from './schemas/common.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { accountRoutes } from './routes/account.js';

/** Where this surface answers; anything else under it is its 404. */
export const PREFIXES = [ET] as const;

const STATUS_OF_KIND: Record<ErrorKind, number> = {
  invalid: 400, refused: 400, unauthenticated: 401, forbidden: 403, not_found: 404, conflict: 409, too_many_attempts: 429, unavailable: 503,
};

/** EmbedThis's error body: `{error, code, fields}`. */
export function embedthisError(message: string, code: string, fields: Record<string, string[]> = {}) {
  return { error: message, code, fields };
}

function answerError(error: FastifyError | DomainError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof DomainError) {
    const retryAfter = retryAfterOf(error);
    if (retryAfter !== null) reply.header('retry-after', String(retryAfter));
    const status = STATUS_OF_KIND[error.kind];
    if (status === 401) reply.header('www-authenticate', 'Bearer');
    return reply.code(status).send(embedthisError(error.message, error.code, error.fields));
  }
  if (error.validation) {
    const fields = fieldErrors(error.validation as never, error.validationContext ?? 'body');
    return reply.code(400).send(embedthisError(`Invalid request: ${Object.keys(fields).join(', ')}.`, 'field.invalid', fields));
  }
  const problem = requestProblem(error, request, request.server.core.config);
  if (problem) return reply.code(problem.status).send(embedthisError(problem.detail, problem.code));
  request.log.error({ err: error }, 'unhandled error');
  return reply.code(500).send(embedthisError('Internal server error.', 'server.error'));
}

/** EmbedThis's routes, under their own error body and not-found answer. */
export const embedthis: FastifyPluginAsync = async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(answeringBusyDatabase(answerError));
  // Operations without fields validate a request sent without a body as `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  await app.register(async (scope) => {
    scope.setNotFoundHandler((request, reply) => {
      reply.code(404).send(embedthisError(`Not found: ${request.method} ${request.url.split('?')[0]}`, 'route.not_found'));
    });
  }, { prefix: ET });
  await app.register(accountRoutes);
};
