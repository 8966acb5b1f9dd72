// Roles, role descriptions, accessibles and domains as the native API shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { Config } from '../../../config.js';
import { roleState, type RoleView } from '../../../core/memberships/role-views.js';
import type { DescriptionView } from '../../../core/memberships/role-descriptions.js';
import type { DomainView } from '../../../core/memberships/domains.js';
import type { BlockView } from '../../../core/memberships/join-request-blocks.js';
import { printableName } from '../../../core/identity/users.js';
import type { Accessible, BlockedRequester, Domain, Role, RoleDescription, RoleDescriptionWithRoles } from '../schemas/roles.js';
import { iso, isoOrNull, orNull } from './common.js';
import { organizationJson } from './organizations.js';
import { userJson } from './users.js';

export function roleDescriptionJson(d: RoleView['description'], org: RoleView['organization'] | null): Static<typeof RoleDescription> {
  return {
    created_at: iso(d.created_at), slug: d.slug, title: d.title, skip_optin_on_grant: d.skip_optin_on_grant,
    implicit_create_on_none: d.implicit_create_on_none, is_global: d.organization_id === null,
    organization: d.organization_id === null || !org ? null : organizationJson(org), extra: orNull(d.extra),
  };
}

export function roleJson(config: Config, r: RoleView): Static<typeof Role> {
  const org = encodeURIComponent(r.organization.slug);
  return {
    created_at: iso(r.created_at),
    user: userJson(r.user),
    organization: organizationJson(r.organization),
    role_description: roleDescriptionJson(r.description, r.organization),
    request_key: r.request_key,
    grant_key: null,
    state: roleState(r),
    accept_request_api_url: r.request_key ? `${config.baseUrl}/api/profile/${org}/roles/accept/${r.request_key}/` : null,
    remove_api_url: `${config.baseUrl}/api/profile/${org}/roles/${r.description.slug}/${encodeURIComponent(r.user.slug)}/`,
  };
}

export function roleDescriptionWithRolesJson(v: DescriptionView): Static<typeof RoleDescriptionWithRoles> {
  return {
    ...roleDescriptionJson(v.description, v.organization),
    roles: v.roles.map((r) => ({
      created_at: iso(r.created_at), user: userJson(r.user), request_key: r.request_key, grant_key: null, state: roleState(r),
    })),
  };
}

export function accessibleJson(config: Config, userSlug: string, r: RoleView): Static<typeof Accessible> {
  const org = encodeURIComponent(r.organization.slug);
  return {
    slug: r.organization.slug,
    printable_name: printableName(r.organization),
    full_name: r.organization.full_name,
    email: orNull(r.organization.email),
    organization: organizationJson(r.organization),
    created_at: iso(r.created_at),
    request_key: r.request_key,
    grant_key: null,
    state: roleState(r),
    role_description: roleDescriptionJson(r.description, r.organization),
    home_url: `${config.baseUrl}/app/${org}/`,
    settings_url: `${config.baseUrl}/profile/${org}/contact/`,
    accept_grant_api_url: null,
    remove_api_url: `${config.baseUrl}/api/users/${encodeURIComponent(userSlug)}/accessibles/${r.description.slug}/${org}/`,
  };
}

export function blockedRequesterJson(b: BlockView): Static<typeof BlockedRequester> {
  return {
    user: { slug: b.user.slug, username: b.user.slug, printable_name: printableName(b.user), picture: orNull(b.user.picture) },
    blocked_by: b.blocked_by, created_at: iso(b.created_at),
  };
}

export function domainJson(d: DomainView): Static<typeof Domain> {
  return { ...d, created_at: iso(d.created_at), verified_at: isoOrNull(d.verified_at) };
}
