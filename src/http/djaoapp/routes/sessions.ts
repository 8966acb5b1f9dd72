// /api/users/{user}/sessions/: the sessions a user is logged in with, and ending them
// ("log out" another device, or everywhere). Not in DjaoApp, whose tokens cannot be revoked.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { SESSION_LIST, endAllSessionsOf, endSessionOf, listSessions } from '../../../core/identity/sessions.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, UserParams, errors, ref } from '../schemas/common.js';
import { Session } from '../schemas/users.js';
import { sessionJson } from '../shapes/users.js';

const TAG = ['users'];
const WHO = "For the user and the broker's managers.";

const SessionParams = Type.Object({
  user: UserParams.properties.user,
  session: Type.String({ minLength: 1, maxLength: 100, description: 'Id of the session.' }),
});

export const sessionRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/users/:user/sessions/', {
    schema: {
      operationId: 'listSessions',
      tags: TAG,
      summary: "Lists a user's open sessions",
      description: `Every session the user is logged in with (each login, on each device), newest first. ${WHO}`,
      params: UserParams,
      querystring: ListParams,
      response: { 200: PageOf(ref(Session), 'A page of open sessions, newest first.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, SESSION_LIST, core.config);
    const page = await listSessions(core, request.caller, { slug: request.params.user }, list);
    return pageEnvelope(request, core.config, list, page, sessionJson);
  });

  app.delete('/users/:user/sessions/', {
    schema: {
      operationId: 'endAllSessions',
      tags: TAG,
      summary: "Ends every session of a user",
      description: `Logs the user out everywhere, the session of this request included: every token of theirs stops working. API keys are not sessions and stay. ${WHO}`,
      params: UserParams,
      response: { 204: NoContent('Ended.'), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => {
    await endAllSessionsOf(core, request.caller, { slug: request.params.user });
    return reply.code(204).send(null);
  });

  app.delete('/users/:user/sessions/:session/', {
    schema: {
      operationId: 'endSession',
      tags: TAG,
      summary: 'Ends one session of a user',
      description: `Logs that session out: every token of it stops working. 404 when it is unknown or already ended. ${WHO}`,
      params: SessionParams,
      response: { 204: NoContent('Ended.'), ...errors(400, 401, [404, 'The session is unknown or already ended.']) },
    },
  }, async (request, reply) => {
    await endSessionOf(core, request.caller, { slug: request.params.user }, request.params.session);
    return reply.code(204).send(null);
  });
};
