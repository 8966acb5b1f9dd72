// Accountcentral's team administration: roles per application, capabilities and their history, first and last access per application.
import { sql, type Kysely } from 'kysely';

const up: string[] = [];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
