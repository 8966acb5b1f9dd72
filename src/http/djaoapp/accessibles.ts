// /api/users/{user}/accessibles/...: the organizations a user can access, requests to
// join one, and accepting an invitation with the mailed key.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../../config.js';
import { ROLE_LIST_SPEC, roleState, type RoleView } from '../../core/memberships/role-views.js';
import { acceptInvitation } from '../../core/memberships/invitations.js';
import { listAccessibles, requestRole, resendRequest, withdrawRoles } from '../../core/memberships/requests.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from './pages.js';
import { Nullable, Slug, errors } from './schemas.js';
import { OrganizationBrief, Role, RoleDescription, RoleSlug, organizationBrief, roleDescriptionShape, roleShape } from './roles.js';
import { printableName } from '../../core/identity/users.js';

export const Accessible = Type.Object({
  slug: Type.String({ description: 'Slug of the organization.' }),
  printable_name: Type.String({ description: 'Name of the organization to display.' }),
  full_name: Type.String(),
  email: Nullable(Type.String({ description: "The organization's e-mail address." })),
  organization: OrganizationBrief,
  created_at: Type.String({ format: 'date-time' }),
  request_key: Nullable(Type.String({ description: 'Key of the pending request, if the user asked for this role.' })),
  grant_key: Nullable(Type.String({ description: 'Always null: invitation keys are only mailed. See `state`.' })),
  state: Type.Union([Type.Literal('accepted'), Type.Literal('invited'), Type.Literal('requested')]),
  role_description: RoleDescription,
  home_url: Type.String({ description: "The organization's home page in the application." }),
  settings_url: Type.String({ description: "The organization's settings page." }),
  accept_grant_api_url: Nullable(Type.String({ description: 'Always null: accepting an invitation needs the key that was mailed.' })),
  remove_api_url: Type.String({ description: 'Where to DELETE to withdraw the request, decline the invitation, or leave the role.' }),
});

export function accessibleShape(config: Config, userSlug: string, r: RoleView) {
  const org = encodeURIComponent(r.organization.slug);
  return {
    slug: r.organization.slug,
    printable_name: printableName(r.organization),
    full_name: r.organization.full_name,
    email: r.organization.email,
    organization: organizationBrief(r.organization),
    created_at: new Date(r.created_at).toISOString(),
    request_key: r.request_key,
    grant_key: null,
    state: roleState(r),
    role_description: roleDescriptionShape(r.description, r.organization),
    home_url: `${config.baseUrl}/app/${org}/`,
    settings_url: `${config.baseUrl}/profile/${org}/contact/`,
    accept_grant_api_url: null,
    remove_api_url: `${config.baseUrl}/api/users/${encodeURIComponent(userSlug)}/accessibles/${r.description.slug}/${org}/`,
  };
}

const UserParams = Type.Object({ user: Slug });
const UserRoleParams = Type.Object({ user: Slug, role: RoleSlug });
const UserRoleOrgParams = Type.Object({
  user: Slug,
  role: Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description, or `*` for every role on the organization.' }),
  organization: Slug,
});
const AcceptParams = Type.Object({
  user: Slug,
  verification_key: Type.String({ minLength: 1, maxLength: 100, pattern: '^[\\w-]+$', description: 'The key mailed with the invitation.' }),
});
const RequestBody = Type.Object({
  slug: Slug,
  message: Type.Optional(Type.String({ maxLength: 2000, description: 'Message to the managers of the organization.' })),
});

export const accessibleRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;
  const config = core.config;
  const tags = ['roles'];

  app.get('/users/:user/accessibles/', {
    schema: {
      tags, summary: 'Lists what a user can access',
      description: 'Every role of the user on an organization, with pending invitations (`state: invited`) and requests (`state: requested`, with `request_key`). '
        + "Roles the organizations give implicitly to users of an e-mail domain they proved are added first. Pending invitations and requests name the organization by slug and printable name only. `q` searches the organization and role; `o` orders by created_at, slug, printable_name or role_name. Only the user (and the site's managers) may read it.",
      params: UserParams, querystring: ListParams,
      response: { 200: PageOf(Accessible), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ROLE_LIST_SPEC, config);
    const { user, page } = await listAccessibles(core, request.caller, request.params.user, null, list);
    return pageEnvelope(request, config, list, page, (r) => accessibleShape(config, user.slug, r));
  });

  for (const method of ['put', 'post'] as const) {
    app[method]('/users/:user/accessibles/accept/:verification_key/', {
      schema: {
        tags, summary: method === 'put' ? 'Accepts a role invitation' : 'Accepts a role invitation (POST alias)',
        description: 'The logged-in user accepts an invitation with the key it mailed. An invitation to someone who had not registered yet goes to the first '
          + 'logged-in user who presents the key; one to a registered user only to that user. The key works once: a second use answers 404.',
        params: AcceptParams, response: { 200: Accessible, ...errors(401, 404, 409) },
      },
    }, async (request) => {
      const role = await acceptInvitation(core, request.caller, request.params.user, request.params.verification_key);
      return accessibleShape(config, role.user.slug, role);
    });
  }

  app.post('/users/:user/accessibles/', {
    schema: {
      tags, summary: 'Requests to join an organization',
      description: 'The user asks for the contributor role on the organization `slug`; its managers are mailed a link to accept or deny. '
        + 'The answer names the organization by slug and printable name only, and is the same whether it is active or suspended. '
        + 'A pending request takes no seat (accepting it does). A user who already has a role, invitation or request there gets 400; an unknown organization 404; '
        + 'more than JOIN_REQUEST_LIMIT_PER_USER requests (re-sends included) within JOIN_REQUEST_WINDOW_SECONDS 429 with Retry-After.',
      params: UserParams, body: RequestBody,
      response: { 201: Accessible, ...errors(400, 401, 404, 409, 429) },
    },
  }, async (request, reply) => {
    const role = await requestRole(core, request.caller, request.params.user, null, request.body);
    return reply.code(201).send(accessibleShape(config, role.user.slug, role));
  });

  app.get('/users/:user/accessibles/:role/', {
    schema: {
      tags, summary: 'Lists what a user can access with one role',
      description: 'Like the list of accessibles, for one role slug only (`*` means every role).',
      params: UserRoleParams, querystring: ListParams,
      response: { 200: PageOf(Accessible), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, ROLE_LIST_SPEC, config);
    const { user, page } = await listAccessibles(core, request.caller, request.params.user, request.params.role, list);
    return pageEnvelope(request, config, list, page, (r) => accessibleShape(config, user.slug, r));
  });

  app.post('/users/:user/accessibles/:role/', {
    schema: {
      tags, summary: 'Requests a given role on an organization',
      description: 'Like requesting to join, for the role `{role}` (which the organization must have).',
      params: UserRoleParams, body: RequestBody,
      response: { 201: Accessible, ...errors(400, 401, 404, 409, 429) },
    },
  }, async (request, reply) => {
    const role = await requestRole(core, request.caller, request.params.user, request.params.role, request.body);
    return reply.code(201).send(accessibleShape(config, role.user.slug, role));
  });

  app.post('/users/:user/accessibles/:role/:organization/', {
    schema: {
      tags, summary: 'Re-sends a request for a role',
      description: "Mails the organization's managers the user's pending request again. `*` as the role means whichever role was asked for. "
        + 'Counts toward the same limit as requests (429 with Retry-After).',
      params: UserRoleOrgParams, response: { 200: Role, ...errors(401, 404, 429) },
    },
  }, async (request) => roleShape(config, await resendRequest(
    core, request.caller, request.params.user, request.params.role, request.params.organization,
  )));

  app.delete('/users/:user/accessibles/:role/:organization/', {
    schema: {
      tags, summary: 'Withdraws or leaves a role',
      description: 'Withdraws a request, declines an invitation or leaves a role; `*` as the role removes every role of the user on the organization. '
        + 'The last manager of an organization cannot leave (409). Leaving sticks: the organization\'s implicit roles never enroll the user again.',
      params: UserRoleOrgParams, response: { 204: Type.Null(), ...errors(401, 404, 409) },
    },
  }, async (request, reply) => {
    await withdrawRoles(core, request.caller, request.params.user, request.params.role, request.params.organization);
    return reply.code(204).send(null);
  });
};
