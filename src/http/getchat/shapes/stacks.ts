// Stacks as get.chat shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { GetChatStack } from '../schemas/stacks.js';

/** The columns of a stack row this shape reads. */
export interface StackFields {
  id: number;
  created_at: Date;
  modified_at: Date;
  name: string;
  subdomain: string;
  application_quota: number | null;
  user_status: string;
  is_deployed: boolean;
  is_locked: boolean;
  partner_meta: unknown;
  error: unknown;
  organization_id: number;
  deleted_at: Date | null;
}

export function objectOrNull(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

export function stackJson(stack: StackFields): Static<typeof GetChatStack> {
  return {
    id: stack.id,
    created_at: stack.created_at.toISOString(),
    modified_at: stack.modified_at.toISOString(),
    name: stack.name,
    subdomain: stack.subdomain,
    application_quota: stack.application_quota,
    user_status: stack.user_status,
    is_deployed: stack.is_deployed,
    is_locked: stack.is_locked,
    partner_meta: objectOrNull(stack.partner_meta) ?? {},
    error: objectOrNull(stack.error) as Static<typeof GetChatStack>['error'],
    organization_id: stack.organization_id,
    deleted_at: stack.deleted_at ? stack.deleted_at.toISOString() : null,
  };
}
