// Sessions: each login (or activation, reset, password change) opens one; every token names
// it, so logout, "log out everywhere", a password change, suspension and deletion end the
// tokens they should. The read cache holds session state, so writes NOTIFY like 0003's tables.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table sessions (
    id text primary key,
    user_id bigint not null references users (id) on delete cascade,
    method text not null,
    ip text,
    user_agent text,
    created_at timestamptz not null,
    refreshed_at timestamptz not null,
    ended_at timestamptz,
    end_reason text
  )`,
  `create index sessions_open_by_user on sessions (user_id) where ended_at is null`,
  `create trigger sessions_notify_change after insert or update or delete or truncate on sessions
    for each statement execute function account_portal_notify_change()`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
