// Accountcentral: a user's roles in the platform's applications and their capabilities (a role
// on a customer's resource), with their history; the catalog's roles per application; and the
// capabilities the authorization server reads for the user a token names.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  accountcentralRole, assignApplicationRoles, rolesAtCreation, capabilityLog, getApplicationRoles, grantCapability, ownCapabilities, revokeCapability,
} from '../../../core/team/capabilities.js';
import { AC, AcMessage, Nullable, PageQuery, Paged, Pk, TAGS, UserPkParams, errors, ref } from '../schemas/common.js';
import { AcCapabilityGranted, AcRoleMap } from '../schemas/customers.js';
import { listWindow, pagedJson, resultJson } from '../shapes/common.js';
import { capabilityLogJson } from '../shapes/customers.js';

const TEAM_RULES = 'For whoever administers the account: a manager of the customer that made it or of one above, or the broker\'s.';
const Role = (description: string) => Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 40, description })));

const RoleAssignment = Type.Object({
  accountcentral: Role('The role to assign for the accountcentral application.'),
  hub: Role('The role to assign for ContactHub.'),
  mc: Role('The role to assign for the marketing cloud.'),
  cplan: Role('The role to assign for ContactPlan.'),
  send: Role('The role to assign for ContactSend (`default`, `noSend`, `onlyStat`).'),
  content: Role('The role to assign for the content provider application.'),
  flow: Role('The role to assign for ContactFlow.'),
  eddie: Role('The role to assign for EmailDesigner.'),
  demo_client: Role('The role to assign for the jquery demo client.'),
}, { additionalProperties: false, description: 'A role per application; an application left out keeps its role, null removes it.' });

const CapabilityGrant = Type.Object({
  application: Type.String({ minLength: 1, maxLength: 40, description: 'The application: its code in the platform\'s catalog (`accountcentral`, `hub`...).' }),
  version: Type.Integer({ minimum: 1, maximum: 1000, description: 'Version of the capabilities schema for the application.' }),
  resource: Type.Array(Type.String({ minLength: 1, maxLength: 100, pattern: '^[^/]+$' }), {
    minItems: 2, maxItems: 10,
    description: 'Path of the resource: `["customers", "<groupPk>"]`, optionally followed by deeper segments. The caller must manage that customer.',
  }),
  role: Type.String({ minLength: 1, maxLength: 40, description: 'Role granted on the resource: one of the application\'s roles.' }),
}, { additionalProperties: false });

const Capabilities = Type.Record(Type.String(), Type.Object({
  version: Type.Integer({ description: 'The highest capabilities schema version among its grants.' }),
  resources: Type.Record(Type.String(), Type.String(), { description: 'Resource path (segments joined by `/`) -> role.' }),
}), { description: 'Application code -> the capabilities in force in it.' });

export const capabilityRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/user/role`, {
    schema: {
      operationId: 'acGetAccountCentralRole',
      summary: 'User role for account AccountCentral',
      description: 'Returns the caller\'s role in AccountCentral for the given customer: the role of their `accountcentral` capability '
        + 'on `["customers", "<groupPk>"]`. Without `groupPk`, their role in the accountcentral application. `role` is null when '
        + 'they have none.',
      tags: [TAGS.user],
      querystring: Type.Object({ groupPk: Type.Optional(Pk('The customer.')) }),
      response: {
        200: Type.Object({ role: Nullable(Type.String({ description: 'Such as `CUSTOMER_CARE`.' })) }, { description: 'The role.' }),
        ...errors(400, 401),
      },
    },
  }, async (request) => ({ role: await accountcentralRole(core, request.caller, request.query.groupPk) }));

  app.get(`${AC}/users/:userPk/roles`, {
    schema: {
      operationId: 'acGetUserApplicationRoles',
      summary: 'Get roles of applications for userPk',
      description: 'Returns the map of roles the user has in all applications (`{"hub": ["EDITOR"], ...}`; one role per application). '
        + 'For the user and whoever may read the account.',
      tags: [TAGS.users],
      params: UserPkParams,
      response: { 200: ref(AcRoleMap, 'Application code -> roles.'), ...errors(400, 401, 404) },
    },
  }, async (request) => getApplicationRoles(core, request.caller, { id: request.params.userPk }));

  app.put(`${AC}/users/:userPk/roles`, {
    schema: {
      operationId: 'acAssignUserApplicationRoles',
      summary: 'Assign roles',
      description: 'Assigns the user a role in each application given (hub, cplan, flow, send, ...): each value must be one of the '
        + 'application\'s roles (`GET /accountcentral/options/app-roles`), null removes it, an application left out keeps its role. '
        + `Answers a message whose \`data.roles\` is the user's roles afterwards. ${TEAM_RULES}`,
      tags: [TAGS.users],
      params: UserPkParams,
      body: RoleAssignment,
      response: { 200: ref(AcMessage, 'Assigned.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const roles = await assignApplicationRoles(core, request.caller, { id: request.params.userPk }, request.body);
    return { message: 'Roles assigned.', logref: request.id, data: { code: 'OK', status: 200, roles }, errors: [] };
  });

  app.post(`${AC}/users/:userPk/capabilities`, {
    schema: {
      operationId: 'acGrantUserCapability',
      summary: 'Grant capability',
      description: 'Grants the given capability to the user: a role of the application on a resource of its capabilities schema, '
        + 'which names a customer (`["customers", "<groupPk>", ...]`) the caller manages. Another role in force on the same '
        + 'application and resource is replaced (revoked, and logged); granting the same again changes nothing. Answers the Result '
        + `and the capability's \`id\`. ${TEAM_RULES}`,
      tags: [TAGS.users, TAGS.capabilities],
      params: UserPkParams,
      body: CapabilityGrant,
      response: { 200: ref(AcCapabilityGranted, 'Granted.'), ...errors(400, 401, [403, 'The caller may not manage the customer the resource names.'], 404) },
    },
  }, async (request) => {
    const capability = await grantCapability(core, request.caller, { id: request.params.userPk }, request.body);
    return { ...resultJson(core, `Capability ${capability.id} granted.`), id: capability.id };
  });

  app.delete(`${AC}/users/:userPk/capabilities/:id`, {
    schema: {
      operationId: 'acRevokeUserCapability',
      summary: 'Revoke capability',
      description: 'Revokes the given capability of the user (it stays in the log). The caller must manage the customer it names. '
        + `A capability not in force (never granted, already revoked, another user's) is 404 \`capability.not_found\`. ${TEAM_RULES}`,
      tags: [TAGS.users, TAGS.capabilities],
      params: Type.Object({ userPk: Pk('The user\'s key (`userPk`).'), id: Pk('The capability\'s id.') }),
      response: { 200: Type.Unsafe({ $ref: 'AcResult', description: 'Revoked.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    await revokeCapability(core, request.caller, { id: request.params.userPk }, request.params.id);
    return resultJson(core, `Capability ${request.params.id} revoked.`);
  });

  app.get(`${AC}/users/:userPk/capabilities/log`, {
    schema: {
      operationId: 'acGetUserCapabilityLog',
      summary: 'User capability log',
      description: `Returns the history of all capabilities granted and revoked to the user, newest first: what, who and when. ${TEAM_RULES}`,
      tags: [TAGS.users, TAGS.capabilities],
      params: UserPkParams,
      querystring: Type.Object(PageQuery),
      response: { 200: Paged(Type.Unsafe({ $ref: 'AcCapabilityLogEntry' }), 'A page of the log.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await capabilityLog(core, request.caller, { id: request.params.userPk }, { ...window.core, order: [] });
    return pagedJson(page, window, capabilityLogJson);
  });

  app.get(`${AC}/options/app-roles`, {
    schema: {
      operationId: 'acGetAppRoles',
      summary: 'app roles',
      description: 'Returns the roles a user may be given in each application when created (`POST /accountcentral/customers/{groupPk}/users`: '
        + 'send, hub, cplan, flow), from the platform\'s catalog of applications.',
      tags: [TAGS.options],
      response: { 200: ref(AcRoleMap, 'Application code -> its roles.'), ...errors(401) },
    },
  }, async (request) => rolesAtCreation(core, request.caller));

  app.get(`${AC}/internal/capabilities`, {
    schema: {
      operationId: 'acGetOwnCapabilities',
      summary: 'User capabilities to support oauth2 authentication server',
      description: 'Returns the capabilities in force of the user the request\'s bearer token (or API key) names, by application, for '
        + 'the authorization server to put in its tokens. Public, as the seed shows it, but it reveals nothing to an anonymous caller: '
        + 'without credentials the answer is an empty map.',
      tags: [TAGS.capabilities, TAGS.internal],
      security: [],
      response: { 200: Capabilities, ...errors(400) },
    },
  }, async (request) => ownCapabilities(core, request.caller));
};
