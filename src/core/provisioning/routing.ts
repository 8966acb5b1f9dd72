// Package routing (get.chat P1-P3): how the inbox router finds one application from a
// request's parameters (the HubSpot card's `portal_id`, say). An application has at most one
// routing, and one set of parameters of one package routes to at most one application (the
// unique indexes of migration 0022), so the router's answer is never ambiguous. The
// parameters are stored as given and as a canonical query string (sorted keys): the same
// parameters in another order are the same route.
import type { Caller, Core } from '../context.js';
import { Conflict, Invalid, NotFound, isUniqueViolation } from '../errors.js';
import { loadApplication } from './applications.js';
import { objectOf } from './views.js';

export interface PackageRouting {
  id: number;
  created_at: Date;
  modified_at: Date;
  package_uuid: string;
  package_type: string;
  url: string;
  source_params: Record<string, string>;
  params: string;
}

function canonical(params: Record<string, string>): string {
  const keys = Object.keys(params);
  if (keys.length === 0) throw new Invalid('params', 'Give at least one parameter to route by.');
  return new URLSearchParams(keys.sort().map((key) => [key, params[key]!])).toString();
}

function routingOf(row: {
  id: number; created_at: Date; modified_at: Date; package_uuid: string; package_type: string; url: string; source_params: unknown; params: string;
}): PackageRouting {
  const source = objectOf(row.source_params) ?? {};
  return { ...row, source_params: Object.fromEntries(Object.entries(source).map(([k, v]) => [k, String(v)])) };
}

const COLUMNS = ['id', 'created_at', 'modified_at', 'package_uuid', 'package_type', 'url', 'source_params', 'params'] as const;

function taken(): Conflict {
  return new Conflict('These parameters already route to an application of this package, or this application already has a routing (update it instead).');
}

/** P1: routes `params` to the application (its organization's deployers may). */
export async function createRouting(core: Core, caller: Caller, applicationId: number, params: Record<string, string>): Promise<PackageRouting> {
  const { application } = await loadApplication(core, caller, applicationId, 'organization.deployments.manage');
  const query = canonical(params);
  const now = core.now();
  try {
    const row = await core.db.insertInto('package_routings').values({
      application_id: application.id,
      package_uuid: application.package.uuid,
      package_type: application.package.type,
      url: `https://${application.domain ?? `${application.uuid}.${core.config.deployDomain}`}/`,
      source_params: JSON.stringify(params),
      params: query,
      created_at: now,
      modified_at: now,
    }).returning(COLUMNS).executeTakeFirstOrThrow();
    return routingOf(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}

/** P3: replaces the parameters of the application's routing. */
export async function updateRouting(core: Core, caller: Caller, applicationId: number, params: Record<string, string>): Promise<PackageRouting> {
  const { application } = await loadApplication(core, caller, applicationId, 'organization.deployments.manage');
  const query = canonical(params);
  try {
    const row = await core.db.updateTable('package_routings')
      .set({ source_params: JSON.stringify(params), params: query, modified_at: core.now() })
      .where('application_id', '=', application.id).where('deleted_at', 'is', null)
      .returning(COLUMNS).executeTakeFirst();
    if (!row) throw new NotFound('routing', 'This application has no package routing.');
    return routingOf(row);
  } catch (error) {
    if (isUniqueViolation(error)) throw taken();
    throw error;
  }
}

/** P2: removes the application's routing by its parameters (kept, marked deleted). */
export async function deleteRouting(core: Core, caller: Caller, applicationId: number, params: Record<string, string>): Promise<void> {
  const { application } = await loadApplication(core, caller, applicationId, 'organization.deployments.manage');
  const query = canonical(params);
  const row = await core.db.updateTable('package_routings').set({ deleted_at: core.now(), modified_at: core.now() })
    .where('application_id', '=', application.id).where('params', '=', query).where('deleted_at', 'is', null)
    .returning('id').executeTakeFirst();
  if (!row) throw new NotFound('routing', 'No package routing of this application has these parameters.');
}
