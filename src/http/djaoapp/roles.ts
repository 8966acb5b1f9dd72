// /api/profile/{organization}/roles/...: role descriptions, who holds which role,
// grants and invitations, revocation, and answering users' requests to join.
import { Type } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import type { Config } from '../../config.js';
import type { ListSpec } from '../../core/pagination.js';
import { printableName } from '../../core/identity/users.js';
import { ROLE_LIST_SPEC, roleState, type RoleView } from '../../core/memberships/role-views.js';
import {
  createDescription, deleteDescription, getDescription, listDescriptions, updateDescription, type DescriptionView,
} from '../../core/memberships/role-descriptions.js';
import {
  acceptRequest, denyRequest, grantRole, listRoles, resendInvitation, revokeRoles,
} from '../../core/memberships/roles.js';
import {
  BLOCK_LIST_SPEC, denyAllRequests, listBlockedRequesters, unblockRequester,
} from '../../core/memberships/join-request-blocks.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from './pages.js';
import { Nullable, Slug, UserBrief, errors } from './schemas.js';

// ---- shapes ----

export const OrganizationBrief = Type.Object({
  slug: Type.String({ description: 'Unique identifier shown in the URL bar.' }),
  full_name: Type.String(),
  printable_name: Type.String({ description: 'Name to display.' }),
  picture: Nullable(Type.String({ description: 'URL of the profile picture.' })),
  type: Type.String({ description: "One of 'organization' or 'personal'." }),
  credentials: Type.Boolean({ description: 'Always false for an organization.' }),
  created_at: Type.String({ format: 'date-time' }),
  email: Nullable(Type.String()),
  phone: Nullable(Type.String()),
  street_address: Nullable(Type.String()),
  locality: Nullable(Type.String()),
  region: Nullable(Type.String()),
  postal_code: Nullable(Type.String()),
  country: Nullable(Type.String()),
});

const State = Type.Union([Type.Literal('accepted'), Type.Literal('invited'), Type.Literal('requested')], {
  description: 'accepted: the role is active; invited: granted, waiting for the grantee to accept with the mailed key; requested: asked by the user, waiting for a manager.',
});
const GrantKey = Nullable(Type.String({
  description: 'Always null: invitation keys are only ever mailed to the grantee (we keep a hash). See `state`.',
}));
const RequestKey = Nullable(Type.String({ description: 'Key of a pending request, which managers accept or deny with; null otherwise.' }));

export const RoleDescription = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  slug: Type.String({ description: 'Unique identifier of the role on the organization, derived from the title.' }),
  title: Type.String({ description: 'Short description of the role.' }),
  skip_optin_on_grant: Type.Boolean({ description: 'A registered user granted this role has it at once, without accepting an invitation.' }),
  implicit_create_on_none: Type.Boolean({ description: "The role is given automatically to users with a verified address at a domain the organization proved (see `/domains/`), who have no role on it and never left it." }),
  is_global: Type.Boolean({ description: 'True for manager and contributor, which every organization shares and cannot change.' }),
  organization: Nullable(OrganizationBrief),
  extra: Nullable(Type.String({ description: 'Extra metadata (can be stringified JSON).' })),
});

const RoleInDescription = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  user: UserBrief,
  request_key: RequestKey,
  grant_key: GrantKey,
  state: State,
});

export const RoleDescriptionWithRoles = Type.Object({
  ...RoleDescription.properties,
  roles: Type.Array(RoleInDescription, { description: 'Everyone holding (or invited to, or asking for) this role on the organization.' }),
});

export const Role = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  user: UserBrief,
  organization: OrganizationBrief,
  role_description: RoleDescription,
  request_key: RequestKey,
  grant_key: GrantKey,
  state: State,
  accept_request_api_url: Nullable(Type.String({ description: 'For a pending request: where managers POST to accept it (DELETE denies).' })),
  remove_api_url: Type.String({ description: 'Where to DELETE to revoke this role.' }),
});

// ---- shaping ----

const iso = (d: Date) => new Date(d).toISOString();

export function organizationBrief(o: RoleView['organization']) {
  return {
    slug: o.slug, full_name: o.full_name, printable_name: printableName(o), picture: o.picture, type: o.type,
    credentials: false, created_at: iso(o.created_at), email: o.email, phone: o.phone, street_address: o.street_address,
    locality: o.locality, region: o.region, postal_code: o.postal_code, country: o.country,
  };
}

export function userBrief(u: RoleView['user']) {
  return {
    slug: u.slug, username: u.slug, printable_name: printableName(u), picture: u.picture, email: u.email,
    full_name: u.full_name, nick_name: u.nick_name, created_at: iso(u.created_at), credentials: u.credentials,
  };
}

export function roleDescriptionShape(d: RoleView['description'], org: RoleView['organization'] | null) {
  return {
    created_at: iso(d.created_at), slug: d.slug, title: d.title, skip_optin_on_grant: d.skip_optin_on_grant,
    implicit_create_on_none: d.implicit_create_on_none, is_global: d.organization_id === null,
    organization: d.organization_id === null || !org ? null : organizationBrief(org), extra: d.extra,
  };
}

export function roleShape(config: Config, r: RoleView) {
  const org = encodeURIComponent(r.organization.slug);
  return {
    created_at: iso(r.created_at),
    user: userBrief(r.user),
    organization: organizationBrief(r.organization),
    role_description: roleDescriptionShape(r.description, r.organization),
    request_key: r.request_key,
    grant_key: null,
    state: roleState(r),
    accept_request_api_url: r.request_key ? `${config.baseUrl}/api/profile/${org}/roles/accept/${r.request_key}/` : null,
    remove_api_url: `${config.baseUrl}/api/profile/${org}/roles/${r.description.slug}/${encodeURIComponent(r.user.slug)}/`,
  };
}

function descriptionShape(v: DescriptionView) {
  return {
    ...roleDescriptionShape(v.description, v.organization),
    roles: v.roles.map((r) => ({
      created_at: iso(r.created_at), user: userBrief(r.user), request_key: r.request_key, grant_key: null, state: roleState(r),
    })),
  };
}

// ---- parameters and bodies ----

const OrgParams = Type.Object({ organization: Slug });
export const RoleSlug = Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description.' });
const OrgRoleParams = Type.Object({ organization: Slug, role: RoleSlug });
const OrgRoleUserParams = Type.Object({
  organization: Slug,
  role: Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description, or `*` for every role the user has on the organization.' }),
  user: Slug,
});
const RequestParams = Type.Object({ organization: Slug, request_key: Type.String({ minLength: 1, maxLength: 64, pattern: '^[0-9a-zA-Z]+$' }) });

const DescriptionFields = {
  skip_optin_on_grant: Type.Optional(Type.Boolean({ description: 'Grant at once, without the grantee accepting an invitation.' })),
  implicit_create_on_none: Type.Optional(Type.Boolean({ description: "Give the role automatically to users of a domain the organization proved (see `/domains/`)." })),
  extra: Type.Optional(Nullable(Type.String({ maxLength: 10000, description: 'Extra metadata (can be stringified JSON).' }))),
};
const DescriptionBody = Type.Object({ title: Type.String({ maxLength: 100, format: 'single-line', description: 'Short description of the role.' }), ...DescriptionFields });
const DescriptionPatch = Type.Object({ title: Type.Optional(Type.String({ maxLength: 100, format: 'single-line' })), ...DescriptionFields });

const GrantBody = Type.Object({
  slug: Type.Optional(Type.String({ maxLength: 150, description: 'Username of the user to grant the role to.' })),
  email: Type.Optional(Type.String({ maxLength: 254, format: 'email', description: 'E-mail of the grantee; someone not registered yet is invited.' })),
  full_name: Type.Optional(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name of an invitee not registered yet.' })),
  message: Type.Optional(Type.String({ maxLength: 2000, description: 'Message to send along the invitation.' })),
});
const AcceptRequestBody = Type.Object({
  role: Type.Optional(Type.String({ minLength: 1, maxLength: 50, pattern: '^[\\w.@+-]+$', description: 'Give this role instead of the one asked for.' })),
});

const BlockQuery = Type.Object({
  block: Type.Optional(Type.Boolean({ description: 'Also block the requester(s): their later requests notify nobody.' })),
});
const BlockedRequester = Type.Object({
  user: Type.Object({ slug: Type.String(), username: Type.String(), printable_name: Type.String(), picture: Nullable(Type.String()) }),
  blocked_by: Nullable(Type.String({ description: 'Username of the manager who blocked them.' })),
  created_at: Type.String({ format: 'date-time' }),
});

const DESCRIBE_SPEC: ListSpec = { orderable: { created_at: 'created_at' }, searchable: [], defaultOrder: ['created_at'], tieBreaker: 'id' };
const PageParams = Type.Object({ page: ListParams.properties.page, page_size: ListParams.properties.page_size });

export const roleRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;
  const config = core.config;
  const tags = ['roles'];

  // ---- role descriptions ----

  app.get('/profile/:organization/roles/describe/', {
    schema: {
      tags, summary: 'Lists role descriptions',
      description: 'Lists the roles users can take on the organization: the global manager and contributor first, then the organization\'s own, each with the users who hold it. Members of the organization may read it.',
      params: OrgParams, querystring: PageParams,
      response: { 200: PageOf(RoleDescriptionWithRoles), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, DESCRIBE_SPEC, config);
    const page = await listDescriptions(core, request.caller, request.params.organization, list);
    return pageEnvelope(request, config, list, page, descriptionShape);
  });

  app.post('/profile/:organization/roles/describe/', {
    schema: {
      tags, summary: 'Creates a role description',
      description: 'Adds a role users can take on the organization. The slug is derived from the title ("Support Staff" gives `support-staff`); `describe`, `accept`, `blocked` and the global slugs are taken. Managers only.',
      params: OrgParams, body: DescriptionBody,
      response: { 201: RoleDescriptionWithRoles, ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const view = await createDescription(core, request.caller, request.params.organization, request.body);
    return reply.code(201).send(descriptionShape(view));
  });

  app.get('/profile/:organization/roles/describe/:role/', {
    schema: {
      tags, summary: 'Retrieves a role description',
      description: 'One role description of the organization, with the users who hold it.',
      params: OrgRoleParams, response: { 200: RoleDescriptionWithRoles, ...errors(401, 403, 404) },
    },
  }, async (request) => descriptionShape(await getDescription(core, request.caller, request.params.organization, request.params.role)));

  for (const method of ['put', 'patch'] as const) {
    app[method]('/profile/:organization/roles/describe/:role/', {
      schema: {
        tags, summary: method === 'put' ? 'Updates a role description' : 'Partially updates a role description',
        description: (method === 'put'
          ? 'Replaces the title and flags of one of the organization\'s own role descriptions (title required; omitted flags become false). '
          : 'Changes only the fields given. ')
          + 'The slug never changes. The global manager and contributor are shared by every organization and answer 403. Managers only.',
        params: OrgRoleParams, body: method === 'put' ? DescriptionBody : DescriptionPatch,
        response: { 200: RoleDescriptionWithRoles, ...errors(400, 401, 403, 404) },
      },
    }, async (request) => descriptionShape(await updateDescription(
      core, request.caller, request.params.organization, request.params.role, request.body, method === 'patch',
    )));
  }

  app.delete('/profile/:organization/roles/describe/:role/', {
    schema: {
      tags, summary: 'Deletes a role description',
      description: 'Deletes one of the organization\'s own role descriptions. Refused with 409 while anyone holds, is invited to or asks for it (revoke those first), and with 403 for the global manager and contributor. Managers only.',
      params: OrgRoleParams, response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await deleteDescription(core, request.caller, request.params.organization, request.params.role);
    return reply.code(204).send(null);
  });

  // ---- requests (an addition: DjaoApp documents no route to answer a request) ----

  app.post('/profile/:organization/roles/accept/:request_key/', {
    schema: {
      tags, summary: 'Accepts a request for a role (addition)',
      description: 'Not in the DjaoApp reference, which shows `accept_request_api_url` but no route: a manager accepts a user\'s pending request, optionally giving another `role` than the one asked for. The user is mailed. Managers only.',
      params: RequestParams, body: AcceptRequestBody,
      response: { 200: Role, ...errors(400, 401, 403, 404, 409) },
    },
    // The body is optional: a POST without one accepts the role asked for.
    preValidation: async (request) => { (request as { body: unknown }).body ??= {}; },
  }, async (request) => {
    const role = await acceptRequest(core, request.caller, request.params.organization, request.params.request_key, request.body.role);
    return roleShape(config, role);
  });

  app.delete('/profile/:organization/roles/accept/:request_key/', {
    schema: {
      tags, summary: 'Denies a request for a role (addition)',
      description: 'Not in the DjaoApp reference: a manager denies a user\'s pending request, which is removed. With `block=true` the requester is '
        + 'also blocked: their later requests get the usual answer but notify nobody and stay out of the organization\'s lists. Managers only.',
      params: RequestParams, querystring: BlockQuery, response: { 204: Type.Null(), ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    await denyRequest(core, request.caller, request.params.organization, request.params.request_key, request.query.block ?? false);
    return reply.code(204).send(null);
  });

  app.delete('/profile/:organization/roles/accept/', {
    schema: {
      tags, summary: 'Denies every pending request (addition)',
      description: 'Not in the DjaoApp reference: a manager denies every pending request for a role on the organization at once '
        + '(with `block=true`, blocking their authors too). Answers how many were denied. Managers only.',
      params: OrgParams, querystring: BlockQuery,
      response: { 200: Type.Object({ denied: Type.Integer({ description: 'Number of requests denied.' }) }), ...errors(401, 403, 404) },
    },
  }, async (request) => ({ denied: await denyAllRequests(core, request.caller, request.params.organization, request.query.block ?? false) }));

  app.get('/profile/:organization/roles/blocked/', {
    schema: {
      tags, summary: 'Lists blocked requesters (addition)',
      description: 'Users whose requests to join the organization notify nobody (blocked when a manager denied one of their requests with `block=true`). Managers only.',
      params: OrgParams, querystring: ListParams,
      response: { 200: PageOf(BlockedRequester), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, BLOCK_LIST_SPEC, config);
    const page = await listBlockedRequesters(core, request.caller, request.params.organization, list);
    return pageEnvelope(request, config, list, page, (b) => ({
      user: { slug: b.user.slug, username: b.user.slug, printable_name: printableName(b.user), picture: b.user.picture },
      blocked_by: b.blocked_by, created_at: iso(b.created_at),
    }));
  });

  app.delete('/profile/:organization/roles/blocked/:user/', {
    schema: {
      tags, summary: 'Unblocks a requester (addition)',
      description: 'The user\'s next request to join notifies the managers again. Managers only.',
      params: Type.Object({ organization: Slug, user: Slug }), response: { 204: Type.Null(), ...errors(401, 403, 404) },
    },
  }, async (request, reply) => {
    await unblockRequester(core, request.caller, request.params.organization, request.params.user);
    return reply.code(204).send(null);
  });

  // ---- roles ----

  const listSpec: ListSpec = ROLE_LIST_SPEC;
  app.get('/profile/:organization/roles/', {
    schema: {
      tags, summary: 'Lists roles on an organization',
      description: 'Everyone with a role on the organization, pending invitations and requests included. `q` searches username, e-mail, full name and role; `o` orders by created_at, username, email, full_name or role_name. Members of the organization may read it.',
      params: OrgParams, querystring: ListParams,
      response: { 200: PageOf(Role), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, listSpec, config);
    const page = await listRoles(core, request.caller, request.params.organization, null, list);
    return pageEnvelope(request, config, list, page, (r) => roleShape(config, r));
  });

  app.get('/profile/:organization/roles/:role/', {
    schema: {
      tags, summary: 'Lists roles of one kind on an organization',
      description: 'Like the list of roles, for one role description only (`*` means every role).',
      params: OrgRoleParams, querystring: ListParams,
      response: { 200: PageOf(Role), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, listSpec, config);
    const page = await listRoles(core, request.caller, request.params.organization, request.params.role, list);
    return pageEnvelope(request, config, list, page, (r) => roleShape(config, r));
  });

  app.post('/profile/:organization/roles/:role/', {
    schema: {
      tags, summary: 'Grants a role',
      description: 'Gives the role to a user named by `slug`, or invites the address `email`. The grantee is mailed a key to accept with once logged in; '
        + 'an address with no account yet goes to the first authenticated user who presents the key. A role that skips the opt-in is active at once for a '
        + 'user named by `slug` (a notice is mailed); an invitation by `email` always waits for the grantee. Until the grantee accepts, the answer and the '
        + 'lists show only what was given: an invitation by e-mail looks the same whether the address has an account or not (its `slug` is the address), '
        + 'one by username shows no e-mail. Granting a role the user already has answers 409; adding a member beyond the organization\'s seat quota answers 403. Managers only.',
      params: OrgRoleParams, body: GrantBody,
      response: { 201: Type.Object({ slug: Type.String({ description: 'Username of the grantee, or the address invited by e-mail.' }), ...Role.properties }), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    const role = await grantRole(core, request.caller, request.params.organization, request.params.role, request.body);
    return reply.code(201).send({ slug: role.user.slug, ...roleShape(config, role) });
  });

  app.post('/profile/:organization/roles/:role/:user/', {
    schema: {
      tags, summary: 'Re-sends a role invitation',
      description: 'Mails a new invitation key for a pending invitation; the previous key stops working. `{user}` is the username, or the address an invitation by e-mail was made to. 400 if the role was already accepted. Managers only.',
      params: OrgRoleUserParams, response: { 200: Role, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => roleShape(config, await resendInvitation(
    core, request.caller, request.params.organization, request.params.role, request.params.user,
  )));

  app.delete('/profile/:organization/roles/:role/:user/', {
    schema: {
      tags, summary: 'Revokes a role',
      description: 'Removes the role (or, with `*` as the role, every role) of the user on the organization, pending invitations and requests included. '
        + '`{user}` is the username, or the address an invitation by e-mail was made to. The user is never enrolled again by an implicit role. '
        + 'Removing the last manager answers 409: an organization always keeps one. Managers only.',
      params: OrgRoleUserParams, response: { 204: Type.Null(), ...errors(401, 403, 404, 409) },
    },
  }, async (request, reply) => {
    await revokeRoles(core, request.caller, request.params.organization, request.params.role, request.params.user);
    return reply.code(204).send(null);
  });
};
