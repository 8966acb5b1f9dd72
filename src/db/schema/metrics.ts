// Table types: Metrics: the broker's balance sheets and their lines (0033_metrics).
// They mirror src/db/migrations; change both together.

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface MetricsTables {
}
