// When each user first and last used each application (Accountcentral's "first and last
// access for all apps used" and the customers' access reports). Recorded where the service
// lets a user into an application: an access token its OAuth2 server issues to a client
// for the user (the client's id), and an ID token a partner issues for one of its
// customers' applications (the package's type, with the customer).
import { sql } from 'kysely';
import type { Db } from '../../db/database.js';

export interface ApplicationAccess {
  application: string;
  organizationId: number | null;
  firstAccessAt: Date;
  lastAccessAt: Date;
}

/**
 * Records one access. One statement against the unique key (user, application, customer):
 * two first accesses at once make one row, and an access older than the one recorded (a
 * slow request finishing late) moves neither date the wrong way.
 */
export async function recordApplicationAccess(
  db: Db,
  access: { userId: number; application: string; organizationId: number | null },
  now: Date,
): Promise<void> {
  await sql`
    insert into user_application_accesses (user_id, application, organization_id, first_access_at, last_access_at)
    values (${access.userId}, ${access.application}, ${access.organizationId}, ${now}, ${now})
    on conflict (user_id, application, coalesce(organization_id, 0)) do update set
      first_access_at = least(user_application_accesses.first_access_at, excluded.first_access_at),
      last_access_at = greatest(user_application_accesses.last_access_at, excluded.last_access_at)
  `.execute(db);
}

/** Every access recorded for a user, most recent first. */
export async function applicationAccessesOf(db: Db, userId: number): Promise<ApplicationAccess[]> {
  const rows = await db.selectFrom('user_application_accesses')
    .select(['application', 'organization_id', 'first_access_at', 'last_access_at'])
    .where('user_id', '=', userId).orderBy('last_access_at', 'desc').orderBy('id', 'desc').execute();
  return rows.map((row) => ({
    application: row.application,
    organizationId: row.organization_id === null ? null : Number(row.organization_id),
    firstAccessAt: row.first_access_at,
    lastAccessAt: row.last_access_at,
  }));
}
