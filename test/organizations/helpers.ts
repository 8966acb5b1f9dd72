// Setup shortcuts for the organization tests: roles are inserted straight into the
// database so each test controls exactly who holds what.
import type { TestService } from '../support/service.js';
import { grantRole } from '../support/fixtures.js';

export async function grant(s: TestService, orgSlug: string, userId: number, role: 'manager' | 'contributor', pending = false): Promise<void> {
  const org = await s.core.db.selectFrom('organizations').select(['id', 'slug']).where('slug', '=', orgSlug).executeTakeFirstOrThrow();
  await grantRole(s, org, userId, role, pending);
}

export async function rolesOn(s: TestService, orgId: number): Promise<number> {
  const row = await s.core.db.selectFrom('roles').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export function name(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}
