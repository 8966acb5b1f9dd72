// Every committed write to a table the read caches hold NOTIFYs the other service nodes
// (src/db/change-feed.ts). Statement-level, so a bulk update sends one notification.
import { sql, type Kysely } from 'kysely';

const TABLES = ['users', 'roles', 'organizations', 'role_descriptions'];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  await sql.raw(`create or replace function account_portal_notify_change() returns trigger
    language plpgsql as $$
    begin
      perform pg_notify('account_portal_changes', tg_table_name);
      return null;
    end $$`).execute(db);
  for (const table of TABLES) {
    await sql.raw(`create trigger ${table}_notify_change after insert or update or delete or truncate on ${table}
      for each statement execute function account_portal_notify_change()`).execute(db);
  }
}
