// Deleting old rows of a large table a slice at a time: one statement over millions of rows
// would hold its locks and bloat the write-ahead log for as long as it runs, and a crash in
// the middle would undo all of it. Each slice commits on its own; the next run goes on.
import { sql, type RawBuilder, type SqlBool } from 'kysely';
import type { Db } from '../db/database.js';

/** Rows one statement deletes at most. */
export const DELETE_BATCH = 5000;

/**
 * Runs `deleteSlice(limit)` (which deletes at most `limit` rows and says how many) until a
 * slice comes back short. Returns the total deleted.
 */
export async function deleteInBatches(deleteSlice: (limit: number) => Promise<number>, limit = DELETE_BATCH): Promise<number> {
  let total = 0;
  for (;;) {
    const deleted = await deleteSlice(limit);
    total += deleted;
    if (deleted < limit) return total;
  }
}

/** Tables pruned by age, each with an `id` key and an indexed date column. */
export type PrunedTable = 'webhook_deliveries' | 'security_events' | 'one_time_tokens' | 'idempotency_keys';

/**
 * Deletes, oldest first and a slice at a time, the rows of `table` whose `column` is before
 * `before` (and that match `also`, when given). The condition is checked again on each row
 * deleted: after a concurrent update PostgreSQL re-checks only `id in (...)`, so a row taken
 * up again meanwhile (an idempotency key reused, a webhook delivery re-sent) would otherwise
 * be deleted under its new use.
 */
export function deleteOlderThan(db: Db, table: PrunedTable, column: string, before: Date, also?: RawBuilder<SqlBool>): Promise<number> {
  const matches = sql<SqlBool>`${sql.ref(column)} < ${before}${also ? sql` and ${also}` : sql``}`;
  return deleteInBatches(async (limit) => {
    const result = await sql`delete from ${sql.table(table)} where id in (
        select id from ${sql.table(table)} where ${matches} order by ${sql.ref(column)} limit ${limit}
      ) and ${matches}`.execute(db);
    return Number(result.numAffectedRows ?? 0);
  });
}
