// The read caches are invalidated per row: the statement-level triggers of 0003 and 0004
// said only which table changed, so every node emptied its whole cache on any write. The
// triggers below name the rows (src/db/change-feed.ts, which holds the one list of watched
// tables and the trigger's SQL).
import { sql, type Kysely } from 'kysely';
import { NOTIFY_ROWS_FUNCTION, watchTableStatements, type WatchedTable } from '../change-feed.js';

const OLD_TABLES = ['users', 'sessions', 'roles', 'organizations', 'role_descriptions'];
/** The tables watched when this migration was written; later ones get their triggers in their own migration (0029). */
const TABLES_0011: WatchedTable[] = ['users', 'sessions', 'roles', 'organizations', 'role_descriptions'];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const table of OLD_TABLES) await sql.raw(`drop trigger if exists ${table}_notify_change on ${table}`).execute(db);
  await sql.raw('drop function if exists account_portal_notify_change()').execute(db);
  await sql.raw(NOTIFY_ROWS_FUNCTION).execute(db);
  for (const table of TABLES_0011) {
    for (const statement of watchTableStatements(table)) await sql.raw(statement).execute(db);
  }
}
