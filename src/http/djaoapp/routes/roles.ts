// /api/profile/{organization}/roles/...: role descriptions, who holds which role,
// grants and invitations, revocation, and answering users' requests to join.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ListSpec } from '../../../core/pagination.js';
import { ROLE_LIST_SPEC } from '../../../core/memberships/role-views.js';
import {
  DESCRIPTION_LIST, createDescription, deleteDescription, getDescription, listDescriptions, updateDescription,
} from '../../../core/memberships/role-descriptions.js';
import {
  acceptRequest, denyRequest, grantRole, listRoles, resendInvitation, revokeRoles,
} from '../../../core/memberships/roles.js';
import {
  BLOCK_LIST_SPEC, denyAllRequests, listBlockedRequesters, unblockRequester,
} from '../../../core/memberships/join-request-blocks.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Nullable, Slug, errors, ref } from '../schemas/common.js';
import { BlockedRequester, Grant, Role, RoleDescriptionWithRoles, RoleSlug } from '../schemas/roles.js';
import { blockedRequesterJson, roleDescriptionWithRolesJson, roleJson } from '../shapes/roles.js';
import { rolesRef } from '../refs.js';

// ---- parameters and bodies ----

const OrgParams = Type.Object({ organization: Slug });
const OrgRoleParams = Type.Object({ organization: Slug, role: RoleSlug });
const OrgRoleUserParams = Type.Object({
  organization: Slug,
  role: Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description, or `*` for every role the user has on the organization.' }),
  user: Slug,
});
const RequestParams = Type.Object({ organization: Slug, request_key: Type.String({ minLength: 1, maxLength: 200, description: 'The key of a pending request; one that matches none answers 404 `link.invalid`.' }) });

const DescriptionFields = {
  skip_optin_on_grant: Type.Optional(Type.Boolean({ description: 'Grant at once, without the grantee accepting an invitation.' })),
  implicit_create_on_none: Type.Optional(Type.Boolean({ description: "Give the role automatically to users of a domain the organization proved (see `/domains/`)." })),
  extra: Type.Optional(Nullable(Type.String({ maxLength: 10000, description: 'Extra metadata (can be stringified JSON).' }))),
};
const DescriptionBody = Type.Object({ title: Type.String({ maxLength: 100, format: 'single-line', description: 'Short description of the role.' }), ...DescriptionFields }, { additionalProperties: false });
const DescriptionPatch = Type.Object({ title: Type.Optional(Type.String({ maxLength: 100, format: 'single-line' })), ...DescriptionFields }, { additionalProperties: false });

const GrantBody = Type.Object({
  slug: Type.Optional(Type.String({ maxLength: 150, description: 'Username of the user to grant the role to.' })),
  email: Type.Optional(Type.String({ maxLength: 254, format: 'email', description: 'E-mail of the grantee; someone not registered yet is invited.' })),
  full_name: Type.Optional(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name of an invitee not registered yet.' })),
  message: Type.Optional(Type.String({ maxLength: 2000, description: 'Message to send along the invitation.' })),
}, { additionalProperties: false });
const AcceptRequestBody = Type.Object({
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[\\w.@+-]+$', description: 'Give this role instead of the one asked for.' })),
}, { additionalProperties: false });

const BlockQuery = Type.Object({
  block: Type.Optional(Type.Boolean({ description: 'Also block the requester(s): their later requests notify nobody.' })),
});
const PageParams = Type.Object({ page: ListParams.properties.page, page_size: ListParams.properties.page_size });

const Description = (description: string) => ref(RoleDescriptionWithRoles, description);
const OneRole = (description: string) => ref(Role, description);

export const roleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const config = core.config;
  const tags = ['roles'];

  // ---- role descriptions ----

  app.get('/profile/:organization/roles/describe/', {
    schema: {
      operationId: 'listRoleDescriptions',
      tags, summary: 'Lists role descriptions',
      description: 'Lists the roles users can take on the organization: the global manager and contributor first, then the organization\'s own, each with the users who hold it. Members of the organization may read it.',
      params: OrgParams, querystring: PageParams,
      response: { 200: PageOf(ref(RoleDescriptionWithRoles), 'A page of role descriptions.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, DESCRIPTION_LIST, config);
    const page = await listDescriptions(core, request.caller, { slug: request.params.organization }, list);
    return pageEnvelope(request, config, list, page, roleDescriptionWithRolesJson);
  });

  app.post('/profile/:organization/roles/describe/', {
    schema: {
      operationId: 'createRoleDescription',
      tags, summary: 'Creates a role description',
      description: 'Adds a role users can take on the organization. The slug is derived from the title ("Support Staff" gives `support-staff`); `describe`, `accept`, `blocked` and the global slugs are taken. Managers only.',
      params: OrgParams, body: DescriptionBody,
      response: { 201: Description('The role description, created.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const view = await createDescription(core, request.caller, { slug: request.params.organization }, request.body);
    return reply.code(201).send(roleDescriptionWithRolesJson(view));
  });

  app.get('/profile/:organization/roles/describe/:role/', {
    schema: {
      operationId: 'getRoleDescription',
      tags, summary: 'Retrieves a role description',
      description: 'One role description of the organization, with the users who hold it.',
      params: OrgRoleParams, response: { 200: Description('The role description.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => roleDescriptionWithRolesJson(await getDescription(core, request.caller, { slug: request.params.organization }, { slug: request.params.role })));

  for (const method of ['put', 'patch'] as const) {
    app[method]('/profile/:organization/roles/describe/:role/', {
      schema: {
        tags, operationId: method === 'put' ? 'updateRoleDescription' : 'patchRoleDescription',
        summary: method === 'put' ? 'Updates a role description' : 'Partially updates a role description',
        description: (method === 'put'
          ? 'Replaces the title and flags of one of the organization\'s own role descriptions (title required; omitted flags become false). '
          : 'Changes only the fields given. ')
          + 'The slug never changes. The global manager and contributor are shared by every organization and answer 403. Managers only.',
        params: OrgRoleParams, body: method === 'put' ? DescriptionBody : DescriptionPatch,
        response: { 200: Description('The role description, updated.'), ...errors(400, 401, 403, 404) },
      },
    }, async (request) => roleDescriptionWithRolesJson(await updateDescription(
      core, request.caller, { slug: request.params.organization }, { slug: request.params.role }, request.body, method === 'patch',
    )));
  }

  app.delete('/profile/:organization/roles/describe/:role/', {
    schema: {
      operationId: 'deleteRoleDescription',
      tags, summary: 'Deletes a role description',
      description: 'Deletes one of the organization\'s own role descriptions. Refused with 409 while anyone holds, is invited to or asks for it (revoke those first), and with 403 for the global manager and contributor. Managers only.',
      params: OrgRoleParams, response: { 204: NoContent('Deleted.'), ...errors(400, 401, 403, 404, [409, 'Someone holds, is invited to or asks for the role.']) },
    },
  }, async (request, reply) => {
    await deleteDescription(core, request.caller, { slug: request.params.organization }, { slug: request.params.role });
    return reply.code(204).send(null);
  });

  // ---- requests (an addition: DjaoApp documents no route to answer a request) ----

  app.post('/profile/:organization/roles/accept/:request_key/', {
    schema: {
      operationId: 'acceptRoleRequest',
      tags, summary: 'Accepts a request for a role (addition)',
      description: 'Not in the DjaoApp reference, which shows `accept_request_api_url` but no route: a manager accepts a user\'s pending request, optionally giving another `role` than the one asked for. The user is mailed. Managers only.',
      params: RequestParams, body: AcceptRequestBody,
      response: { 200: OneRole('The role, now accepted.'), ...errors(400, 401, 403, 404, 409) },
    },
    // The body is optional: a POST without one accepts the role asked for.
    preValidation: async (request) => { request.body ??= {}; },
  }, async (request) => {
    const role = await acceptRequest(core, request.caller, { slug: request.params.organization }, request.params.request_key, request.body.role ? { slug: request.body.role } : undefined);
    return roleJson(config, role);
  });

  app.delete('/profile/:organization/roles/accept/:request_key/', {
    schema: {
      operationId: 'denyRoleRequest',
      tags, summary: 'Denies a request for a role (addition)',
      description: 'Not in the DjaoApp reference: a manager denies a user\'s pending request, which is removed. With `block=true` the requester is '
        + 'also blocked: their later requests get the usual answer but notify nobody and stay out of the organization\'s lists. Managers only.',
      params: RequestParams, querystring: BlockQuery, response: { 204: NoContent('Denied.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await denyRequest(core, request.caller, { slug: request.params.organization }, request.params.request_key, request.query.block ?? false);
    return reply.code(204).send(null);
  });

  app.delete('/profile/:organization/roles/accept/', {
    schema: {
      operationId: 'denyAllRoleRequests',
      tags, summary: 'Denies every pending request (addition)',
      description: 'Not in the DjaoApp reference: a manager denies every pending request for a role on the organization at once '
        + '(with `block=true`, blocking their authors too). Answers how many were denied. Managers only.',
      params: OrgParams, querystring: BlockQuery,
      response: { 200: Type.Object({ denied: Type.Integer({ description: 'Number of requests denied.' }) }, { description: 'How many requests were denied.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => ({ denied: await denyAllRequests(core, request.caller, { slug: request.params.organization }, request.query.block ?? false) }));

  app.get('/profile/:organization/roles/blocked/', {
    schema: {
      operationId: 'listBlockedRequesters',
      tags, summary: 'Lists blocked requesters (addition)',
      description: 'Users whose requests to join the organization notify nobody (blocked when a manager denied one of their requests with `block=true`). Managers only.',
      params: OrgParams, querystring: ListParams,
      response: { 200: PageOf(ref(BlockedRequester), 'A page of blocked requesters.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, BLOCK_LIST_SPEC, config);
    const page = await listBlockedRequesters(core, request.caller, { slug: request.params.organization }, list);
    return pageEnvelope(request, config, list, page, blockedRequesterJson);
  });

  app.delete('/profile/:organization/roles/blocked/:user/', {
    schema: {
      operationId: 'unblockRequester',
      tags, summary: 'Unblocks a requester (addition)',
      description: 'The user\'s next request to join notifies the managers again. Managers only.',
      params: Type.Object({ organization: Slug, user: Slug }), response: { 204: NoContent('Unblocked.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request, reply) => {
    await unblockRequester(core, request.caller, { slug: request.params.organization }, { slug: request.params.user });
    return reply.code(204).send(null);
  });

  // ---- roles ----

  const listSpec: ListSpec = ROLE_LIST_SPEC;
  app.get('/profile/:organization/roles/', {
    schema: {
      operationId: 'listRoles',
      tags, summary: 'Lists roles on an organization',
      description: 'Everyone with a role on the organization, pending invitations and requests included. `q` searches username, e-mail, full name and role; `o` orders by created_at, username, email, full_name or role_name. Members of the organization may read it.',
      params: OrgParams, querystring: ListParams,
      response: { 200: PageOf(ref(Role), 'A page of roles.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, listSpec, config);
    const page = await listRoles(core, request.caller, { slug: request.params.organization }, null, list);
    return pageEnvelope(request, config, list, page, (r) => roleJson(config, r));
  });

  app.get('/profile/:organization/roles/:role/', {
    schema: {
      operationId: 'listRolesOfKind',
      tags, summary: 'Lists roles of one kind on an organization',
      description: 'Like the list of roles, for one role description only (`*` means every role).',
      params: OrgRoleParams, querystring: ListParams,
      response: { 200: PageOf(ref(Role), 'A page of roles.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, listSpec, config);
    const page = await listRoles(core, request.caller, { slug: request.params.organization }, rolesRef(request.params.role), list);
    return pageEnvelope(request, config, list, page, (r) => roleJson(config, r));
  });

  app.post('/profile/:organization/roles/:role/', {
    schema: {
      operationId: 'grantRole',
      tags, summary: 'Grants a role',
      description: 'Gives the role to a user named by `slug`, or invites the address `email`. The grantee is mailed a key to accept with once logged in; '
        + 'an address with no account yet goes to the first authenticated user who presents the key. A role that skips the opt-in is active at once for a '
        + 'user named by `slug` (a notice is mailed); an invitation by `email` always waits for the grantee. Until the grantee accepts, the answer and the '
        + 'lists show only what was given: an invitation by e-mail looks the same whether the address has an account or not (its `slug` is the address), '
        + 'one by username shows no e-mail. Granting a role the user already has answers 409; adding a member beyond the organization\'s seat quota answers 403. Managers only.',
      params: OrgRoleParams, body: GrantBody,
      response: { 201: ref(Grant, 'The role granted, or the invitation made.'), ...errors(400, 401, [403, 'The caller may not grant roles here, or the seat quota is reached.'], 404, [409, 'The user already has the role.']) },
    },
  }, async (request, reply) => {
    const role = await grantRole(core, request.caller, { slug: request.params.organization }, { slug: request.params.role }, request.body);
    return reply.code(201).send({ slug: role.user.slug, ...roleJson(config, role) });
  });

  app.post('/profile/:organization/roles/:role/:user/', {
    schema: {
      operationId: 'resendInvitation',
      tags, summary: 'Re-sends a role invitation',
      description: 'Mails a new invitation key for a pending invitation; the previous key stops working. `{user}` is the username, or the address an invitation by e-mail was made to. 400 if the role was already accepted. Managers only.',
      params: OrgRoleUserParams, response: { 200: OneRole('The invitation, with a new key mailed.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => roleJson(config, await resendInvitation(
    core, request.caller, { slug: request.params.organization }, rolesRef(request.params.role), { slug: request.params.user },
  )));

  app.delete('/profile/:organization/roles/:role/:user/', {
    schema: {
      operationId: 'revokeRoles',
      tags, summary: 'Revokes a role',
      description: 'Removes the role (or, with `*` as the role, every role) of the user on the organization, pending invitations and requests included. '
        + '`{user}` is the username, or the address an invitation by e-mail was made to. The user is never enrolled again by an implicit role. '
        + 'Removing the last manager answers 409: an organization always keeps one. Managers only.',
      params: OrgRoleUserParams, response: { 204: NoContent('Revoked.'), ...errors(400, 401, 403, 404, [409, 'It would remove the last manager.']) },
    },
  }, async (request, reply) => {
    await revokeRoles(core, request.caller, { slug: request.params.organization }, rolesRef(request.params.role), { slug: request.params.user });
    return reply.code(204).send(null);
  });
};
