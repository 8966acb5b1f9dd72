// Whether the service's database answers, for the readiness probe: surfaces ask the core,
// never the database module, so `http/` keeps away from `db/`.
import type { Core } from './context.js';
import { isReachable } from '../db/database.js';

export function databaseReachable(core: Core): Promise<boolean> {
  return isReachable(core.db);
}
