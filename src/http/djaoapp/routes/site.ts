// /api/auth/session/: who is logged in on this browser, and for which broker. Ours (not in
// DjaoApp): the portal's pages ask it first, since the session cookie is out of their reach.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { describeSession } from '../../../core/organizations/site.js';
import { errors, ref } from '../schemas/common.js';
import { SiteSession } from '../schemas/site.js';

export const siteRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  app.get('/auth/session/', {
    schema: {
      operationId: 'authSession',
      tags: ['auth'],
      summary: "Describes the caller's session",
      description:
        'The logged-in user (by session cookie, bearer token or API key), or `null`, and the broker the service ' +
        'runs for (its name and logo). Anyone may ask; an anonymous caller learns only the broker\'s public name.',
      security: [],
      response: { 200: ref(SiteSession, 'The session (or none) and the broker.'), ...errors(429) },
    },
  }, async (request) => describeSession(core, request.caller));
};
