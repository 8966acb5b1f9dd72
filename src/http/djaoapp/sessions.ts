// /api/users/{user}/sessions/: the sessions a user is logged in with, and ending them
// ("log out" another device, or everywhere). Not in DjaoApp, whose tokens cannot be revoked.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import { SESSION_LIST, endAllSessionsOf, endSessionOf, listSessions } from '../../core/identity/sessions.js';
import { Nullable, UserParams, errors } from './schemas.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from './pages.js';

const TAG = ['users'];
const WHO = "For the user and the broker's managers.";

const SessionBody = Type.Object({
  id: Type.String({ description: 'The session, as named by the `sid` claim of its tokens.' }),
  method: Type.String({ description: 'How it was opened: password, password+otp, password+email, password+phone, password+recovery_code, activation, reset or password_change.' }),
  ip: Nullable(Type.String({ description: 'Address the session was opened from.' })),
  user_agent: Nullable(Type.String({ description: 'User agent that opened the session.' })),
  created_at: Type.String({ format: 'date-time', description: 'When the user logged in.' }),
  refreshed_at: Type.String({ format: 'date-time', description: 'When a token was last issued for it.' }),
  expires_at: Type.String({ format: 'date-time', description: 'When it ends at the latest (SESSION_MAX_AGE_SECONDS after created_at).' }),
  current: Type.Boolean({ description: 'True for the session this request is made with.' }),
});

const SessionParams = Type.Object({
  user: UserParams.properties.user,
  session: Type.String({ minLength: 1, maxLength: 100, description: 'Id of the session.' }),
});

export const sessionRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;

  app.get('/users/:user/sessions/', {
    schema: {
      tags: TAG,
      summary: "Lists a user's open sessions",
      description: `Every session the user is logged in with (each login, on each device), newest first. ${WHO}`,
      params: UserParams,
      querystring: ListParams,
      response: { 200: PageOf(SessionBody), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, SESSION_LIST, core.config);
    const page = await listSessions(core, request.caller, request.params.user, list);
    return pageEnvelope(request, core.config, list, page, (x) => ({
      id: x.id,
      method: x.method,
      ip: x.ip,
      user_agent: x.userAgent,
      created_at: x.createdAt.toISOString(),
      refreshed_at: x.refreshedAt.toISOString(),
      expires_at: x.expiresAt.toISOString(),
      current: x.current,
    }));
  });

  app.delete('/users/:user/sessions/', {
    schema: {
      tags: TAG,
      summary: "Ends every session of a user",
      description: `Logs the user out everywhere, the session of this request included: every token of theirs stops working. API keys are not sessions and stay. ${WHO}`,
      params: UserParams,
      response: { 204: Type.Null({ description: 'Ended.' }), ...errors(401, 404) },
    },
  }, async (request, reply) => {
    await endAllSessionsOf(core, request.caller, request.params.user);
    return reply.code(204).send(null);
  });

  app.delete('/users/:user/sessions/:session/', {
    schema: {
      tags: TAG,
      summary: 'Ends one session of a user',
      description: `Logs that session out: every token of it stops working. 404 when it is unknown or already ended. ${WHO}`,
      params: SessionParams,
      response: { 204: Type.Null({ description: 'Ended.' }), ...errors(401, 404) },
    },
  }, async (request, reply) => {
    await endSessionOf(core, request.caller, request.params.user, request.params.session);
    return reply.code(204).send(null);
  });
};
