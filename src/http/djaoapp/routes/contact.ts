// /api/contact/: the contact-us form, open to anyone, mailed to the broker's managers.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { sendContactRequest } from '../../../core/identity/contacts.js';
import { Detail, errors, ref } from '../schemas/common.js';

export const contactRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { max, windowSeconds } = core.config.authRateLimit;

  app.post('/contact/', {
    config: { rateLimit: { max, timeWindow: windowSeconds * 1000 } },
    schema: {
      tags: ['contacts'],
      operationId: 'sendContactRequest',
      summary: 'Sends a contact-us message',
      description: 'Mails a free-form message to the broker\'s team with the sender\'s name and address to reply to. No login needed; rate-limited per address.',
      security: [],
      body: Type.Object({
        full_name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Name of the sender.' }),
        email: Type.String({ format: 'email', maxLength: 254, description: 'Address to reply to.' }),
        message: Type.Optional(Type.String({ maxLength: 10_000, description: 'The message.' })),
      }, { additionalProperties: false }),
      response: { 200: ref(Detail, 'The message is on its way.'), ...errors(400, 429) },
    },
  }, async (request) => {
    await sendContactRequest(core, request.caller, request.body);
    return { detail: 'Your request has been sent. We will reply within 24 hours. Thank you.' };
  });
};
