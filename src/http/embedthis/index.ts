// EmbedThis Builder's Account API (seed 003), under /embedthis/: a fourth surface over the
// same core. Every operation is `POST /embedthis/account/{operation}` with a JSON body (the
// form EmbedThis's documentation and clients use), accounts are organizations shown by
// string id, lists are `{data, next, prev}` cursor pages, and errors are `{error, code, fields}`.
// Callers authenticate with a bearer token or with an API key given bare in `Authorization`,
// as EmbedThis's clients send it.
// Same inner shape as every surface: schemas/ (named TypeBox shapes, `$id`s prefixed Et),
// shapes/ (presenters), routes/ (one file per resource).
import type { FastifyPluginAsync } from 'fastify';
import { answerErrors } from '../request-errors.js';
import { ET } from './schemas/common.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { accountRoutes } from './routes/account.js';

/** Where this surface answers; anything else under it is its 404. */
export const PREFIXES = [ET] as const;

/** EmbedThis's error body: `{error, code, fields}`. */
export function embedthisError(message: string, code: string, fields: Record<string, string[]> = {}) {
  return { error: message, code, fields };
}

/** EmbedThis's routes, under their own error body and not-found answer. */
export const embedthis: FastifyPluginAsync = async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(answerErrors({
    body: (message, code, { fields }) => embedthisError(message, code, fields),
  }));
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
