// A role the member did not accept themselves: granted by the broker's managers without the
// opt-in, or implicitly from the e-mail domain. It gives the member powers on the
// organization, but not the organization's managers a view of the member's personal data
// (docs/security.md, "Relations, powers and consent").
import { sql, type Kysely } from 'kysely';

export async function migrate(db: Kysely<unknown>): Promise<void> {
  await sql`alter table roles add column granted_without_consent boolean not null default false`.execute(db);
  // Roles made before this column by a skip-opt-in or implicit description were never
  // accepted by their holder: mark those whose acceptance is the grant itself.
  await sql`update roles r set granted_without_consent = true
     from role_descriptions rd
    where rd.id = r.role_description_id
      and (rd.skip_optin_on_grant or rd.implicit_create_on_none)
      and r.grant_key_hash is null and r.request_key is null
      and r.accepted_at = r.created_at
      and (r.created_by is null or r.created_by <> r.user_id)`.execute(db);
}
