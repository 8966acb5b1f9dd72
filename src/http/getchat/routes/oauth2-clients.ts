// O1-O5: an organization's OAuth2 client. The seed lost every path; ours follow its style:
// the client under its organization to make and list it, then by its own (string) id.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  OAUTH2_CLIENT_LIST_SPEC, ensureClient, getClient, listClients, regenerateSecret, updateClient,
} from '../../../core/oauth2/clients.js';
import { Id, NoBody, TAGS, errors, ref } from '../schemas/common.js';
import { GetChatOAuth2Client, GetChatOAuth2ClientUpdate } from '../schemas/oauth2.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';
import { oauth2ClientJson } from '../shapes/oauth2.js';

const OrganizationParams = Type.Object({ organization_id: Id('Organization ID') });
const ClientParams = Type.Object({ oauth2_client_id: Type.String({ minLength: 1, maxLength: 100, description: 'OAuth2 Client ID' }) });

const CLIENT_FILTERS: FilterDeclaration = {
  organization_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
};
const ClientListQuery = listQuery(CLIENT_FILTERS);
const TAGS_OF = [TAGS.oauth2, TAGS.inferred];

export const oauth2ClientRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.post('/account/organizations/:organization_id/oauth2-clients', {
    schema: {
      operationId: 'getchatCreateOAuth2Client',
      summary: 'Create the OAuth2 client',
      description: 'Creates a new OAuth2 Client for the organization. If the organization already has one, answers it (200) '
        + 'instead: one client per organization. The `secret` is shown only when the client is made (201); it is stored hashed, '
        + 'so the existing client answers `secret: null` (regenerate it if it was lost). Organization managers and partners.',
      tags: TAGS_OF,
      params: OrganizationParams,
      body: NoBody,
      response: {
        201: ref(GetChatOAuth2Client, 'The new client, with its secret.'),
        200: ref(GetChatOAuth2Client, 'The organization\'s existing client (secret null).'),
        ...errors(400, 401, 403, 404),
      },
    },
  }, async (request, reply) => {
    const { client, created } = await ensureClient(app.core, request.caller, request.params.organization_id);
    return reply.code(created ? 201 : 200).send(oauth2ClientJson(client));
  });

  app.get('/account/organizations/:organization_id/oauth2-clients', {
    schema: {
      operationId: 'getchatListOAuth2Clients',
      summary: 'List the OAuth2 clients',
      description: 'Gets the paginated OAuth2 Clients of the organization: a list of one element at most (one client per organization). '
        + 'Secrets are never shown here. Clients are never deleted, so the list has no `deleted_at` parameters.',
      tags: TAGS_OF,
      params: OrganizationParams,
      querystring: ClientListQuery,
      response: { 200: ListOf(ref(GetChatOAuth2Client), 'A page of clients.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query as Record<string, unknown>, CLIENT_FILTERS, OAUTH2_CLIENT_LIST_SPEC, app.core.config);
    const page = await listClients(app.core, request.caller, request.params.organization_id, asked.list);
    return listAnswer(asked, page, oauth2ClientJson);
  });

  app.get('/account/oauth2-clients/:oauth2_client_id', {
    schema: {
      operationId: 'getchatGetOAuth2Client',
      summary: 'Get an OAuth2 client',
      description: 'Gets an OAuth2 Client by its ID (the `client_id`). The secret is not shown (`null`).',
      tags: TAGS_OF,
      params: ClientParams,
      response: { 200: ref(GetChatOAuth2Client, 'The client.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => oauth2ClientJson(await getClient(app.core, request.caller, request.params.oauth2_client_id)));

  app.patch('/account/oauth2-clients/:oauth2_client_id', {
    schema: {
      operationId: 'getchatUpdateOAuth2Client',
      summary: 'Update an OAuth2 client',
      description: 'Updates the OAuth2 Client\'s fields: `redirect_uris` replaces the list of redirect URIs the authorization '
        + 'endpoint accepts (https, or http on localhost; no fragment; at most 50).',
      tags: TAGS_OF,
      params: ClientParams,
      body: GetChatOAuth2ClientUpdate,
      response: { 200: ref(GetChatOAuth2Client, 'The client as changed.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => oauth2ClientJson(await updateClient(app.core, request.caller, request.params.oauth2_client_id, request.body)));

  app.post('/account/oauth2-clients/:oauth2_client_id/secret', {
    schema: {
      operationId: 'getchatRegenerateOAuth2ClientSecret',
      summary: 'Regenerate an OAuth2 client\'s secret',
      description: 'Re-generates the OAuth2 Client\'s secret in case it was compromised: the answer shows the new secret, once; '
        + 'the former one stops working at once.',
      tags: TAGS_OF,
      params: ClientParams,
      body: NoBody,
      response: { 200: ref(GetChatOAuth2Client, 'The client with its new secret.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => oauth2ClientJson(await regenerateSecret(app.core, request.caller, request.params.oauth2_client_id)));
};
