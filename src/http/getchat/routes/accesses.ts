// /account/organizations/{organization_id}/users...: an organization's users and their
// accesses (U1-U5), and accepting an invitation with its mailed token.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ACCESS_USER_LIST, acceptInvitationKey, changeAccessRole, getAccess, inviteToOrganization, listAccesses, removeAccess,
} from '../../../core/memberships/accesses.js';
import { GetChatAccess } from '../schemas/organizations.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';
import { accessAsUserJson, accessJson } from '../shapes/organizations.js';

/** U5's filters, as the seed lists them. */
const USER_FILTERS: FilterDeclaration = {
  user_id: { type: 'integer', ops: ['eq'] },
  user_email: { type: 'string', ops: ['eq'] },
  organization_id: { type: 'integer', ops: ['eq', 'ne'] },
  organization_partner_id: { type: 'integer', ops: ['eq'] },
  role_id: { type: 'integer', ops: ['eq'] },
  role_name: { type: 'string', ops: ['eq'], description: 'Owner, Maintainer, Partner, or an organization\'s own role\'s title.' },
  type: { type: 'string', ops: ['eq'], description: '`DIRECT` (accepted) or `INVITED` (pending).' },
};

const OrganizationParams = Type.Object({ organization_id: Id('The organization\'s id.') });
const AccessParams = Type.Object({ organization_id: Id('The organization\'s id.'), user_id: Id('The user\'s id.') });
const Access = (what: string) => ref(GetChatAccess, what);

export const accessRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/account/organizations/:organization_id/users', {
    schema: {
      operationId: 'getchatListOrganizationUsers',
      summary: 'List the users of an organization',
      description: 'The users with an access to the organization (one each; invitees while pending show only the '
        + 'address invited). Filters as the seed lists them.',
      tags: [TAGS.users, TAGS.inferred],
      params: OrganizationParams,
      querystring: listQuery(USER_FILTERS),
      response: { 200: ListOf(Type.Unsafe({ $ref: 'GetChatUser' }), 'A page of users.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, USER_FILTERS, ACCESS_USER_LIST, core.config);
    return listAnswer(asked, await listAccesses(core, request.caller, { id: request.params.organization_id }, asked.list), accessAsUserJson);
  });

  app.post('/account/organizations/:organization_id/users', {
    schema: {
      operationId: 'getchatInviteUser',
      summary: 'Invite a user to an organization',
      description: 'Invites an e-mail address with a role (`role_id`, least privileged by default: Maintainer). The '
        + 'invitee accepts with the mailed token (`POST /account/invitations/accept`, after logging in or registering). '
        + 'With `send_invitation_email: false` the invitation waits unmailed; inviting again with it true mails it. '
        + 'Owners and Partners may invite; only a Partner gives the Partner role. A user with an access already is a 409.',
      tags: [TAGS.users, TAGS.inferred],
      params: OrganizationParams,
      body: Type.Object({
        email: Type.String({ format: 'email', maxLength: 254, description: 'Email of the user whom to invite.' }),
        role_id: Type.Optional(Id('ID of the role to invite a user with, least privileged by default.')),
        send_invitation_email: Type.Optional(Type.Boolean({ default: true, description: 'Sends invitation email if the flag is true (the default).' })),
      }, { additionalProperties: false }),
      response: {
        201: Access('Invited.'),
        ...errors(400, 401, [403, 'The caller may not invite here, or give this role.'], [404, 'No such organization or role.'], [409, 'The user already has an access.'], 429),
      },
    },
  }, async (request, reply) => reply.code(201).send(accessJson(
    await inviteToOrganization(core, request.caller, { id: request.params.organization_id }, request.body),
  )));

  app.get('/account/organizations/:organization_id/users/:user_id', {
    schema: {
      operationId: 'getchatGetAccess',
      summary: 'Get a user\'s access to an organization',
      description: 'The user\'s access to the organization, with its role.',
      tags: [TAGS.users, TAGS.inferred],
      params: AccessParams,
      response: { 200: Access('The access.'), ...errors(400, 401, 403, [404, 'No such organization, or the user has no access to it.']) },
    },
  }, async (request) => accessJson(await getAccess(core, request.caller, { id: request.params.organization_id }, request.params.user_id)));

  app.patch('/account/organizations/:organization_id/users/:user_id', {
    schema: {
      operationId: 'getchatChangeAccessRole',
      summary: 'Grant or change a user\'s role in an organization',
      description: 'The access takes the role `role_id`. The organization keeps at least one Owner or Partner (409). '
        + 'Only a Partner gives the Partner role.',
      tags: [TAGS.users, TAGS.inferred],
      params: AccessParams,
      body: Type.Object({ role_id: Id('ID of the role to grant an access with.') }, { additionalProperties: false }),
      response: {
        200: Access('Changed.'),
        ...errors(400, 401, 403, [404, 'No such organization or role, or the user has no access to it.'], [409, 'It would leave the organization without an Owner.']),
      },
    },
  }, async (request) => accessJson(await changeAccessRole(core, request.caller, { id: request.params.organization_id }, request.params.user_id, request.body.role_id)));

  app.delete('/account/organizations/:organization_id/users/:user_id', {
    schema: {
      operationId: 'getchatRemoveAccess',
      summary: 'Remove a user\'s access to an organization',
      description: 'Removes the user\'s access (a pending invitation included) and answers it as it was. The '
        + 'organization keeps at least one Owner or Partner (409).',
      tags: [TAGS.users, TAGS.inferred],
      params: AccessParams,
      response: {
        200: Access('Removed; the access as it was.'),
        ...errors(400, 401, 403, [404, 'No such organization, or the user has no access to it.'], [409, 'It would leave the organization without an Owner.']),
      },
    },
  }, async (request) => accessJson(await removeAccess(core, request.caller, { id: request.params.organization_id }, request.params.user_id)));

  app.post('/account/invitations/accept', {
    schema: {
      operationId: 'getchatAcceptInvitation',
      summary: 'Accept an invitation to an organization',
      description: 'Accepts the invitation whose token the invitation e-mail carries (the last part of its link), for '
        + 'the logged-in user: the invitee, or whoever registered to claim an invitation sent to an address without an account.',
      tags: [TAGS.users, TAGS.inferred],
      body: Type.Object({
        token: Type.String({ minLength: 1, maxLength: 200, description: 'The token of the invitation e-mail.' }),
      }, { additionalProperties: false }),
      response: { 200: Access('Accepted.'), ...errors(400, 401, [404, 'The token is unknown or was used.'], 409) },
    },
  }, async (request) => accessJson(await acceptInvitationKey(core, request.caller, request.body.token)));
};
