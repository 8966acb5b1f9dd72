// Users as get.chat shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { GetChatUser } from '../schemas/users.js';

/** The columns of a user row this shape reads. */
export interface UserFields {
  id: number;
  created_at: Date;
  updated_at: Date;
  email: string | null;
  email_verified_at: Date | null;
  organization_quota: number | null;
}

export function userJson(user: UserFields): Static<typeof GetChatUser> {
  return {
    id: user.id,
    created_at: user.created_at.toISOString(),
    modified_at: user.updated_at.toISOString(),
    email: user.email ?? '',
    is_email_verified: user.email_verified_at !== null,
    organization_quota: user.organization_quota,
  };
}
