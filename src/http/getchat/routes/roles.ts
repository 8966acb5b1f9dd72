// /account/organizations/{organization_id}/roles: the roles an organization gives (G8).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLE_ENTRY_LIST, listRoleEntries } from '../../../core/memberships/accesses.js';
import { Id, TAGS, errors } from '../schemas/common.js';
import { ListOf, listAnswer, listQuery, toListQuery } from '../lists.js';
import { roleJson } from '../shapes/organizations.js';

export const roleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/account/organizations/:organization_id/roles', {
    schema: {
      operationId: 'getchatListRoles',
      summary: 'List the roles of an organization',
      description: 'The roles users can be given on the organization: Owner, Maintainer (the least privileged) and '
        + 'Partner, then the organization\'s own.',
      tags: [TAGS.users, TAGS.inferred],
      params: Type.Object({ organization_id: Id('The organization\'s id.') }),
      querystring: listQuery({}),
      response: { 200: ListOf(Type.Unsafe({ $ref: 'GetChatRole' }), 'A page of roles.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, {}, ROLE_ENTRY_LIST, core.config);
    return listAnswer(asked, await listRoleEntries(core, request.caller, { id: request.params.organization_id }, asked.list), roleJson);
  });
};
