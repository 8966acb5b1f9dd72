// Accountcentral's team administration: roles per application, capabilities and their history, first and last access per application.
// A user holds at most one role in each platform application (Accountcentral's "Assign roles"
// takes one string per application). A capability grants a role on a resource of an
// application's capabilities schema (`resource` is its path, such as ["customers", "42"]):
// revoking keeps the row (revoked_at), and every grant and revocation is a row of the log,
// with who did it and when.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  `create table user_application_roles (
    user_id bigint not null references users(id),
    application text not null,
    role text not null,
    assigned_by bigint references users(id),
    assigned_at timestamptz not null,
    primary key (user_id, application)
  )`,
  `create table user_capabilities (
    id bigserial primary key,
    user_id bigint not null references users(id),
    application text not null,
    version integer not null check (version >= 1),
    resource jsonb not null,
    role text not null,
    organization_id bigint references organizations(id),
    granted_by bigint references users(id),
    granted_at timestamptz not null,
    revoked_by bigint references users(id),
    revoked_at timestamptz
  )`,
  // One capability in force per user, application and resource: granting another role on the
  // same resource replaces it (the old one is revoked), so a role per resource is never ambiguous.
  `create unique index user_capabilities_in_force on user_capabilities (user_id, application, resource) where revoked_at is null`,
  `create table user_capability_log (
    id bigserial primary key,
    user_id bigint not null references users(id),
    capability_id bigint not null references user_capabilities(id),
    action text not null check (action in ('GRANTED', 'REVOKED')),
    actor_id bigint references users(id),
    created_at timestamptz not null
  )`,
  `create index user_capability_log_user on user_capability_log (user_id, id)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
