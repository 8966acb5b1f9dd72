// POST /api/billing/stripe/webhook/: events Stripe pushes. Their signature covers the exact
// bytes sent, so this route (alone, in its own plugin) takes the body as text.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { handleProcessorEvent } from '../../../core/billing/processor-events.js';
import { errors } from '../schemas/common.js';

export const processorEventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, String(body)));

  app.post('/billing/stripe/webhook/', {
    schema: {
      operationId: 'receiveStripeEvent',
      tags: ['billing'],
      // Stripe calls it with no credential of ours: its signature is what is checked.
      security: [],
      summary: 'Receives a Stripe webhook event',
      description: 'For Stripe, not for people: an event (a payment that succeeded or failed, a dispute) signed with the webhook secret in the `Stripe-Signature` header. An event that does not verify is refused and changes nothing; one already received is acknowledged again and not acted on twice. A charge is settled from Stripe\'s current record of it, not from the event. 404 when the processor is not Stripe.',
      headers: Type.Object({ 'stripe-signature': Type.Optional(Type.String({ maxLength: 4096, description: 'Stripe\'s signature of the body.' })) }),
      response: {
        200: Type.Object({
          received: Type.Boolean({ description: 'Always true: the event was verified.' }),
          handled: Type.Boolean({ description: 'False when this event had already been received.' }),
        }, { description: 'The event was verified and handled.' }),
        ...errors(400, 404, 503),
      },
    },
  }, async (request) => {
    const payload = typeof request.body === 'string' ? request.body : '';
    return handleProcessorEvent(core, payload, request.headers['stripe-signature']);
  });
};
