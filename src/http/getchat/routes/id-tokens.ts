// G9: the partner's ID token for a user into an application. The seed lost the path; ours
// sits under the user's access to the organization, as the seed's parameters say.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { issueApplicationIdToken } from '../../../core/oauth2/id-tokens.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import { GetChatIdToken, GetChatIdTokenRequest } from '../schemas/oauth2.js';
import { oauth2Issuer } from '../shapes/oauth2.js';

const Params = Type.Object({
  organization_id: Id('The ID of the organization where user is located'),
  user_id: Id('The ID of the user to authenticate'),
});

export const idTokenRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/account/organizations/:organization_id/users/:user_id/id-token', {
    schema: {
      operationId: 'getchatIssueApplicationIdToken',
      summary: 'Generate an ID token for a user into an application',
      description: 'Generates an authentication token for the user to authenticate in the application. You must be partner '
        + '(of the organization or of a partner above it), the user must have access to the organization, and the application '
        + 'must be on one of its stacks. The ID token (an ES256 JWT, verified with `/account/oauth2/jwks`) is valid for 10 minutes.',
      tags: [TAGS.oauth2, TAGS.inferred],
      params: Params,
      body: GetChatIdTokenRequest,
      response: {
        200: ref(GetChatIdToken, 'The ID token.'),
        ...errors(400, 401, [403, 'The caller is not a partner of the organization, or the user has no access to it (`id_token.not_related`).'], 404),
      },
    },
  }, async (request) => issueApplicationIdToken(app.core, request.caller, {
    organizationId: request.params.organization_id,
    userId: request.params.user_id,
    applicationId: request.body.application_id,
    issuer: oauth2Issuer(app.core.config),
  }));
};
