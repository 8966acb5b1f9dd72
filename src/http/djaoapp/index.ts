// The native API, DjaoApp's, mounted under /api: one encapsulated plugin with its own
// shared schemas, error envelope and not-found answer. Every later surface has the same
// inner shape: schemas/ (named TypeBox shapes), shapes/ (presenters), routes/ (one file
// per resource, each a FastifyPluginAsyncTypebox).
import type { FastifyPluginAsync } from 'fastify';
import { errors } from './schemas/common.js';
import { answerErrors } from '../request-errors.js';
import { SHARED_SCHEMAS } from './schemas/index.js';
import { authRoutes } from './routes/auth.js';
import { profileRoutes } from './routes/profiles.js';
import { accountRoutes } from './routes/accounts.js';
import { roleRoutes } from './routes/roles.js';
import { accessibleRoutes } from './routes/accessibles.js';
import { domainRoutes } from './routes/domains.js';
import { userAdminRoutes } from './routes/user-admin.js';
import { usersRoutes } from './routes/users.js';
import { sessionRoutes } from './routes/sessions.js';
import { todoRoutes } from './routes/todos.js';
import { contactsRoutes } from './routes/contacts.js';
import { contactRoutes } from './routes/contact.js';
import { ledgerRoutes } from './routes/ledger.js';
import { paymentMethodRoutes } from './routes/payment-methods.js';
import { processorEventRoutes } from './routes/processor-events.js';
import { couponRoutes } from './routes/coupons.js';
import { cartRoutes } from './routes/cart.js';
import { chargeRoutes } from './routes/charges.js';
import { planRoutes } from './routes/plans.js';
import { subscriptionRoutes } from './routes/subscriptions.js';
import { addIdempotency } from '../idempotency.js';
import { checkoutRoutes } from './routes/checkout.js';
import { receiptRoutes } from './routes/receipts.js';
import { siteRoutes } from './routes/site.js';
import { themeRoutes } from './routes/themes.js';
import { metricsRoutes } from './routes/metrics.js';
import { legalRoutes } from './routes/legal.js';

export const PREFIX = '/api';

/** Codes DjaoApp answers with another status than their kind's. */
const STATUS_OF_CODE: Record<string, number> = {
  'processor.unavailable': 503,
  // DjaoApp answers 405 to a refund the charge's state (or the provider's funds) does not allow.
  'charge.not_refundable': 405,
  'refund.insufficient_funds': 405,
};

/**
 * DjaoApp's error envelope: `{"detail": ...}` and `{"field": [messages]}` per invalid field,
 * plus the stable machine code as `error_code` (`code` is a field of its own: the one-time
 * code of a login).
 */
function envelope(detail: string, code: string, fields: Record<string, string[]> = {}): Record<string, unknown> {
  return { detail, error_code: code, ...fields };
}

const surface: FastifyPluginAsync = async (app) => {
  for (const schema of SHARED_SCHEMAS) app.addSchema(schema);
  app.setErrorHandler(answerErrors({
    body: (message, code, { fields }) => envelope(message, code, fields),
    invalidMessage: () => 'Invalid request.',
    statusOfCode: STATUS_OF_CODE,
  }));
  app.setNotFoundHandler((request, reply) => {
    reply.code(404).send(envelope(`Not found: ${request.method} ${request.url.split('?')[0]}`, 'route.not_found'));
  });
  // Before the routes: routes that say `idempotent` get the Idempotency-Key's handling.
  addIdempotency(app, errors([409, 'The Idempotency-Key was sent before with another request, or its first request is still running.'])[409]);
  await app.register(authRoutes);
  await app.register(profileRoutes);
  await app.register(accountRoutes);
  await app.register(roleRoutes);
  await app.register(accessibleRoutes);
  await app.register(domainRoutes);
  await app.register(userAdminRoutes);
  await app.register(usersRoutes);
  await app.register(sessionRoutes);
  await app.register(todoRoutes);
  await app.register(contactsRoutes);
  await app.register(contactRoutes);
  await app.register(ledgerRoutes);
  await app.register(paymentMethodRoutes);
  await app.register(processorEventRoutes);
  await app.register(couponRoutes);
  await app.register(cartRoutes);
  await app.register(chargeRoutes);
  await app.register(planRoutes);
  await app.register(subscriptionRoutes);
  await app.register(checkoutRoutes);
  await app.register(receiptRoutes);
  await app.register(siteRoutes);
  await app.register(themeRoutes);
  await app.register(metricsRoutes);
  await app.register(legalRoutes);
};

/** The surface, under its prefix. */
export const djaoapp: FastifyPluginAsync = async (app) => {
  await app.register(surface, { prefix: PREFIX });
};
