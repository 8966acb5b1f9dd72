// Accountcentral: application status (UP or DOWN per platform application), read, set by the
// broker's staff, and followed as server-sent events.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  APPLICATION_STATUSES, applicationStatus, followApplicationStatus, setApplicationStatus,
} from '../../../core/notices/application-status.js';
import { AC, AcResult, TAGS, errors, ref } from '../schemas/common.js';
import { AcApplicationStatus } from '../schemas/notifications.js';
import { resultJson } from '../shapes/common.js';
import { applicationStatusJson } from '../shapes/notifications.js';
import { endStreamsOnClose, sendEventStream, streamController } from '../../event-stream.js';

const tags = [TAGS.applications, TAGS.status];
const ApplicationParams = Type.Object({
  application: Type.String({ minLength: 1, maxLength: 40, description: 'The platform application\'s code (`hub`, `send`, ...).' }),
});
const UNKNOWN = 'A code that is not one of the platform\'s applications answers 404 `platform_application.not_found`.';

export const statusRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  endStreamsOnClose(app);

  app.get(`${AC}/applications/:application/status`, {
    schema: {
      operationId: 'acGetApplicationStatus',
      summary: 'Get status of the application',
      description: `Whether the application is UP or DOWN, for any signed-in user; one whose status was never set is UP. ${UNKNOWN}`,
      tags, params: ApplicationParams,
      response: { 200: ref(AcApplicationStatus, 'Its status.'), ...errors(400, 401, 404) },
    },
  }, async (request) => applicationStatusJson(await applicationStatus(core, request.caller, request.params.application)));

  app.put(`${AC}/applications/:application/status`, {
    schema: {
      operationId: 'acSetApplicationStatus',
      summary: 'Sets status of the application',
      description: 'Sets the application UP or DOWN (the broker\'s staff only); every stream following it, on any node, gets the '
        + `change. Setting the status it already has changes nothing. ${UNKNOWN}`,
      tags, params: ApplicationParams,
      body: Type.Object({
        status: Type.Union(APPLICATION_STATUSES.map((s) => Type.Literal(s)), { description: 'Enum, can be "UP" or "DOWN".' }),
      }, { additionalProperties: false }),
      response: { 200: ref(AcResult, 'Set.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const set = await setApplicationStatus(core, request.caller, request.params.application, request.body.status);
    return resultJson(core, `${set.application} is ${set.status}.`);
  });

  app.get(`${AC}/applications/:application/status/subscribe`, {
    schema: {
      operationId: 'acSubscribeApplicationStatus',
      summary: 'Subscribes to an application status changes SSE notification',
      description: 'Server-sent events: the application\'s status at once, then each time it changes (set on any node), one event '
        + `each whose \`data:\` is the status as "Get status of the application" answers it. ${UNKNOWN} `
        + 'An `EventSource` cannot send headers: in a browser it authenticates with the session cookie (`sessionid`, with '
        + '`withCredentials: true` across origins); other clients may send `Authorization: Bearer <token>`. A comment line '
        + '(`: heartbeat`) comes when nothing else has for a while (EVENT_STREAM_HEARTBEAT_MS, 15 s by default). The stream ends '
        + 'when the caller\'s session ends or the account is suspended.',
      tags, params: ApplicationParams,
      response: {
        200: {
          description: 'The stream of the application\'s status.',
          content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events: `data:` lines (one JSON object each) and comment lines.' } } },
        },
        ...errors(400, 401, 404),
      },
    },
  }, async (request, reply) => {
    const controller = streamController(app);
    try {
      const events = await followApplicationStatus(core, request.caller, request.params.application, controller.signal);
      return sendEventStream(reply, controller, events, (s) => ({ data: applicationStatusJson(s) }));
    } catch (error) {
      controller.abort();
      throw error;
    }
  });
};
