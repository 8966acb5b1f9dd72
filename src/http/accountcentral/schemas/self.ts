// Accountcentral's named shapes for the caller's own data (service, user) and the reference lists (options).
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { Nullable, ref } from './common.js';
// Shared with team administration, whose file defines them (AcUserInfo is registered here, with the caller's own operations).
import { AcActive, AcPreferences, AcSecurityEvent, AcUserInfo } from './team.js';

export { AcActive, AcPreferences, AcSecurityEvent, AcUserInfo };

const DateTime = (description: string) => Type.String({ format: 'date-time', description });
const CustomerStatus = Type.Union([Type.Literal('ACTIVE'), Type.Literal('SUSPENDED'), Type.Literal('INACTIVE')], {
  description: '`ACTIVE`; `SUSPENDED` (its users cannot act on it until it is reactivated); `INACTIVE` (closed).',
});
const RoleSlugs = Type.Array(Type.String(), { description: 'The role descriptions\' slugs: `manager`, `contributor`, `partner` or a customer\'s own.' });

export const AcPlatformGroup = Type.Object({
  groupPk: Type.Integer({ description: 'The organization\'s id.' }),
  groupName: Type.String(),
  status: CustomerStatus,
  parentGroupPk: Nullable(Type.Integer({ description: 'The partner above it (its parent in the tree); null at the top.' })),
  roles: RoleSlugs,
}, { $id: 'AcPlatformGroup', description: 'A group: an organization (a customer or a partner) the user reaches.' });

export const AcPlatform = Type.Object({
  groups: Type.Array(ref(AcPlatformGroup), { description: 'The customers the user belongs to and every customer below those they manage (the partner tree), by id.' }),
  workspaces: Type.Array(Type.Object({
    workspaceId: Type.Integer({ description: 'The stack\'s id.' }),
    uuid: Type.String(),
    name: Type.String(),
    subdomain: Type.String(),
    groupPk: Type.Integer({ description: 'The organization that owns the stack.' }),
    status: Type.String({ description: 'The stack\'s deployment status (`READY`, `DEPLOYING`, `FAILED`, ...).' }),
  }), { description: 'The live stacks of the groups whose deployments the user may read.' }),
  nodes: Type.Array(Type.Object({
    nodeId: Type.Integer({ description: 'The application\'s id.' }),
    uuid: Type.String(),
    workspaceId: Type.Integer({ description: 'The stack it is deployed on.' }),
    application: Type.String({ description: 'The package it is an instance of (its type: `inbox`, `hubspot`).' }),
    domain: Nullable(Type.String()),
    status: Type.String({ description: 'The application\'s deployment status.' }),
  }), { description: 'The live applications on those stacks.' }),
}, { $id: 'AcPlatform', description: 'What the user reaches on the platform: groups are organizations, workspaces their stacks, nodes the applications deployed on them.' });

const userBasicFields = {
  userPk: Type.Integer({ description: 'The user\'s id.' }),
  name: Type.String({ description: 'Given name.' }),
  surname: Type.String({ description: 'Family name.' }),
  username: Type.String(),
  email: Nullable(Type.String()),
  picture: Nullable(Type.String({ description: 'URL of the user\'s picture, when set.' })),
  lang: Type.String({ description: 'The preferred language (a preference; `en` until chosen).' }),
  timezone: Type.String({ description: 'The preferred IANA time zone (a preference; `UTC` until chosen).' }),
  creationGroupPk: Nullable(Type.Integer({ description: 'The customer that made the account; null for an account its owner made.' })),
  creationGroupName: Nullable(Type.String()),
  external: Type.Boolean({ description: 'Whether another identity provider authenticates the user: always false, every account here logs in with this service\'s credentials.' }),
  roles: Type.Record(Type.String(), RoleSlugs, { description: 'The user\'s accepted roles per customer, keyed by `groupPk`.' }),
};

export const AcUserBasic = Type.Object(userBasicFields, { $id: 'AcUserBasic', description: 'Who the user is, for other APIs.' });

export const AcUserBasicExpanded = Type.Object({
  ...userBasicFields,
  platform: Type.Optional(ref(AcPlatform)),
}, { $id: 'AcUserBasicExpanded', description: 'Who the user is, and with `expand=platform` the groups, workspaces and nodes they reach.' });

export const AcCustomerOfUser = Type.Object({
  groupPk: Type.Integer(),
  groupName: Type.String(),
  status: CustomerStatus,
  parentGroupPk: Nullable(Type.Integer({ description: 'The partner above it, if any.' })),
  roles: RoleSlugs,
}, { $id: 'AcCustomerOfUser', description: 'A customer the user belongs to, with their roles on it.' });

export const AcCustomerAssociation = Type.Object({
  groupPk: Type.Integer(),
  groupName: Type.String(),
  status: CustomerStatus,
  chatEnabled: Type.Boolean({ description: 'Whether the customer, active, has a deployed application (a chat inbox or integration).' }),
}, { $id: 'AcCustomerAssociation', description: 'The customer the user is associated with.' });

const Option = Type.Object({ value: Type.String(), label: Type.String() });
export const AcPreferenceOptions = Type.Object({
  timezones: Type.Array(Type.String(), { description: 'IANA time zones.' }),
  weekBegin: Type.Array(Option, { description: 'First days of the week.' }),
  languages: Type.Array(Option, { description: 'Languages, by code with their English name.' }),
  numberFormat: Type.Record(Type.String(), Type.String(), { description: 'Number formats: value → label.' }),
  dateFormat: Type.Record(Type.String(), Type.String(), { description: 'Date formats: value → example.' }),
  hourFormat: Type.Record(Type.String(), Type.String(), { description: 'Time formats: value → label.' }),
}, { $id: 'AcPreferenceOptions', description: 'Every value each preference accepts.' });

const AccessTimes = {
  firstAccess: DateTime('The first use.'),
  lastAccess: DateTime('The latest use.'),
};
export const AcApplicationAccess = Type.Object({
  application: Type.String({ description: 'The application: a platform application\'s code, a package\'s type or an OAuth2 client\'s id.' }),
  name: Type.String({ description: 'Its name (the platform\'s catalog, the package\'s, or the name of the customer that owns the client).' }),
  ...AccessTimes,
  customers: Type.Array(Type.Object({ groupPk: Type.Integer(), groupName: Type.String(), ...AccessTimes }), {
    description: 'The same, per customer the application was used for.',
  }),
}, { $id: 'AcApplicationAccess', description: 'When the user first and last used one application.' });

const Day = (description: string) => Type.String({ format: 'date', description });
export const AcPasswordHistory = Type.Object({
  updateDate: Nullable(Day('When the password was last set (UTC); null for an account without a password.')),
  expireDate: Nullable(Day('When it expires (UTC): the set date plus PASSWORD_MAX_AGE_DAYS; null when passwords never expire (the default).')),
  now: Day('Today on the service\'s clock (UTC), to compare with.'),
}, { $id: 'AcPasswordHistory', description: 'The age of the user\'s password.' });

export const AcCountries = Type.Object({
  countries: Type.Array(Type.Object({
    code: Type.String({ description: 'ISO 3166-1 alpha-2.' }),
    name: Type.String({ description: 'Its name in the language asked for.' }),
  }), { description: 'The 249 countries of ISO 3166-1, by name.' }),
}, { $id: 'AcCountries', description: 'The countries a customer\'s address may name.' });

export const AcPlatformApplication = Type.Object({
  code: Type.String({ description: 'The application\'s code: the key of role maps and access reports (`hub`, `send`).' }),
  name: Type.String(),
  description: Type.String(),
  roles: Type.Array(Type.String(), { description: 'Every role a user may hold in it.' }),
  atCreation: Type.Boolean({ description: 'Whether a customer\'s manager may give a role in it when creating a user.' }),
  url: Nullable(Type.String({ description: 'Where users open it, when the deployment says.' })),
}, { $id: 'AcPlatformApplication', description: 'An application of the platform.' });

export const AcSite = Type.Object({
  code: Type.String({ description: 'A short stable name (`portal`, `linkedin`, an application\'s code).' }),
  name: Type.String(),
  url: Type.String({ description: 'Absolute URL.' }),
}, { $id: 'AcSite', description: 'A site related to the platform.' });

export const AcSites = Type.Object({
  applications: Type.Array(ref(AcSite), { description: 'The applications\' sites.' }),
  networkSites: Type.Array(ref(AcSite), { description: 'The network\'s own sites.' }),
  socialSites: Type.Array(ref(AcSite), { description: 'Its pages on social networks.' }),
}, { $id: 'AcSites', description: 'Every site related to the platform.' });

export const SELF_SCHEMAS: TSchema[] = [
  AcPlatformGroup, AcPlatform, AcUserBasic, AcUserBasicExpanded, AcCustomerOfUser, AcCustomerAssociation,
  AcPreferenceOptions, AcUserInfo, AcApplicationAccess, AcPasswordHistory, AcCountries, AcPlatformApplication, AcSite, AcSites,
];
