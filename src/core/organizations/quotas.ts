// Quotas set from above an organization (the broker's managers or a partner's): how many
// customers it may have below it, at any depth, and how many members (seats). null means
// no limit. Counting the whole tree below is what keeps a partner from lifting its own
// quota: it may set its customers' quotas, but their customers count against its own too.
import { sql } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import type { Db } from '../../db/database.js';
import { Forbidden } from '../errors.js';
import { authorizeOrganization } from '../access/policy.js';
import { recordOrganizationEvent } from './events.js';
import { findOrganization, requireUser } from './profiles.js';
import { customerIds, isAmong } from './visibility.js';

export interface Quotas {
  customer_quota: number | null;
  seat_quota: number | null;
}

export async function getQuotas(core: Core, caller: Caller, ref: Ref): Promise<Quotas & { customers: number; seats: number }> {
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.read', organization);
  return {
    customer_quota: organization.customer_quota,
    seat_quota: organization.seat_quota,
    customers: await customersBelow(core.db, organization.id),
    seats: await seatsUsed(core.db, organization.id),
  };
}

export async function setQuotas(core: Core, caller: Caller, ref: Ref, quotas: Quotas): Promise<Quotas & { customers: number; seats: number }> {
  const user = requireUser(caller);
  const organization = await findOrganization(core.db, ref);
  await authorizeOrganization(core, caller, 'organization.quota', organization);
  const now = core.now();
  await core.transact(async (tx) => {
    await tx.updateTable('organizations').set({ ...quotas, updated_at: now }).where('id', '=', organization.id).execute();
    await recordOrganizationEvent(tx, {
      organizationId: organization.id, type: 'quota_changed', actorId: user.userId, now,
      detail: { before: { customer_quota: organization.customer_quota, seat_quota: organization.seat_quota }, after: { ...quotas } },
    });
  });
  return getQuotas(core, caller, { id: organization.id });
}

/** Organizations below `organizationId` at any depth, closed ones aside: what customer_quota counts. */
async function customersBelow(db: Db, organizationId: number): Promise<number> {
  const row = await db.selectFrom('organizations').select((eb) => eb.fn.countAll<number>().as('n'))
    .where(isAmong('organizations.id', customerIds(organizationId, true)))
    .where('status', '<>', 'closed').executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Call inside the transaction that creates a customer below `partnerId`, before inserting
 * it: every organization from the partner up to the root whose customer_quota is set must
 * have room for one more below it. Those rows are locked (in id order, so two creations in
 * one tree wait for each other instead of deadlocking), so racing creations cannot both
 * take the last slot.
 */
export async function assertCustomerQuota(tx: Db, partnerId: number): Promise<void> {
  const chain = await sql<{ id: number; customer_quota: number | null }>`
    with recursive up (id, partner_id, path) as (
      select id, partner_id, array[id] from organizations where id = ${partnerId}
      union all
      select o.id, o.partner_id, up.path || o.id from organizations o join up on o.id = up.partner_id
       where not o.id = any(up.path)
    )
    select o.id, o.customer_quota from organizations o where o.id in (select id from up)
     order by o.id for update of o`.execute(tx);
  for (const org of chain.rows) {
    if (org.customer_quota !== null && (await customersBelow(tx, org.id)) >= org.customer_quota) {
      throw new Forbidden(`Quota exceeded: customer_quota (${org.customer_quota}).`, 'quota.customers_exceeded');
    }
  }
}

/**
 * Distinct users holding a role on the organization, accepted or invited. A pending request
 * is a stranger's wish, not a seat: it takes one only when a manager accepts it.
 */
async function seatsUsed(db: Db, organizationId: number): Promise<number> {
  const row = await db.selectFrom('roles').select((eb) => eb.fn.count<number>('user_id').distinct().as('n'))
    .where('organization_id', '=', organizationId).where('request_key', 'is', null).executeTakeFirstOrThrow();
  return Number(row.n);
}

/**
 * Call inside the transaction that gives someone a new role on the organization, before
 * inserting it: locks the organization row, so two grants racing for the last seat are
 * serialized and the second one is refused.
 */
export async function assertSeatAvailable(tx: Db, organizationId: number, userId?: number): Promise<void> {
  const row = await tx.selectFrom('organizations').select('seat_quota')
    .where('id', '=', organizationId).forUpdate().executeTakeFirst();
  if (!row || row.seat_quota === null) return;
  if (userId !== undefined) {
    // Someone who already holds a role there takes no new seat.
    const holds = await tx.selectFrom('roles').select('id').where('request_key', 'is', null)
      .where('organization_id', '=', organizationId).where('user_id', '=', userId).executeTakeFirst();
    if (holds) return;
  }
  if ((await seatsUsed(tx, organizationId)) >= row.seat_quota) {
    throw new Forbidden(`Quota exceeded: seat_quota (${row.seat_quota}).`, 'quota.seats_exceeded');
  }
}
