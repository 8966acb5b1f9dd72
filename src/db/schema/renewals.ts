// Table types: Renewals: the daily run, renewal attempts and the notices sent (0032_renewals).
// They mirror src/db/migrations; change both together.

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface RenewalsTables {
}
