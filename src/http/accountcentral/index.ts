// Contactlab Accountcentral's API (seed 002), under /accountcentral/: a third surface over
// the same core. Users are shown by integer `userPk`, customers (organizations) by integer
// `groupPk`, lists as `{page, elements}` pages numbered from 0, outcomes as
// `{timestamp, result, resultCode}` and every error as the seed's message
// `{message, logref, data, errors}`. The seed lost its paths: ours follow its REST style
// (`/accountcentral/users/{userPk}/...`, `/accountcentral/customers/{groupPk}/...`), and each
// operation's OpenAPI `summary` is the seed's title, word for word.
// Same inner shape as every surface: schemas/ (named TypeBox shapes, `$id`s prefixed Ac),
// shapes/ (presenters), routes/ (one file per resource).
import type { FastifyPluginAsync } from 'fastify';
import { answerErrors } from '../request-errors.js';
import { AC } from './schemas/common.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { serviceRoutes } from './routes/service.js';
import { userRoutes } from './routes/user.js';
import { optionRoutes } from './routes/options.js';
import { teamRoutes } from './routes/team.js';
import { capabilityRoutes } from './routes/capabilities.js';
import { customerRoutes } from './routes/customers.js';
import { provisioningRoutes } from './routes/provisioning.js';
import { dkimRoutes } from './routes/dkim.js';
import { notificationRoutes } from './routes/notifications.js';
import { statusRoutes } from './routes/status.js';

/** Where this surface answers; anything else under it is its 404. */
export const PREFIXES = [AC] as const;

/** The seed's message body, `{message, logref, data, errors}`, for an error. */
export function accountcentralError(message: string, code: string, status: number, logref: string, fields: Record<string, string[]> = {}) {
  const errors = Object.entries(fields).flatMap(([field, messages]) => messages.map((text) => ({ field, message: text })));
  return { message, logref, data: { code, status }, errors };
}

/** Accountcentral's routes, under their own error body and not-found answer. */
export const accountcentral: FastifyPluginAsync = async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(answerErrors({
    body: (message, code, { status, request, fields }) => accountcentralError(message, code, status, request.id, fields),
  }));
  // Operations without a body validate a request sent without one as `{}`.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  // The seed's scheme, `clabPlatformOauth2`, on every operation that does not say otherwise;
  // the service's own tokens and session work too. Public operations say `security: []`.
  app.addHook('onRoute', (route) => {
    if (route.url.startsWith(AC) && route.schema && route.schema.security === undefined) {
      route.schema.security = [{ clabPlatformOauth2: ['accountcentral'] }, { bearer: [] }, { apiKey: [] }, { session: [] }];
    }
  });
  await app.register(async (scope) => {
    scope.setNotFoundHandler((request, reply) => {
      reply.code(404).send(accountcentralError(`Not found: ${request.method} ${request.url.split('?')[0]}`, 'route.not_found', 404, request.id));
    });
  }, { prefix: AC });
  await app.register(serviceRoutes);
  await app.register(userRoutes);
  await app.register(optionRoutes);
  await app.register(teamRoutes);
  await app.register(capabilityRoutes);
  await app.register(customerRoutes);
  await app.register(provisioningRoutes);
  await app.register(dkimRoutes);
  await app.register(notificationRoutes);
  await app.register(statusRoutes);
};
