// Accountcentral: service. What other APIs ask about the user behind a token: who they
// are, their customers, whether they belong to one, and the platform they reach.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUserBasic, listOwnCustomers, verifyCustomerAssociation } from '../../../core/team/self-service.js';
import { AC, GroupPkParams, TAGS, errors, ref } from '../schemas/common.js';
import { AcCustomerAssociation, AcCustomerOfUser, AcUserBasic, AcUserBasicExpanded } from '../schemas/self.js';
import { customerAssociationJson, customerOfUserJson, userBasicJson } from '../shapes/self.js';

const TOKEN = 'The user is the one the authentication token (or session, or API key) stands for.';

export const serviceRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/service/user/basic`, {
    schema: {
      operationId: 'acGetUserBasicForApi',
      tags: [TAGS.service],
      summary: 'Get user basic information for API use',
      description: `Searches and answers the user's basic information, for other APIs. ${TOKEN} \`lang\` and \`timezone\` are the user's preferences (\`en\` and \`UTC\` until chosen); \`creationGroupPk\`/\`creationGroupName\` name the customer that made the account (null when its owner made it); \`external\` is always false (every account logs in with this service's credentials); \`roles\` maps each customer's \`groupPk\` to the user's accepted roles on it.`,
      response: { 200: ref(AcUserBasic, 'The user.'), ...errors(401) },
    },
  }, async (request) => userBasicJson(await getUserBasic(core, request.caller)));

  app.get(`${AC}/service/customers`, {
    schema: {
      operationId: 'acListOwnCustomers',
      tags: [TAGS.service],
      summary: 'Get the list of the customers for the user',
      description: `Answers the customers of the user: every organization where they hold an accepted role (pending invitations and requests do not count), closed ones and personal billing profiles left out, by name. ${TOKEN}`,
      response: { 200: Type.Array(ref(AcCustomerOfUser), { description: 'The user\'s customers.' }), ...errors(401) },
    },
  }, async (request) => (await listOwnCustomers(core, request.caller)).map(customerOfUserJson));

  app.get(`${AC}/service/customers/:groupPk`, {
    schema: {
      operationId: 'acVerifyCustomerAssociation',
      tags: [TAGS.service],
      summary: 'Verify that a user is associated with a customer',
      description: `Verifies that the user is associated with the customer \`groupPk\`: they hold an accepted role on it, or manage an organization above it in the partner tree. A suspended customer still answers (\`status\` says SUSPENDED); a closed one, an unknown id and a customer the user is not associated with all answer 404. \`chatEnabled\`: the customer is active and has a deployed application (a chat inbox or integration). ${TOKEN}`,
      params: GroupPkParams,
      response: { 200: ref(AcCustomerAssociation, 'The user is associated with it.'), ...errors(400, 401, [404, 'The user is not associated with this customer (or it does not exist).']) },
    },
  }, async (request) => customerAssociationJson(await verifyCustomerAssociation(core, request.caller, request.params.groupPk)));

  app.get(`${AC}/service/user`, {
    schema: {
      operationId: 'acGetUserBasic',
      tags: [TAGS.service],
      summary: 'Get user basic information',
      description: `Searches and answers the user's basic information (as "Get user basic information for API use"). With \`expand=platform\`, also \`platform\`: Accountcentral's groups, workspaces and nodes are this service's organizations, stacks and applications. \`groups\` are the customers the user belongs to and every customer below those they manage (the partner tree: \`parentGroupPk\` is each one's partner); \`workspaces\` are the live stacks of the groups whose deployments the user may read; \`nodes\` are the applications deployed on those stacks (\`application\` is the package's type). ${TOKEN}`,
      querystring: Type.Object({
        expand: Type.Optional(Type.Union([Type.Literal('platform')], { description: 'The section to expand: `platform`.' })),
      }),
      response: { 200: ref(AcUserBasicExpanded, 'The user (and the platform, when expanded).'), ...errors(400, 401) },
    },
  }, async (request) => userBasicJson(await getUserBasic(core, request.caller, { platform: request.query.expand === 'platform' })));
};
