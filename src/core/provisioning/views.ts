// Stacks and applications as rows, and as the `data` of their webhook events (the seed's
// event samples: the whole object, with `status`, `locked` and `platform_meta`).
import type { Selectable } from 'kysely';
import type { ApplicationsTable, PackagesTable, StacksTable } from '../../db/schema.js';

export type StackRow = Selectable<StacksTable>;
export type ApplicationRow = Selectable<ApplicationsTable>;
export type PackageRow = Selectable<PackagesTable>;

/** An application with the package it installs and the organization its stack belongs to. */
export type Application = ApplicationRow & {
  organization_id: number;
  package: Pick<PackageRow, 'id' | 'uuid' | 'name' | 'type' | 'created_at' | 'modified_at'>;
};

/** user_status values: REQUESTED while a deployment is under way, then READY or FAILED; DELETED once destroyed. */
export type UserStatus = 'REQUESTED' | 'READY' | 'FAILED' | 'DELETED';

/** A JSON column read back: an object, or null for anything else. */
export function objectOf(value: unknown): Record<string, unknown> | null {
  if (typeof value === 'string') {
    try { return objectOf(JSON.parse(value)); } catch { return null; }
  }
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

export function stackEventData(stack: StackRow): Record<string, unknown> {
  return {
    id: stack.id,
    created_at: stack.created_at.toISOString(),
    modified_at: stack.modified_at.toISOString(),
    name: stack.name,
    subdomain: stack.subdomain,
    application_quota: stack.application_quota,
    organization_id: stack.organization_id,
    is_deployed: stack.is_deployed,
    is_locked: stack.is_locked,
    locked: null,
    platform_meta: objectOf(stack.platform_meta),
    partner_meta: objectOf(stack.partner_meta) ?? {},
    error: objectOf(stack.error),
    status: stack.status,
    user_status: stack.user_status,
  };
}

export function applicationEventData(application: ApplicationRow): Record<string, unknown> {
  return {
    id: application.id,
    uuid: application.uuid,
    created_at: application.created_at.toISOString(),
    modified_at: application.modified_at.toISOString(),
    domain: application.domain,
    package_id: application.package_id,
    stack_id: application.stack_id,
    is_deployed: application.is_deployed,
    is_locked: application.is_locked,
    locked: null,
    platform_meta: objectOf(application.platform_meta),
    partner_meta: objectOf(application.partner_meta) ?? {},
    error: objectOf(application.error),
    status: application.status,
    user_status: application.user_status,
  };
}
