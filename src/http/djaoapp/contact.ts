// /api/contact/: the contact-us form, open to anyone, mailed to the broker's managers.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import { sendContactRequest } from '../../core/identity/contacts.js';
import { Detail, errors } from './schemas.js';

export const contactRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;
  const { max, windowSeconds } = core.config.authRateLimit;

  app.post('/contact/', {
    config: { rateLimit: { max, timeWindow: windowSeconds * 1000 } },
    schema: {
      tags: ['contacts'],
      summary: 'Sends a contact-us message',
      description: 'Mails a free-form message to the broker\'s team with the sender\'s name and address to reply to. No login needed; rate-limited per address.',
      security: [],
      body: Type.Object({
        full_name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Name of the sender.' }),
        email: Type.String({ format: 'email', maxLength: 254, description: 'Address to reply to.' }),
        message: Type.Optional(Type.String({ maxLength: 10_000, description: 'The message.' })),
      }),
      response: { 200: Detail, ...errors(400, 429) },
    },
  }, async (request) => {
    await sendContactRequest(core, request.caller, request.body);
    return { detail: 'Your request has been sent. We will reply within 24 hours. Thank you.' };
  });
};
