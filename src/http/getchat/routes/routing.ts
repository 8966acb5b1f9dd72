// Package routing P1-P3: the seed lost the paths; one routing per application, at
// /integration/applications/{application_id}/routing.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { createRouting, deleteRouting, updateRouting, type PackageRouting } from '../../../core/provisioning/routing.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import { GetChatPackageRouting, RoutingBody } from '../schemas/routing.js';

const Params = Type.Object({ application_id: Id('ID of the Application.') });
const tags = [TAGS.routing, TAGS.inferred];

function routingJson(routing: PackageRouting) {
  return { ...routing, created_at: routing.created_at.toISOString(), modified_at: routing.modified_at.toISOString() };
}

export const routingRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const core = app.core;
  const path = '/integration/applications/:application_id/routing';

  app.post(path, {
    schema: {
      operationId: 'getchatCreatePackageRouting',
      summary: 'Create a package routing',
      description: 'Creates a package routing for the application based on the given params: the package router forwards requests carrying them to this application. One routing per application; the same params of one package route to one application only (409).',
      tags, params: Params, body: RoutingBody,
      response: { 201: ref(GetChatPackageRouting, 'Created.'), ...errors(400, 401, 403, [404, 'No such application, or the caller may not see it.'], 409) },
    },
  }, async (request, reply) => reply.code(201).send(routingJson(await createRouting(core, request.caller, request.params.application_id, request.body.params))));

  app.put(path, {
    schema: {
      operationId: 'getchatUpdatePackageRouting',
      summary: 'Update a package routing',
      description: 'Updates the application\'s package routing with the given params (they replace the former ones).',
      tags, params: Params, body: RoutingBody,
      response: { 200: ref(GetChatPackageRouting, 'Updated.'), ...errors(400, 401, 403, [404, 'No such application, or it has no routing.'], 409) },
    },
  }, async (request) => routingJson(await updateRouting(core, request.caller, request.params.application_id, request.body.params)));

  app.delete(path, {
    schema: {
      operationId: 'getchatDeletePackageRouting',
      summary: 'Delete a package routing',
      description: 'Deletes the application\'s package routing that has the given params; answers null.',
      tags, params: Params, body: RoutingBody,
      response: { 200: Type.Null({ description: 'Deleted.' }), ...errors(400, 401, 403, [404, 'No such application, or no routing of it has these params.']) },
    },
  }, async (request) => {
    await deleteRouting(core, request.caller, request.params.application_id, request.body.params);
    return null;
  });
};
