// /api/auth/...: login, registration, activation, recovery, tokens, logout.
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import { clearSessionCookie } from './session.js';
import { Detail, errors } from './schemas.js';

export const authRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { config } = app.core;

  app.post('/auth/logout/', {
    schema: {
      tags: ['auth'],
      summary: 'Logs a user out',
      description: 'Removes the session cookie. Only useful with cookie-based authentication: a JWT cannot be revoked and stays valid until it expires.',
      security: [],
      response: { 200: Detail, ...errors(400) },
    },
  }, async (_request, reply) => {
    clearSessionCookie(reply, config);
    return { detail: 'You have been logged out.' };
  });
};
