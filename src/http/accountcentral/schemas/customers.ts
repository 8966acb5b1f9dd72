// Accountcentral's named shapes for customers and provisioning jobs (and the application
// roles and capabilities of the same lane).
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { AcResult, Nullable } from './common.js';

export const CUSTOMER_STATUSES = ['ACTIVE', 'SUSPENDED', 'INACTIVE'] as const;
export const CustomerStatus = (description: string) => Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED'), Type.Literal('INACTIVE')], { description });

export const AcCustomer = Type.Object({
  groupPk: Type.Integer({ description: 'Ours: the customer\'s key, the `groupPk` of every path (the seed\'s Customer lost it; a list needs it).' }),
  name: Type.String({ description: 'The name of the customer.' }),
  address: Nullable(Type.String({ description: 'Its address (street).' })),
  country: Nullable(Type.String({ description: 'Its country.' })),
  phone: Nullable(Type.String({ description: 'The phone number of the customer.' })),
  platformResponsible: Nullable(Type.String({ description: 'E-mail of the platform responsible.' })),
  technicalResponsible: Nullable(Type.String({ description: 'E-mail of the technical responsible.' })),
  privacyResponsible: Nullable(Type.String({ description: 'E-mail of the privacy responsible.' })),
  status: CustomerStatus('`ACTIVE`: in use. `SUSPENDED`: suspended (its members are refused; its partner and the broker still act on it). '
    + '`INACTIVE`: closed for good.'),
  premium: Type.Boolean({ description: 'A premium customer; set by whoever sits above it (its partner, the broker).' }),
  gid: Type.String({ description: 'The group id of the customer: its slug, as the native API names it.' }),
  parentGroupPk: Nullable(Type.Integer({ description: 'Ours: its partner\'s `groupPk` (the customer above it), null at the top.' })),
}, { $id: 'AcCustomer', description: 'A customer: an organization of the service.' });

export const AcProvisioningAction = Type.Object({
  type: Type.Union([Type.Literal('SUSPEND_CUSTOMER'), Type.Literal('SUSPEND_USERS')], {
    description: '`SUSPEND_CUSTOMER`: the customer is suspended, so its members are refused. `SUSPEND_USERS`: the accounts the customer made '
      + '(its team) are suspended: their logins are refused and their sessions and API keys end.',
  }),
  groupPk: Type.Integer({ description: 'The customer (or sub-customer) acted on.' }),
  groupName: Type.String({ description: 'Its name.' }),
  status: Type.Union([Type.Literal('PLANNED'), Type.Literal('DONE'), Type.Literal('SKIPPED')], {
    description: '`PLANNED` (a preparation), `DONE` or `SKIPPED` (nothing to do; `detail` says why).',
  }),
  userPks: Type.Optional(Type.Array(Type.Integer(), { description: 'SUSPEND_USERS: the accounts concerned.' })),
  detail: Type.Optional(Type.String({ description: 'Why it was skipped.' })),
}, { $id: 'AcProvisioningAction', description: 'One thing a provisioning job plans or did.' });

export const AcProvisioningJob = Type.Object({
  id: Type.String({ description: 'The job\'s unique id.' }),
  groupPk: Type.Integer({ description: 'The customer.' }),
  operation: Type.Union([Type.Literal('PREPARE_DEACTIVATION'), Type.Literal('DEACTIVATE')]),
  status: Type.Union([Type.Literal('NEW'), Type.Literal('RUNNING'), Type.Literal('DONE'), Type.Literal('FAILED')], {
    description: '`NEW` (waiting), `RUNNING`, then `DONE` or `FAILED` (`error` says why).',
  }),
  actions: Type.Array(Type.Unsafe({ $ref: 'AcProvisioningAction' }), { description: 'What it plans (a preparation) or did (a deactivation); empty until it ran.' }),
  preparedBy: Nullable(Type.String({ description: 'Ours: a DEACTIVATE\'s preparation job.' })),
  error: Nullable(Type.Object({ code: Type.String(), message: Type.String() }, { description: 'Ours: why it FAILED.' })),
  createdAt: Type.Integer({ description: 'Ours: when it was asked, in milliseconds since 1970-01-01 UTC.' }),
  finishedAt: Nullable(Type.Integer({ description: 'Ours: when it finished (DONE or FAILED).' })),
}, { $id: 'AcProvisioningJob', description: 'A customer provisioning job.' });

export const AcGenericUser = Type.Object({
  userPk: Type.Integer(),
  username: Type.String(),
  email: Nullable(Type.String()),
  creationDate: Type.Integer({ description: 'When the account was made, in milliseconds since 1970-01-01 UTC.' }),
}, { $id: 'AcGenericUser', description: 'An application user of the customer (userType APPLICATION).' });

export const AcCustomerConfiguration = Type.Object({
  gid: Type.String({ description: 'The group id of the customer (its slug).' }),
  apiKey: Nullable(Type.Object({
    clientId: Type.String({ description: 'The id of the customer\'s OAuth2 client; its secret is never answered.' }),
  }, { description: 'The customer\'s API key: its OAuth2 client\'s id; null when it has none.' })),
  smartRelayEnable: Type.Boolean({ description: 'Whether the smart relay is on for the customer.' }),
  genericUsers: Type.Array(Type.Unsafe({ $ref: 'AcGenericUser' }), { description: 'Its application users.' }),
  dataExchanges: Type.Array(Type.Object({
    type: Type.Literal('WEBHOOK'),
    url: Type.String({ description: 'Where its events are POSTed.' }),
  }), { description: 'Where its data goes out: its webhook endpoint.' }),
}, { $id: 'AcCustomerConfiguration', description: 'A customer\'s configuration.' });

export const AcSftpEndpoint = Type.Object({
  host: Type.String(),
  port: Type.Integer(),
  username: Type.String(),
  path: Nullable(Type.String({ description: 'The folder on the server.' })),
  authentication: Type.Union([Type.Literal('PASSWORD'), Type.Literal('PRIVATE_KEY'), Type.Literal('NONE')], {
    description: 'The kind of credential kept (sealed at rest); the credential itself is never answered.',
  }),
}, { $id: 'AcSftpEndpoint', description: 'An SFTP endpoint of the customer.' });

export const AcCustomerApplicationUser = Type.Object({
  userPk: Type.Integer(),
  username: Type.String(),
  name: Nullable(Type.String()),
  surname: Nullable(Type.String()),
  email: Nullable(Type.String()),
  application: Type.String({ description: 'The application\'s code.' }),
  firstAccess: Type.Integer({ description: 'First use, in milliseconds since 1970-01-01 UTC.' }),
  lastAccess: Type.Integer({ description: 'Last use, in milliseconds since 1970-01-01 UTC.' }),
}, { $id: 'AcCustomerApplicationUser', description: 'A user that used an application for the customer, with the first and last access time.' });

export const AcWorkspaceCounters = Type.Object({
  data: Type.Array(Type.Object({
    type: Type.Literal('NODES'),
    status: Type.String({ description: 'The nodes\' status (`READY`, `REQUESTED`, `FAILED`...).' }),
    count: Type.Integer(),
  }), { description: 'How many nodes have each status.' }),
  total: Type.Integer({ description: 'Ours: how many nodes were counted.' }),
}, { $id: 'AcWorkspaceCounters', description: 'A hub workspace\'s counters.' });

export const AcRoleMap = Type.Record(Type.String(), Type.Array(Type.String()), {
  $id: 'AcRoleMap', description: 'Application code -> the roles in it.',
});

export const AcCapabilityLogEntry = Type.Object({
  id: Type.Integer(),
  capabilityId: Type.Integer({ description: 'The capability granted or revoked (its id for a revocation).' }),
  action: Type.Union([Type.Literal('GRANTED'), Type.Literal('REVOKED')]),
  application: Type.String(),
  version: Type.Integer(),
  resource: Type.Array(Type.String()),
  role: Type.String(),
  by: Nullable(Type.String({ description: 'Who did it (a username).' })),
  date: Type.Integer({ description: 'When, in milliseconds since 1970-01-01 UTC.' }),
}, { $id: 'AcCapabilityLogEntry', description: 'A grant or a revocation of a capability.' });

export const AcCapabilityGranted = Type.Object({
  ...AcResult.properties,
  id: Type.Integer({ description: 'Ours: the capability in force, the `id` that revokes it.' }),
}, { $id: 'AcCapabilityGranted', description: 'The Result, and the capability\'s id.' });

export const CUSTOMER_SCHEMAS: TSchema[] = [
  AcCustomer, AcProvisioningAction, AcProvisioningJob, AcGenericUser, AcCustomerConfiguration, AcSftpEndpoint,
  AcCustomerApplicationUser, AcWorkspaceCounters, AcRoleMap, AcCapabilityLogEntry, AcCapabilityGranted,
];
