// Accounts a customer owns (Accountcentral's team users). A user made by a customer's manager
// (Accountcentral's "Create user associated with customer", an EmbedThis account's initial
// user) belongs to that customer: its `creationGroupPk`. The customer's managers, and the
// partners above it, administer such accounts (suspend, reset a password or a PIN, unlock,
// second factor); an account someone made for themselves is only ever theirs and the
// broker's to administer, whatever organizations it joins. `user_type` tells a person who
// logs in from an application's credentials. Also: when each user first and last used each
// application (Accountcentral's access reports).
import { sql, type Kysely } from 'kysely';

const up = [
  `alter table users add column home_organization_id bigint references organizations(id)`,
  `alter table users add column user_type text not null default 'interactive' check (user_type in ('interactive', 'application'))`,
  `create index users_home_organization on users (home_organization_id) where home_organization_id is not null`,
  // When a user first and last used each application (an OAuth2 client, or a platform
  // application by its code), and for which customer when the application says.
  `create table user_application_accesses (
    id bigserial primary key,
    user_id bigint not null references users(id),
    application text not null,
    organization_id bigint references organizations(id),
    first_access_at timestamptz not null,
    last_access_at timestamptz not null
  )`,
  `create unique index user_application_accesses_key on user_application_accesses (user_id, application, coalesce(organization_id, 0))`,
  `create index user_application_accesses_organization on user_application_accesses (organization_id, application)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
