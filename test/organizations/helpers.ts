// Setup shortcuts for the organization tests: roles are inserted straight into the
// database so each test controls exactly who holds what.
import type { TestService } from '../support/service.js';

export async function grant(s: TestService, orgSlug: string, userId: number, role: 'manager' | 'contributor', pending = false): Promise<void> {
  const db = s.core.db;
  const org = await db.selectFrom('organizations').select('id').where('slug', '=', orgSlug).executeTakeFirstOrThrow();
  const description = await db.selectFrom('role_descriptions').select('id')
    .where('organization_id', 'is', null).where('slug', '=', role).executeTakeFirstOrThrow();
  await db.insertInto('roles').values({
    organization_id: org.id, user_id: userId, role_description_id: description.id,
    grant_key_hash: pending ? `pending-${orgSlug}-${userId}` : null,
    accepted_at: pending ? null : new Date(),
  }).execute();
}

export async function rolesOn(s: TestService, orgId: number): Promise<number> {
  const row = await s.core.db.selectFrom('roles').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('organization_id', '=', orgId).executeTakeFirstOrThrow();
  return Number(row.n);
}

export function name(prefix: string): string {
  return `${prefix} ${Math.random().toString(36).slice(2, 8)}`;
}
