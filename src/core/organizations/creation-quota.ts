// get.chat's organization_quota: how many organizations a user may create. It counts the
// organizations of their own the user created (customers are bounded by their partner's
// customer_quota instead, billing profiles are one per user) that are not closed.
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';
import { Forbidden } from '../errors.js';

/**
 * Call inside the unit of work that creates an organization for `userId`, before the
 * insert: locks the user's row, so two creations racing for the last slot are serialized
 * and the second is refused.
 */
export async function assertOrganizationQuota(tx: Db, userId: number): Promise<void> {
  const user = await tx.selectFrom('users').select('organization_quota').where('id', '=', userId).forUpdate().executeTakeFirst();
  if (!user || user.organization_quota === null) return;
  const row = await tx.selectFrom('organizations').select(sql<number>`count(*)`.as('n'))
    .where('created_by', '=', userId).where('partner_id', 'is', null).where('type', '=', 'organization')
    .where('status', '<>', 'closed').executeTakeFirstOrThrow();
  if (Number(row.n) >= user.organization_quota) {
    throw new Forbidden(`Quota exceeded: organization_quota (${user.organization_quota}).`, 'quota.organizations_exceeded');
  }
}
