// Renewals: what the daily run needs to act once per moment (renewal attempts, notices sent).
import { sql, type Kysely } from 'kysely';

const up: string[] = [
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
