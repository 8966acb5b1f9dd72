// get.chat's Account Portal API (seed 000): `/account/...` (users, organizations, accesses,
// OAuth2) and `/integration/...` (packages, stacks, applications). A second surface over the
// same core: the same users and organizations as the native API, shown by integer id, in
// get.chat's envelopes and error body. Same inner shape as every surface: schemas/ (named
// TypeBox shapes, `$id`s prefixed GetChat), shapes/ (presenters), routes/ (one file per resource).
import type { FastifyPluginAsync } from 'fastify';
import { answerErrors } from '../request-errors.js';
import { GetChatError } from './schemas/common.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { profileRoutes } from './routes/profile.js';
import { webhookRoutes } from './routes/webhooks.js';
import { packageRoutes } from './routes/packages.js';
import { oauth2ClientRoutes } from './routes/oauth2-clients.js';
import { oauth2ServerRoutes } from './routes/oauth2-server.js';
import { idTokenRoutes } from './routes/id-tokens.js';
import { authRoutes } from './routes/auth.js';
import { organizationRoutes } from './routes/organizations.js';
import { accessRoutes } from './routes/accesses.js';
import { roleRoutes } from './routes/roles.js';
import { stackRoutes } from './routes/stacks.js';
import { applicationRoutes } from './routes/applications.js';
import { routingRoutes } from './routes/routing.js';

/** The two prefixes this surface answers under; anything else under them is its 404. */
export const PREFIXES = ['/account', '/integration'] as const;

/** `{message, code, description}`; for invalid fields the description names each with its messages. */
export function getChatError(message: string, code: string, fields: Record<string, string[]> = {}, description?: string) {
  const named = Object.entries(fields).map(([field, messages]) => `${field}: ${messages.join(' ')}`).join('; ');
  return { message, code, description: description ?? (named || message) };
}

/** get.chat's routes, under their own error body and not-found answer. */
export const getchat: FastifyPluginAsync = async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(answerErrors({
    body: (message, code, { fields }) => getChatError(message, code, fields),
  }));
  // The seed's body-less operations (`{ }`, unexpected fields refused) validate a request
  // sent without a body as `{}`: clients need not invent one, and a body with fields is refused.
  app.addHook('preValidation', async (request) => {
    if (request.body === undefined && request.routeOptions.schema?.body) request.body = {};
  });
  for (const prefix of PREFIXES) {
    await app.register(async (scope) => {
      scope.setNotFoundHandler((request, reply) => {
        reply.code(404).send(getChatError(`Not found: ${request.method} ${request.url.split('?')[0]}`, 'route.not_found'));
      });
    }, { prefix });
  }
  await app.register(profileRoutes);
  await app.register(webhookRoutes);
  await app.register(packageRoutes);
  await app.register(oauth2ClientRoutes);
  await app.register(oauth2ServerRoutes);
  await app.register(idTokenRoutes);
  await app.register(authRoutes);
  await app.register(organizationRoutes);
  await app.register(accessRoutes);
  await app.register(roleRoutes);
  await app.register(stackRoutes);
  await app.register(applicationRoutes);
  await app.register(routingRoutes);
};

export { GetChatError };
