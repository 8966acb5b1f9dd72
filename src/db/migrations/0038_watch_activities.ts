// activities NOTIFY their changed rows like the other cached tables (src/db/change-feed.ts):
// a profile read by the broker's managers carries the user's activities, and that read now
// comes from the read cache, emptied on every node when a note is added or changed.
import { sql, type Kysely } from 'kysely';
import { watchTableStatements } from '../change-feed.js';

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of watchTableStatements('activities')) await sql.raw(statement).execute(db);
}
