// Legal agreements: documents, their versions, and who signed which version when.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
