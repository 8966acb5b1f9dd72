// Table types: Metrics: the broker's balance sheets and their lines (0033_metrics).
// They mirror src/db/migrations; change both together.
import type { Generated } from 'kysely';
import type { CreatedAt } from './columns.js';

/** A row of a balance sheet: the balance of the accounts `selector` names, at `rank` in `report`. */
export interface BalanceLinesTable {
  id: Generated<number>;
  report: string;
  title: string;
  /** Matched against account names ignoring case (a part of a name selects every account containing it). */
  selector: Generated<string>;
  rank: number;
  created_at: CreatedAt;
}

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface MetricsTables {
  balance_lines: BalanceLinesTable;
}
