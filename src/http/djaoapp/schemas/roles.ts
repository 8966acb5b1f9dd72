// Roles, role descriptions, what a user can access, and organizations' e-mail domains.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, ref } from './common.js';
import { Organization } from './organizations.js';
import { User } from './users.js';

const State = Type.Union([Type.Literal('accepted'), Type.Literal('invited'), Type.Literal('requested')], {
  description: 'accepted: the role is active; invited: granted, waiting for the grantee to accept with the mailed key; requested: asked by the user, waiting for a manager.',
});
const GrantKey = Nullable(Type.String({
  description: 'Always null: invitation keys are only ever mailed to the grantee (we keep a hash). See `state`.',
}));
const RequestKey = Nullable(Type.String({ description: 'Key of a pending request, which managers accept or deny with; null otherwise.' }));

export const RoleSlug = Type.String({ minLength: 1, maxLength: 50, pattern: '^([\\w.@+-]+|\\*)$', description: 'Slug of a role description.' });

export const RoleDescription = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  slug: Type.String({ description: 'Unique identifier of the role on the organization, derived from the title.' }),
  title: Type.String({ description: 'Short description of the role.' }),
  skip_optin_on_grant: Type.Boolean({ description: 'A registered user granted this role has it at once, without accepting an invitation.' }),
  implicit_create_on_none: Type.Boolean({ description: 'The role is given automatically to users with a verified address at a domain the organization proved (see `/domains/`), who have no role on it and never left it.' }),
  is_global: Type.Boolean({ description: 'True for manager and contributor, which every organization shares and cannot change.' }),
  organization: Nullable(ref(Organization, 'The organization that defines the role; null for a global role.')),
  extra: Nullable(Type.String({ description: 'Extra metadata (can be stringified JSON).' })),
}, { $id: 'RoleDescription', description: 'A role users can take on an organization.' });

const RoleHolder = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  user: ref(User),
  request_key: RequestKey,
  grant_key: GrantKey,
  state: State,
}, { description: 'Someone holding, invited to, or asking for the role.' });

export const RoleDescriptionWithRoles = Type.Object({
  ...RoleDescription.properties,
  roles: Type.Array(RoleHolder, { description: 'Everyone holding (or invited to, or asking for) this role on the organization.' }),
}, { $id: 'RoleDescriptionWithRoles', description: 'A role description with everyone holding it.' });

export const Role = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  user: ref(User),
  organization: ref(Organization),
  role_description: ref(RoleDescription),
  request_key: RequestKey,
  grant_key: GrantKey,
  state: State,
  accept_request_api_url: Nullable(Type.String({ description: 'For a pending request: where managers POST to accept it (DELETE denies).' })),
  remove_api_url: Type.String({ description: 'Where to DELETE to revoke this role.' }),
}, { $id: 'Role', description: 'A role of a user on an organization (active, invited or requested).' });

export const Grant = Type.Object({
  slug: Type.String({ description: 'Username of the grantee, or the address invited by e-mail.' }),
  ...Role.properties,
}, { $id: 'Grant', description: 'The role just granted, or the invitation just made.' });

export const Accessible = Type.Object({
  slug: Type.String({ description: 'Slug of the organization.' }),
  printable_name: Type.String({ description: 'Name of the organization to display.' }),
  full_name: Type.String(),
  email: Nullable(Type.String({ description: "The organization's e-mail address." })),
  organization: ref(Organization),
  created_at: Type.String({ format: 'date-time' }),
  request_key: Nullable(Type.String({ description: 'Key of the pending request, if the user asked for this role.' })),
  grant_key: Nullable(Type.String({ description: 'Always null: invitation keys are only mailed. See `state`.' })),
  state: State,
  role_description: ref(RoleDescription),
  home_url: Type.String({ description: "The organization's home page in the application." }),
  settings_url: Type.String({ description: "The organization's settings page." }),
  accept_grant_api_url: Nullable(Type.String({ description: 'Always null: accepting an invitation needs the key that was mailed.' })),
  remove_api_url: Type.String({ description: 'Where to DELETE to withdraw the request, decline the invitation, or leave the role.' }),
}, { $id: 'Accessible', description: 'An organization a user can access, with the role, invitation or request that connects them.' });

export const BlockedRequester = Type.Object({
  user: Type.Object({
    slug: Type.String(), username: Type.String(), printable_name: Type.String(), picture: Nullable(Type.String()),
  }),
  blocked_by: Nullable(Type.String({ description: 'Username of the manager who blocked them.' })),
  created_at: Type.String({ format: 'date-time' }),
}, { $id: 'BlockedRequester', description: 'A user whose requests to join notify nobody.' });

export const Domain = Type.Object({
  organization: Type.String({ description: 'Slug of the organization that claims the domain.' }),
  domain: Type.String({ description: 'The e-mail domain, lower case.' }),
  status: Type.Union([Type.Literal('pending'), Type.Literal('verified')], {
    description: 'verified: implicit roles enroll users with a verified address there; pending: waiting for the site\'s managers.',
  }),
  verified_how: Nullable(Type.Union([Type.Literal('broker')], {
    description: 'broker: the site\'s managers verified it (the only way today; a DNS challenge may follow).',
  })),
  requested_by: Nullable(Type.String({ description: 'Username of the manager who asked for it.' })),
  verified_by: Nullable(Type.String({ description: 'Username of whoever proved or approved it.' })),
  created_at: Type.String({ format: 'date-time' }),
  verified_at: Nullable(Type.String({ format: 'date-time' })),
}, { $id: 'Domain', description: 'An e-mail domain an organization claims.' });
