// Deployments lane (issue 9): what a deployment request carried beyond its operation (a
// stack's subdomain change redeploys its applications once the stack is done), and one
// package routing per package and parameters (the proxy must find exactly one application).
import { sql, type Kysely } from 'kysely';

const up = [
  `alter table deployments add column detail jsonb`,
  `create unique index package_routings_params_idx on package_routings (package_uuid, params) where deleted_at is null`,
  `create unique index package_routings_one_per_application_idx on package_routings (application_id) where deleted_at is null`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
