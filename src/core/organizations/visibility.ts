// Which organizations and users a caller may see, as SQL fragments the lists filter by.
// One definition, so the profile list, the auto-completion search and the per-user list
// can never disagree.
import { sql, type RawBuilder } from 'kysely';

/** An accepted role: neither a pending invitation nor a pending request. */
export const ACCEPTED = sql`r.grant_key_hash is null and r.request_key is null`;

/**
 * Ids of the organizations a user may see: those where they hold an accepted role, and
 * every customer below an organization they manage, at any depth.
 */
export function visibleOrganizationIds(userId: number): RawBuilder<number> {
  return sql<number>`(
    with recursive managed (id, depth) as (
      select r.organization_id, 0 from roles r
        join role_descriptions rd on rd.id = r.role_description_id
       where r.user_id = ${userId} and rd.slug = 'manager' and ${ACCEPTED}
      union all
      select o.id, m.depth + 1 from organizations o join managed m on o.partner_id = m.id
       where m.depth < 32
    )
    select id from managed
    union
    select r.organization_id from roles r where r.user_id = ${userId} and ${ACCEPTED}
  )`;
}

/** Ids of the users a user may see: themselves and everyone with a role where they can see. */
export function visibleUserIds(userId: number): RawBuilder<number> {
  return sql<number>`(
    select ${userId}::bigint
    union
    select r.user_id from roles r where r.organization_id in ${visibleOrganizationIds(userId)}
  )`;
}

/** Customers below an organization: direct ones, or every level with `all`. */
export function customerIds(organizationId: number, all: boolean): RawBuilder<number> {
  if (!all) return sql<number>`(select id from organizations where partner_id = ${organizationId})`;
  return sql<number>`(
    with recursive below (id, depth) as (
      select id, 1 from organizations where partner_id = ${organizationId}
      union all
      select o.id, b.depth + 1 from organizations o join below b on o.partner_id = b.id
       where b.depth < 32
    )
    select id from below
  )`;
}
