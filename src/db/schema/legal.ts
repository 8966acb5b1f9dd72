// Table types: Legal agreements: documents, their versions and signatures (0034_legal).
// They mirror src/db/migrations; change both together.
import type { Generated } from 'kysely';
import type { Timestamp } from './columns.js';

/** A document users are asked to sign (terms of use...), named by its slug. */
export interface LegalAgreementsTable {
  id: Generated<number>;
  slug: string;
  title: string;
  /** The broker's setting: checkout is refused until the current version is signed. */
  required_at_checkout: Generated<boolean>;
  created_at: Timestamp;
}

/** One published text of an agreement; the newest (highest `version`) is the current one. */
export interface LegalAgreementVersionsTable {
  id: Generated<number>;
  agreement_id: number;
  version: number;
  text: string;
  published_at: Timestamp;
  published_by: number | null;
}

/** A user's signature of one version; signing it again moves `signed_at`. */
export interface LegalSignaturesTable {
  id: Generated<number>;
  user_id: number;
  version_id: number;
  signed_at: Timestamp;
}

/** The tables of this area, merged into Database (src/db/schema.ts). */
export interface LegalTables {
  legal_agreements: LegalAgreementsTable;
  legal_agreement_versions: LegalAgreementVersionsTable;
  legal_signatures: LegalSignaturesTable;
}
