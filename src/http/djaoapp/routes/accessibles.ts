// /api/users/{user}/accessibles/...: the organizations a user can access, requests to
// join one, and accepting an invitation with the mailed key.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { ROLE_LIST_SPEC } from '../../../core/memberships/role-views.js';
import { acceptInvitation } from '../../../core/memberships/invitations.js';
import { listAccessibles, requestRole, resendRequest, withdrawRoles } from '../../../core/memberships/requests.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { NoContent, Slug, errors, ref } from '../schemas/common.js';
import { Accessible, Role, RoleSlug } from '../schemas/roles.js';
import { accessibleJson, roleJson } from '../shapes/roles.js';
import { rolesRef } from '../refs.js';

const UserParams = Type.Object({ user: Slug });
const UserRoleParams = Type.Object({ user: Slug, role: RoleSlug });
const UserRoleOrgParams = Type.Object({
  user: Slug,
  role: Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description, or `*` for every role on the organization.' }),
  organization: Slug,
});
const AcceptParams = Type.Object({
  user: Slug,
  verification_key: Type.String({ minLength: 1, maxLength: 200, description: 'The key mailed with the invitation. A key that matches no pending invitation answers 404 `link.invalid`.' }),
});
const RequestBody = Type.Object({
  slug: Slug,
  message: Type.Optional(Type.String({ maxLength: 2000, description: 'Message to the managers of the organization.' })),
}, { additionalProperties: false });

export const accessibleRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const config = core.config;
  const tags = ['roles'];

  app.get('/users/:user/accessibles/', {
    schema: {
      operationId: 'listAccessibles',
      tags, summary: 'Lists what a user can access',
      description: 'Every role of the user on an organization, with pending invitations (`state: invited`) and requests (`state: requested`, with `request_key`). '
        + "Roles the organizations give implicitly to users of an e-mail domain they proved are added first. Pending invitations and requests name the organization by slug and printable name only. `q` searches the organization and role; `o` orders by created_at, slug, printable_name or role_name. Only the user (and the site's managers) may read it.",
      params: UserParams, querystring: ListParams,
      response: { 200: PageOf(ref(Accessible), 'A page of what the user can access.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ROLE_LIST_SPEC, config);
    const { user, page } = await listAccessibles(core, request.caller, { slug: request.params.user }, null, list);
    return pageEnvelope(request, config, list, page, (r) => accessibleJson(config, user.slug, r));
  });

  for (const method of ['put', 'post'] as const) {
    app[method]('/users/:user/accessibles/accept/:verification_key/', {
      schema: {
        tags, operationId: method === 'put' ? 'acceptInvitation' : 'acceptInvitationPost',
        summary: method === 'put' ? 'Accepts a role invitation' : 'Accepts a role invitation (POST alias)',
        description: 'The logged-in user accepts an invitation with the key it mailed. An invitation to someone who had not registered yet goes to the first '
          + 'logged-in user who presents the key; one to a registered user only to that user. The key works once: a second use answers 404.',
        params: AcceptParams, response: { 200: ref(Accessible, 'The role, now accepted.'), ...errors(400, 401, [404, 'The key is unknown, used or expired.'], 409) },
      },
    }, async (request) => {
      const role = await acceptInvitation(core, request.caller, { slug: request.params.user }, request.params.verification_key);
      return accessibleJson(config, role.user.slug, role);
    });
  }

  app.post('/users/:user/accessibles/', {
    schema: {
      operationId: 'requestRole',
      tags, summary: 'Requests to join an organization',
      description: 'The user asks for the contributor role on the organization `slug`; its managers are mailed a link to accept or deny. '
        + 'The answer names the organization by slug and printable name only, and is the same whether it is active or suspended. '
        + 'A pending request takes no seat (accepting it does). A user who already has a role, invitation or request there gets 400; an unknown organization 404; '
        + 'more than JOIN_REQUEST_LIMIT_PER_USER requests (re-sends included) within JOIN_REQUEST_WINDOW_SECONDS 429 with Retry-After.',
      params: UserParams, body: RequestBody,
      response: { 201: ref(Accessible, 'The request, made.'), ...errors(400, 401, 404, 409, 429) },
    },
  }, async (request, reply) => {
    const role = await requestRole(core, request.caller, { slug: request.params.user }, null, { organization: { slug: request.body.slug }, message: request.body.message });
    return reply.code(201).send(accessibleJson(config, role.user.slug, role));
  });

  app.get('/users/:user/accessibles/:role/', {
    schema: {
      operationId: 'listAccessiblesByRole',
      tags, summary: 'Lists what a user can access with one role',
      description: 'Like the list of accessibles, for one role slug only (`*` means every role).',
      params: UserRoleParams, querystring: ListParams,
      response: { 200: PageOf(ref(Accessible), 'A page of what the user can access with the role.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ROLE_LIST_SPEC, config);
    const { user, page } = await listAccessibles(core, request.caller, { slug: request.params.user }, rolesRef(request.params.role), list);
    return pageEnvelope(request, config, list, page, (r) => accessibleJson(config, user.slug, r));
  });

  app.post('/users/:user/accessibles/:role/', {
    schema: {
      operationId: 'requestRoleOfKind',
      tags, summary: 'Requests a given role on an organization',
      description: 'Like requesting to join, for the role `{role}` (which the organization must have).',
      params: UserRoleParams, body: RequestBody,
      response: { 201: ref(Accessible, 'The request, made.'), ...errors(400, 401, 404, 409, 429) },
    },
  }, async (request, reply) => {
    const role = await requestRole(core, request.caller, { slug: request.params.user }, { slug: request.params.role }, { organization: { slug: request.body.slug }, message: request.body.message });
    return reply.code(201).send(accessibleJson(config, role.user.slug, role));
  });

  app.post('/users/:user/accessibles/:role/:organization/', {
    schema: {
      operationId: 'resendRoleRequest',
      tags, summary: 'Re-sends a request for a role',
      description: "Mails the organization's managers the user's pending request again. `*` as the role means whichever role was asked for. "
        + 'Counts toward the same limit as requests (429 with Retry-After).',
      params: UserRoleOrgParams, response: { 200: ref(Role, 'The request, mailed again.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => roleJson(config, await resendRequest(
    core, request.caller, { slug: request.params.user }, rolesRef(request.params.role), { slug: request.params.organization },
  )));

  app.delete('/users/:user/accessibles/:role/:organization/', {
    schema: {
      operationId: 'withdrawRoles',
      tags, summary: 'Withdraws or leaves a role',
      description: 'Withdraws a request, declines an invitation or leaves a role; `*` as the role removes every role of the user on the organization. '
        + 'The last manager of an organization cannot leave (409). Leaving sticks: the organization\'s implicit roles never enroll the user again.',
      params: UserRoleOrgParams, response: { 204: NoContent('Withdrawn, declined or left.'), ...errors(400, 401, 404, [409, 'The user is the last manager of the organization.']) },
    },
  }, async (request, reply) => {
    await withdrawRoles(core, request.caller, { slug: request.params.user }, rolesRef(request.params.role), { slug: request.params.organization });
    return reply.code(204).send(null);
  });
};
