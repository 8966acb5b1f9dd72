// /account/organizations...: the organizations a user can access, creating one, reading and
// changing it (name, webhook_url), a partner's customers, the caller's permissions on one,
// and the broker's quotas (stack_quota on organizations, organization_quota on users).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  ORGANIZATION_LIST, createCustomerOrganization, createOwnOrganization, getOrganizationById, listAccessibleOrganizations,
  listCustomerOrganizations, organizationPermissions, setOrganizationQuota, setStackQuota, updateOrganization,
} from '../../../core/organizations/organization-lists.js';
import { GetChatOrganization } from '../schemas/organizations.js';
import { GetChatUser } from '../schemas/users.js';
import { Id, Nullable, TAGS, Url, errors, ref } from '../schemas/common.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';
import { organizationJson } from '../shapes/organizations.js';
import { userJson } from '../shapes/users.js';

/** G2 and G4's filters, as the seed lists them. */
const ORGANIZATION_FILTERS: FilterDeclaration = {
  id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'] },
  // Ours: the portal's pages name an organization by its slug (DjaoApp's); this finds its id.
  slug: { type: 'string', ops: ['eq'], description: 'The organization\'s slug, as DjaoApp\'s API and the portal\'s addresses name it.' },
  users_ids: { type: 'integer', ops: ['eq'], description: 'Organizations where this user has an accepted access.' },
  accesses_types: { type: 'string', ops: ['eq'], description: 'Organizations with an access of this type: `DIRECT` (accepted) or `INVITED` (pending).' },
  partner_id: { type: 'integer', ops: ['eq', 'ne', 'in', 'nin'], description: 'The partner organization (`null` for none).' },
  owner_id: { type: 'integer', ops: ['eq'], description: 'Organizations this user is an Owner of.' },
  created_at: { type: 'datetime', ops: ['lt', 'lte', 'gt', 'gte'] },
};

const OrganizationParams = Type.Object({ organization_id: Id('The organization\'s id.') });
const Name = Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'A name of the organization.' });
const WebhookUrl = Url('A webhook URL where all callbacks will be sent: absolute, with its scheme (`https://example.com/webhook`).');

const OrganizationCreate = Type.Object({
  name: Type.Optional(Name),
  webhook_url: Type.Optional(Nullable(WebhookUrl)),
}, { additionalProperties: false });

const OrganizationChange = Type.Object({
  name: Type.Optional(Name),
  webhook_url: Type.Optional(Nullable(WebhookUrl)),
}, { additionalProperties: false, description: 'Only the fields given change; `webhook_url: null` removes it.' });

const Organization = (what: string) => ref(GetChatOrganization, what);
const OrganizationList = ListOf(Type.Unsafe({ $ref: 'GetChatOrganization' }), 'A page of organizations.');

export const organizationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const query = listQuery(ORGANIZATION_FILTERS);

  app.get('/account/organizations', {
    schema: {
      operationId: 'getchatListOrganizations',
      summary: 'List organizations you have access to',
      description: 'A feature to list organizations you have access to: those where you have an access, and the '
        + 'customers below those you manage (every organization, for the broker\'s managers).',
      tags: [TAGS.organizations],
      querystring: query,
      response: { 200: OrganizationList, ...errors(400, 401) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, ORGANIZATION_FILTERS, ORGANIZATION_LIST, core.config);
    return listAnswer(asked, await listAccessibleOrganizations(core, request.caller, asked.list), organizationJson);
  });

  app.post('/account/organizations', {
    schema: {
      operationId: 'getchatCreateOrganization',
      summary: 'Create an organization',
      description: 'Creates an organization; the caller becomes its Owner. Counts against the caller\'s '
        + '`organization_quota` (403 `quota.organizations_exceeded` once reached). `name` is required. '
        + '`webhook_url` must be absolute and may not point at a loopback, private or link-local address.',
      tags: [TAGS.organizations, TAGS.inferred],
      body: OrganizationCreate,
      response: { 201: Organization('Created.'), ...errors(400, 401, [403, 'The caller\'s organization_quota is reached.']) },
    },
  }, async (request, reply) => reply.code(201).send(organizationJson(await createOwnOrganization(core, request.caller, request.body))));

  app.get('/account/organizations/:organization_id', {
    schema: {
      operationId: 'getchatGetOrganization',
      summary: 'Get an organization',
      description: 'Gets an organization by its id.',
      tags: [TAGS.organizations, TAGS.inferred],
      params: OrganizationParams,
      response: { 200: Organization('The organization.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationJson(await getOrganizationById(core, request.caller, { id: request.params.organization_id })));

  app.patch('/account/organizations/:organization_id', {
    schema: {
      operationId: 'getchatUpdateOrganization',
      summary: 'Update an organization',
      description: 'Updates the organization\'s `name` and `webhook_url` (Owners and Partners). The webhook URL must be '
        + 'a valid URL including the scheme (path is optional), and may not point at a loopback, private or link-local '
        + 'address. A partner receives its own events and its customers\'.',
      tags: [TAGS.organizations],
      params: OrganizationParams,
      body: OrganizationChange,
      response: { 200: Organization('Updated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationJson(await updateOrganization(core, request.caller, { id: request.params.organization_id }, request.body)));

  app.post('/account/organizations/:organization_id/customers', {
    // The guide sends no body at all: that is an empty one.
    preValidation: async (request) => { request.body ??= {}; },
    schema: {
      operationId: 'getchatCreateCustomer',
      summary: 'Create a customer organization',
      description: 'Creates a customer organization linked to the partner organization in the path (within its '
        + '`customer_quota`). Nobody gets an access to it: the partner\'s Owners and Partners act on it through the '
        + 'partner; invite its own users afterwards. The body is optional (the name defaults to one made from the partner\'s).',
      tags: [TAGS.organizations],
      params: OrganizationParams,
      body: OrganizationCreate,
      response: { 201: Organization('Created.'), ...errors(400, 401, [403, 'The caller may not create customers here, or a customer_quota is reached.'], 404) },
    },
  }, async (request, reply) => reply.code(201).send(organizationJson(
    await createCustomerOrganization(core, request.caller, { id: request.params.organization_id }, request.body),
  )));

  app.get('/account/organizations/:organization_id/customers', {
    schema: {
      operationId: 'getchatListCustomers',
      summary: 'List an organization\'s customers',
      description: 'A feature to list all organization\'s customers, at every depth below it.',
      tags: [TAGS.organizations, TAGS.inferred],
      params: OrganizationParams,
      querystring: query,
      response: { 200: OrganizationList, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, ORGANIZATION_FILTERS, ORGANIZATION_LIST, core.config);
    return listAnswer(asked, await listCustomerOrganizations(core, request.caller, { id: request.params.organization_id }, asked.list), organizationJson);
  });

  app.get('/account/organizations/:organization_id/permissions', {
    schema: {
      operationId: 'getchatOrganizationPermissions',
      summary: 'List your permissions on an organization',
      description: 'What the caller may do on the organization, as action names (`organization.update`, '
        + '`organization.deployments.manage`, `organization.deployments.partner_settings`...). The seed shows an '
        + 'array of strings without saying what they are.',
      tags: [TAGS.organizations, TAGS.inferred],
      params: OrganizationParams,
      response: { 200: Type.Array(Type.String(), { description: 'The actions the caller may do.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationPermissions(core, request.caller, { id: request.params.organization_id }));

  app.put('/account/organizations/:organization_id/stack-quota', {
    schema: {
      operationId: 'getchatSetStackQuota',
      summary: 'Set an organization\'s stack quota',
      description: 'How many stacks the organization may have (`null`: no limit). The broker\'s managers only.',
      tags: [TAGS.organizations, TAGS.admin, TAGS.inferred],
      params: OrganizationParams,
      body: Type.Object({
        stack_quota: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'How many stacks; null is no limit.' })),
      }, { additionalProperties: false }),
      response: { 200: Organization('Set.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => organizationJson(await setStackQuota(core, request.caller, { id: request.params.organization_id }, request.body.stack_quota)));

  app.put('/account/users/:user_id/organization-quota', {
    schema: {
      operationId: 'getchatSetOrganizationQuota',
      summary: 'Set a user\'s organization quota',
      description: 'How many organizations the user may create (`null`: no limit; customers count against their '
        + 'partner\'s customer_quota instead). The broker\'s managers only.',
      tags: [TAGS.users, TAGS.admin, TAGS.inferred],
      params: Type.Object({ user_id: Id('The user\'s id.') }),
      body: Type.Object({
        organization_quota: Nullable(Type.Integer({ minimum: 0, maximum: 1_000_000, description: 'How many organizations; null is no limit.' })),
      }, { additionalProperties: false }),
      response: { 200: ref(GetChatUser, 'Set.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => userJson(await setOrganizationQuota(core, request.caller, { id: request.params.user_id }, request.body.organization_quota)));
};
