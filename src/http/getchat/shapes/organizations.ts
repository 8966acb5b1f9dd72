// Organizations, roles and accesses as get.chat shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { GetChatAccess, GetChatAccessUser, GetChatOrganization, GetChatRole } from '../schemas/organizations.js';
import type { GetChatUser } from '../schemas/users.js';

/** The columns of an organization this shape reads. */
export interface OrganizationFields {
  id: number;
  created_at: Date;
  updated_at: Date;
  full_name: string;
  stack_quota: number | null;
  webhook_url: string | null;
  partner_id: number | null;
}

export function organizationJson(org: OrganizationFields): Static<typeof GetChatOrganization> {
  return {
    id: org.id,
    created_at: org.created_at.toISOString(),
    modified_at: org.updated_at.toISOString(),
    name: org.full_name,
    stack_quota: org.stack_quota,
    webhook_url: org.webhook_url,
    partner_id: org.partner_id,
  };
}

export interface RoleFields {
  id: number;
  created_at: Date;
  name: string;
  description: string;
}

export function roleJson(role: RoleFields): Static<typeof GetChatRole> {
  const at = role.created_at.toISOString();
  return { id: role.id, created_at: at, modified_at: at, name: role.name, description: role.description };
}

export interface AccessUserFields {
  id: number;
  created_at: Date;
  modified_at: Date;
  email: string | null;
  is_email_verified: boolean;
  organization_quota: number | null;
}

export interface AccessFields {
  id: number;
  created_at: Date;
  modified_at: Date;
  type: 'DIRECT' | 'INVITED';
  user_id: number;
  organization_id: number;
  role_id: number;
  user: AccessUserFields;
  role: RoleFields;
}

function accessUserJson(user: AccessUserFields): Static<typeof GetChatAccessUser> {
  return {
    id: user.id,
    created_at: user.created_at.toISOString(),
    modified_at: user.modified_at.toISOString(),
    email: user.email,
    is_email_verified: user.is_email_verified,
  };
}

export function accessJson(access: AccessFields): Static<typeof GetChatAccess> {
  return {
    id: access.id,
    created_at: access.created_at.toISOString(),
    modified_at: access.modified_at.toISOString(),
    type: access.type,
    user_id: access.user_id,
    organization_id: access.organization_id,
    role_id: access.role_id,
    user: accessUserJson(access.user),
    role: roleJson(access.role),
  };
}

/** An access's user as the users list (U5) shows it: get.chat's User. */
export function accessAsUserJson(access: AccessFields): Static<typeof GetChatUser> {
  return { ...accessUserJson(access.user), email: access.user.email ?? '', organization_quota: access.user.organization_quota };
}
