// Accountcentral: customers. A customer is an organization of the service (`groupPk` is its
// id); its sub-customers are its partner tree, its parents the organizations above it. Also:
// creating a user the customer owns, who used its applications, its configuration (API key,
// smart relay, SFTP, per-application settings) and a hub workspace's counters.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getCustomer, listAssociatedCustomers, listCustomerParents, updateCustomer,
} from '../../../core/organizations/customer-profiles.js';
import {
  getApplicationConfiguration, getApplicationConfigurations, getCustomerConfiguration, listSftpEndpoints, replaceSftpEndpoints,
  setApplicationConfiguration, updateCustomerConfiguration, MAX_SFTP_ENDPOINTS,
} from '../../../core/team/customer-configuration.js';
import { listApplicationAccesses, workspaceCounters } from '../../../core/team/customer-activity.js';
import { createCustomerUser } from '../../../core/team/team-user-creation.js';
import {
  AC, GroupPkParams, Nullable, PageQuery, Paged, Pk, TAGS, errors, ref, AcResult,
} from '../schemas/common.js';
import {
  AcCustomer, AcCustomerConfiguration, AcSftpEndpoint, AcWorkspaceCounters, CustomerStatus,
} from '../schemas/customers.js';
import { listWindow, pagedJson, resultJson } from '../shapes/common.js';
import {
  ORGANIZATION_STATUS_OF, accessJson, configurationJson, countersJson, customerJson, sftpJson,
} from '../shapes/customers.js';

const CustomerQuery = Type.Object({
  ...PageQuery,
  name: Type.Optional(Type.String({ maxLength: 150, description: 'Filter for group name: customers whose name contains it (case-insensitive).' })),
  excludeUserPk: Type.Optional(Pk('Exclude all groups associated to this user (an accepted role on it, or the customer that made the account).')),
});

const CustomerPage = Paged(Type.Unsafe({ $ref: 'AcCustomer' }), 'A page of customers.');
const AccessPage = Paged(Type.Unsafe({ $ref: 'AcCustomerApplicationUser' }), 'A page of users with their first and last access.');

const Email = (description: string) => Nullable(Type.String({ format: 'email', maxLength: 254, description }));
const Text = (max: number, description: string) => Nullable(Type.String({ maxLength: max, format: 'single-line', description }));
const Status = CustomerStatus('`ACTIVE` reactivates a suspended customer, `SUSPENDED` suspends it (both only by whoever sits above it: '
  + 'its partner\'s managers, the broker\'s); `INACTIVE` (closed) is refused: closing cannot be undone and is not a status change.');

const CustomerChange = Type.Object({
  name: Type.Optional(Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Name of customer.' })),
  address: Type.Optional(Text(255, 'Its address.')),
  country: Type.Optional(Text(100, 'Its country.')),
  phone: Type.Optional(Text(50, 'Phone number of the customer.')),
  platformResponsible: Type.Optional(Email('E-mail of the platform responsible; null or empty removes it.')),
  technicalResponsible: Type.Optional(Email('E-mail of the technical responsible.')),
  privacyResponsible: Type.Optional(Email('E-mail of the privacy responsible.')),
  status: Type.Optional(Status),
  premium: Type.Optional(Type.Boolean({ description: 'Premium customer: only whoever sits above it may change it.' })),
  gid: Type.Optional(Type.String({ minLength: 1, maxLength: 150, pattern: '^[\\w.@+-]+$', description: 'Group id of customer (its slug).' })),
}, { additionalProperties: false, description: 'Only the fields given change.' });

const StatusChange = Type.Object({ status: Status }, { additionalProperties: false });

const SEND_ROLE = 'SEND role to assign to the new user: `default`, `noSend`, `onlyStat`; null or absent: blank permission (no role).';
const CreateUser = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 150, description: 'Its username (letters, digits and @/./+/-/_); refused when taken.' }),
  name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'First name.' }),
  surname: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Last name.' }),
  email: Type.String({ format: 'email', maxLength: 254, description: 'Where the activation link goes.' }),
  language: Type.String({ minLength: 2, maxLength: 10, description: 'Its language, one of the preference options\' languages (`en`, `it`...).' }),
  sex: Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for Male, F for Female.' }),
  send: Type.Optional(Nullable(Type.String({ maxLength: 40, description: SEND_ROLE }))),
  hub: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Role for HUB (one of its roles in `GET /accountcentral/options/app-roles`).' }))),
  cplan: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Role for PLAN.' }))),
  flow: Type.Optional(Nullable(Type.String({ maxLength: 40, description: 'Role for FLOW.' }))),
}, { additionalProperties: false, description: 'Data for user creation.' });

const ApplicationParams = Type.Object({
  groupPk: Pk('The customer\'s key (`groupPk`).'),
  application: Type.String({ minLength: 1, maxLength: 40, description: 'An application\'s code (`cdata`, `cplan`, `flow`, `hub`, `send`, `srr`...).' }),
});

const ConfigurationChange = Type.Object({
  smartRelayEnable: Type.Optional(Type.Boolean({ description: 'Turn the smart relay on or off.' })),
}, { additionalProperties: false });

const SftpInput = Type.Object({
  host: Type.String({ minLength: 1, maxLength: 253, pattern: '^[A-Za-z0-9.:\\[\\]-]+$', description: 'Host name or address.' }),
  port: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, default: 22 })),
  username: Type.String({ minLength: 1, maxLength: 100, format: 'single-line' }),
  path: Type.Optional(Nullable(Type.String({ maxLength: 1000, format: 'single-line' }))),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 1000, description: 'Sealed at rest, never answered.' })),
  privateKey: Type.Optional(Type.String({ minLength: 1, maxLength: 20_000, description: 'A private key (PEM or OpenSSH); sealed at rest, never answered.' })),
}, { additionalProperties: false });

const WorkspaceParams = Type.Object({
  groupPk: Pk('The customer\'s key (`groupPk`).'),
  workspaceId: Pk('The workspace: one of the customer\'s stacks, by id.'),
});
const WorkspaceQuery = Type.Object({
  nodes: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    maxItems: 500, description: 'Nodes to be considered (application ids); all the workspace\'s nodes when absent.',
  })),
});

export const customerRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/customers`, {
    schema: {
      operationId: 'acGetCustomers',
      summary: 'Get customers',
      description: 'Returns the customers associated with the caller, by name: those where they hold an accepted role, and every '
        + 'customer below one they manage (every customer for the broker\'s managers). `name` keeps those whose name contains it; '
        + '`excludeUserPk` leaves out those associated with that user. Personal billing profiles are not customers.',
      tags: [TAGS.customers],
      querystring: CustomerQuery,
      response: { 200: CustomerPage, ...errors(400, 401) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listAssociatedCustomers(core, request.caller,
      { name: request.query.name, excludeUserId: request.query.excludeUserPk }, { ...window.core, order: [] });
    return pagedJson(page, window, customerJson);
  });

  app.get(`${AC}/customers/:groupPk/parents`, {
    schema: {
      operationId: 'acGetCustomerParents',
      summary: 'Get customers',
      description: 'Returns the parents of the selected customer, nearest first: its partner, that partner\'s partner, and so on up '
        + 'the tree (closed ones left out). Whoever may read the customer may call it. `name` and `excludeUserPk` filter as in the list '
        + 'of the caller\'s customers.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      querystring: CustomerQuery,
      response: { 200: CustomerPage, ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listCustomerParents(core, request.caller, { id: request.params.groupPk },
      { name: request.query.name, excludeUserId: request.query.excludeUserPk }, { ...window.core, order: [] });
    return pagedJson(page, window, customerJson);
  });

  app.get(`${AC}/customers/:groupPk`, {
    schema: {
      operationId: 'acGetCustomer',
      summary: 'Get customer',
      description: 'Returns full info for a customer: its members, its managers and whoever sits above it may read it. `status` is '
        + 'the organization\'s: ACTIVE, SUSPENDED, or INACTIVE once closed.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      response: { 200: ref(AcCustomer, 'The customer.'), ...errors(400, 401, 404) },
    },
  }, async (request) => customerJson(await getCustomer(core, request.caller, { id: request.params.groupPk })));

  app.put(`${AC}/customers/:groupPk`, {
    schema: {
      operationId: 'acUpdateCustomer',
      summary: 'Update customer',
      description: 'Updates a customer\'s info; only the fields given change. Its managers and whoever sits above it change its '
        + 'fields; `premium` and `status` are decided from above (its partner\'s managers, the broker\'s). `status` SUSPENDED suspends '
        + 'the customer (its members are refused at once), ACTIVE reactivates it; INACTIVE is refused (400 `customer.inactive_refused`): '
        + 'deactivate a customer with provisioning jobs. `gid` renames its slug (refused when taken). All or nothing.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      body: CustomerChange,
      response: { 200: ref(AcCustomer, 'The customer, changed.'), ...errors(400, 401, [403, 'The caller may read but not change this (its status and premium are decided from above).'], 404) },
    },
  }, async (request) => {
    const { status, ...fields } = request.body;
    const changed = await updateCustomer(core, request.caller, { id: request.params.groupPk },
      { ...fields, ...(status ? { status: ORGANIZATION_STATUS_OF[status] } : {}) });
    return customerJson(changed);
  });

  app.patch(`${AC}/customers/:groupPk`, {
    schema: {
      operationId: 'acPartialUpdateCustomer',
      summary: 'Partial update customer (only status)',
      description: 'Updates the status of a customer, only by whoever sits above it (its partner\'s managers, the broker\'s): '
        + 'SUSPENDED suspends it, ACTIVE reactivates it, the same status changes nothing; INACTIVE (closed) is refused.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      body: StatusChange,
      response: { 200: ref(AcCustomer, 'The customer.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => customerJson(await updateCustomer(core, request.caller, { id: request.params.groupPk },
    { status: ORGANIZATION_STATUS_OF[request.body.status] })));

  app.post(`${AC}/customers/:groupPk/users`, {
    schema: {
      operationId: 'acCreateCustomerUser',
      summary: 'Create user',
      description: 'Creates a user associated with the customer: an account the customer owns (its `creationGroupPk`), a member of it, '
        + 'with the roles given for send, hub, cplan and flow (each one of the application\'s roles). No password is set: an activation '
        + 'link is mailed, where the person chooses it. For the customer\'s managers and whoever sits above it. A taken username is 400 '
        + '`username.taken`; an e-mail address already used by an account the caller administers or sees is 409 `email.taken`; any other '
        + 'taken address is answered like a new one (its owner is mailed, as registration does), so the answer never tells whether '
        + 'another customer has it. No user id is answered (the seed\'s Result); the team list shows the account.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      body: CreateUser,
      response: { 200: ref(AcResult, 'Done: the activation mail is on its way.'), ...errors(400, 401, 403, 404, [409, 'An account the caller administers or sees has this e-mail address.'], 429) },
    },
  }, async (request) => {
    const { send, hub, cplan, flow, ...user } = request.body;
    const created = await createCustomerUser(core, request.caller, { id: request.params.groupPk },
      { ...user, roles: { send, hub, cplan, flow } });
    return resultJson(core, `User created; an activation link was sent to ${created.email}.`);
  });

  app.get(`${AC}/customers/:groupPk/applications/users`, {
    schema: {
      operationId: 'acListCustomerApplicationUsers',
      summary: 'List of users that have used any application for a customer',
      description: 'Returns the users that used any application for the customer, one element per user and application, with the '
        + 'first and last access time, most recent first. For the customer\'s managers and whoever sits above it.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      querystring: Type.Object(PageQuery),
      response: { 200: AccessPage, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listApplicationAccesses(core, request.caller, { id: request.params.groupPk }, null, { ...window.core, order: [] });
    return pagedJson(page, window, accessJson);
  });

  app.get(`${AC}/customers/:groupPk/applications/:application/users`, {
    schema: {
      operationId: 'acListCustomerApplicationUsersOf',
      summary: 'List of users that have used an application for a customer',
      description: 'Returns the users that used one application (by its code: cdata, cplan, flow, hub, send, srr...) for the customer, '
        + 'with the first and last access time, most recent first. An unknown code is 404 `platform_application.not_found`.',
      tags: [TAGS.customers],
      params: ApplicationParams,
      querystring: Type.Object(PageQuery),
      response: { 200: AccessPage, ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listApplicationAccesses(core, request.caller, { id: request.params.groupPk }, request.params.application,
      { ...window.core, order: [] });
    return pagedJson(page, window, accessJson);
  });

  app.get(`${AC}/customers/:groupPk/configuration`, {
    schema: {
      operationId: 'acGetCustomerConfiguration',
      summary: 'Get customer configuration',
      description: 'Returns the customer\'s configuration: `gid` (its slug), `apiKey` (its OAuth2 client\'s id, never the secret; null '
        + 'without a client), `smartRelayEnable`, `genericUsers` (its application users) and `dataExchanges` (its webhook endpoint). '
        + 'For the customer\'s managers and whoever sits above it.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      response: { 200: ref(AcCustomerConfiguration, 'Its configuration.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => configurationJson(await getCustomerConfiguration(core, request.caller, { id: request.params.groupPk })));

  app.put(`${AC}/customers/:groupPk/configuration`, {
    schema: {
      operationId: 'acUpdateCustomerConfiguration',
      summary: 'Update customer configuration',
      description: 'Ours (the seed only reads it): turns the smart relay on or off. The API key is the customer\'s OAuth2 client, '
        + 'its data exchange its webhook URL, each changed where it lives (the OAuth2 client and webhook routes).',
      tags: [TAGS.customers],
      params: GroupPkParams,
      body: ConfigurationChange,
      response: { 200: ref(AcCustomerConfiguration, 'Its configuration, changed.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => configurationJson(await updateCustomerConfiguration(core, request.caller, { id: request.params.groupPk },
    { smartRelayEnabled: request.body.smartRelayEnable })));

  app.get(`${AC}/customers/:groupPk/configuration/sftp`, {
    schema: {
      operationId: 'acGetCustomerSftpConfiguration',
      summary: 'Get customer configuration for sftp',
      description: 'Returns the customer\'s SFTP endpoints. Credentials are kept sealed and never answered: `authentication` says '
        + 'which kind is kept.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      response: { 200: Type.Array(Type.Unsafe({ $ref: 'AcSftpEndpoint' }), { description: 'Its SFTP endpoints.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => (await listSftpEndpoints(core, request.caller, { id: request.params.groupPk })).map(sftpJson));

  app.put(`${AC}/customers/:groupPk/configuration/sftp`, {
    schema: {
      operationId: 'acUpdateCustomerSftpConfiguration',
      summary: 'Update customer configuration for sftp',
      description: `Ours (the seed only reads it): replaces the customer's SFTP endpoints (at most ${MAX_SFTP_ENDPOINTS}). A password or `
        + 'private key is sealed at rest and never answered; an endpoint sent without one keeps the credential of the endpoint with '
        + 'the same host, port and username, so what was read can be sent back. The service never connects to them.',
      tags: [TAGS.customers],
      params: GroupPkParams,
      body: Type.Array(SftpInput, { maxItems: MAX_SFTP_ENDPOINTS }),
      response: { 200: Type.Array(ref(AcSftpEndpoint), { description: 'Its SFTP endpoints.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => (await replaceSftpEndpoints(core, request.caller, { id: request.params.groupPk }, request.body)).map(sftpJson));

  app.get(`${AC}/customers/:groupPk/applications/configurations`, {
    schema: {
      operationId: 'acGetCustomerApplicationsConfigurations',
      summary: 'Get customer applications configurations',
      description: 'Returns the customer\'s configuration of each platform application that has one, by application code '
        + '(`{"hub": {...}, "send": {...}}`).',
      tags: [TAGS.customers, TAGS.applications],
      params: GroupPkParams,
      response: { 200: Type.Record(Type.String(), Type.Object({}, { additionalProperties: true }), { description: 'Application code -> its configuration.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => getApplicationConfigurations(core, request.caller, { id: request.params.groupPk }));

  app.get(`${AC}/customers/:groupPk/applications/:application/configuration`, {
    schema: {
      operationId: 'acGetCustomerApplicationConfiguration',
      summary: 'Get customer specific application configurations',
      description: 'Returns the customer\'s configuration of one application, `{}` when it has none; an unknown application code '
        + 'is 404 `platform_application.not_found`.',
      tags: [TAGS.customers, TAGS.applications],
      params: ApplicationParams,
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'Its configuration (a JSON object).' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => getApplicationConfiguration(core, request.caller, { id: request.params.groupPk }, request.params.application));

  app.put(`${AC}/customers/:groupPk/applications/:application/configuration`, {
    schema: {
      operationId: 'acSetCustomerApplicationConfiguration',
      summary: 'Set customer specific application configurations',
      description: 'Ours (the seed only reads it): replaces the customer\'s configuration of one application with the JSON object '
        + 'given as `configuration` (at most 64 KiB of JSON). An unknown application code is 404.',
      tags: [TAGS.customers, TAGS.applications],
      params: ApplicationParams,
      body: Type.Object({
        configuration: Type.Object({}, { additionalProperties: true, maxProperties: 1000, description: 'The configuration: a JSON object.' }),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({}, { additionalProperties: true, description: 'The configuration kept.' }), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => setApplicationConfiguration(core, request.caller, { id: request.params.groupPk }, request.params.application,
    request.body.configuration as Record<string, unknown>));

  app.get(`${AC}/customers/:groupPk/applications/hub/workspaces/:workspaceId/counters`, {
    schema: {
      operationId: 'acGetHubWorkspaceCounters',
      summary: 'Get the counters for an hub workspace',
      description: 'Returns the counters of a hub workspace: the workspace is one of the customer\'s stacks, its nodes the stack\'s '
        + 'applications, counted by status (`nodes` keeps those ids only). For whoever may read the customer\'s deployments.',
      tags: [TAGS.customers, TAGS.applications],
      params: WorkspaceParams,
      querystring: WorkspaceQuery,
      response: { 200: ref(AcWorkspaceCounters, 'The counters.'), ...errors(400, 401, 404) },
    },
  }, async (request) => countersJson(await workspaceCounters(core, request.caller, { id: request.params.groupPk },
    request.params.workspaceId, request.query.nodes)));
};
