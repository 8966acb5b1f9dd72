// Table types: Legal agreements: documents, their versions and signatures (0034_legal).
// They mirror src/db/migrations; change both together.

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface LegalTables {
}
