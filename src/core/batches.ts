// Deleting old rows of a large table a slice at a time: one statement over millions of rows
// would hold its locks and bloat the write-ahead log for as long as it runs, and a crash in
// the middle would undo all of it. Each slice commits on its own; the next run goes on.

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
