// Applications as get.chat shows them. Settings are never shown: they hold secrets.
import type { Static } from '@fastify/type-provider-typebox';
import type { GetChatApplication, GetChatApplicationWithPackage, GetChatPackageSummary } from '../schemas/applications.js';
import { objectOrNull } from './stacks.js';

/** The columns of an application (with its package) this shape reads. */
export interface ApplicationFields {
  id: number;
  uuid: string;
  created_at: Date;
  modified_at: Date;
  user_status: string;
  domain: string | null;
  is_deployed: boolean;
  is_locked: boolean;
  partner_meta: unknown;
  error: unknown;
  package_id: number;
  stack_id: number;
  deleted_at: Date | null;
  package: { id: number; name: string; type: string; created_at: Date; modified_at: Date };
}

export function applicationJson(application: ApplicationFields): Static<typeof GetChatApplication> {
  return {
    id: application.id,
    uuid: application.uuid,
    created_at: application.created_at.toISOString(),
    modified_at: application.modified_at.toISOString(),
    user_status: application.user_status,
    domain: application.domain,
    is_deployed: application.is_deployed,
    is_locked: application.is_locked,
    partner_meta: objectOrNull(application.partner_meta) ?? {},
    error: objectOrNull(application.error) as Static<typeof GetChatApplication>['error'],
    package_id: application.package_id,
    stack_id: application.stack_id,
    deleted_at: application.deleted_at ? application.deleted_at.toISOString() : null,
  };
}

export function packageSummaryJson(pkg: ApplicationFields['package']): Static<typeof GetChatPackageSummary> {
  return { id: pkg.id, created_at: pkg.created_at.toISOString(), modified_at: pkg.modified_at.toISOString(), name: pkg.name, type: pkg.type };
}

export function applicationWithPackageJson(application: ApplicationFields): Static<typeof GetChatApplicationWithPackage> {
  return { ...applicationJson(application), package: packageSummaryJson(application.package) };
}
