// Metrics: the broker's balance sheets and their editable lines, and the ledger's indexes for the reports.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
