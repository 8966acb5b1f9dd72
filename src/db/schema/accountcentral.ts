// Table types: Accountcentral and EmbedThis: team accounts, DKIM, notices, account details (0025 onwards).
// They mirror src/db/migrations; change both together.
import type { JsonValue } from './provisioning.js';
import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt, DefaultTimestamp, Json } from './columns.js';

/** When a user first and last used an application, per customer when known (0025_team_accounts). */
export interface UserApplicationAccessesTable {
  id: Generated<number>;
  user_id: number;
  /** An OAuth2 client's id, or a platform application's code (`hub`, `send`). */
  application: string;
  organization_id: number | null;
  first_access_at: Timestamp;
  last_access_at: Timestamp;
}

/** A customer's DKIM signing key (0028_dkim); the private key sealed with SECRET_KEY. */
export interface DkimKeysTable {
  id: Generated<number>;
  organization_id: number;
  domain: string;
  selector: string;
  /** PEM (SPKI). */
  public_key: string;
  private_key_sealed: string;
  active: Generated<boolean>;
  is_default: Generated<boolean>;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

/** The platform's DKIM key: one row (id 1), when set. */
export interface PlatformDkimTable {
  id: Generated<number>;
  domain: string;
  selector: string;
  public_key: string;
  private_key_sealed: string;
  updated_by: number | null;
  updated_at: Timestamp;
}

/** A feedback loop: the signature an ESP registered with a recipient domain's FBL. */
export interface FblsTable {
  /** A UUID. */
  id: string;
  esp: string;
  recipient_domain: string;
  /** Header field names the FBL signature covers (JSON array of strings). */
  signable_headers: JsonValue;
  dkim_domain: string;
  dkim_selector: string;
  dkim_public_key: string;
  dkim_private_key_sealed: string;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

/** EmbedThis's account details of an organization (0030): invoice details, payment terms, metrics. */
export interface AccountDetailsTable {
  organization_id: number;
  address: string | null;
  company: string | null;
  country: string | null;
  invoice_email: string | null;
  /** EmbedThis's `order`: the customer's purchase order reference. */
  purchase_order: string | null;
  /** EmbedThis's `subject`: the line invoices carry. */
  invoice_subject: string | null;
  agreement: Generated<boolean>;
  can_wire: Generated<boolean>;
  /** Minor units (cents); bigint, read back as a string by pg. */
  credit: ColumnType<string | number, number | undefined, number>;
  renew: Timestamp | null;
  renewing: Generated<boolean>;
  /** Payment terms in days (net 30). */
  terms: Generated<number>;
  wire: Generated<boolean>;
  memo: string | null;
  metrics: Json | null;
  updated_at: DefaultTimestamp;
}

/** What a sender enqueued on Accountcentral (0029): fanned out to its recipients by a job. */
export interface NoticesTable {
  id: Generated<number>;
  sender_id: number | null;
  /** As given: `{userPks}`, `{groupPk}`, `{application}` or `{groupPk, application}`. */
  destination: ColumnType<NoticeDestination, string, string>;
  title: string;
  message: string;
  priority: 'LOW' | 'NORMAL' | 'HIGH';
  application: string | null;
  link: string | null;
  created_at: Timestamp;
  /** When the job wrote the deliveries; null while queued. */
  fanned_out_at: Timestamp | null;
  recipients: number | null;
}

export interface NoticeDestination {
  userPks?: number[];
  groupPk?: number;
  application?: string;
}

/** One recipient's copy of a notice: what "Get notifications" lists and "Mark as read" marks. */
export interface NoticeDeliveriesTable {
  id: Generated<number>;
  notice_id: number;
  user_id: number;
  created_at: Timestamp;
  read_at: Timestamp | null;
}

/** A platform application's status (no row: UP). */
export interface ApplicationStatusesTable {
  application: string;
  status: 'UP' | 'DOWN';
  changed_at: Timestamp;
  changed_by: number | null;
}

/** A news category: its id (the feed's) and its name per language. */
export interface NewsCategoriesTable {
  id: number;
  names: ColumnType<Record<string, string>, string, string>;
  updated_at: Timestamp;
}

/** One language's text of a news item. */
export interface NewsText {
  title: string;
  summary: string | null;
  content: string;
}

export interface NewsTable {
  id: Generated<number>;
  source: 'feed' | 'staff';
  /** The feed's id of the item (upserts go by it); null for staff's news. */
  external_id: string | null;
  published_at: Timestamp;
  /** `{en: {...}, it: {...}}`: at least `en`. */
  texts: ColumnType<Record<string, NewsText>, string, string>;
  category_ids: ColumnType<number[], number[], number[]>;
  link: string | null;
  created_by: number | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

// Accountcentral: team administration and capabilities (0026).
/** One role of a user in one platform application. */
export interface UserApplicationRolesTable {
  user_id: number;
  application: string;
  role: string;
  assigned_by: number | null;
  assigned_at: Timestamp;
}

/** A role granted on a resource of an application's capabilities schema; revoked_at set once revoked. */
export interface UserCapabilitiesTable {
  id: Generated<number>;
  user_id: number;
  application: string;
  version: number;
  /** The resource's path, a JSON array of strings (`["customers", "42"]`). */
  resource: ColumnType<unknown, string, string>;
  role: string;
  /** The customer the resource is about. */
  organization_id: number | null;
  granted_by: number | null;
  granted_at: Timestamp;
  revoked_by: number | null;
  revoked_at: Timestamp | null;
}

/** Each grant and revocation of a capability. */
export interface UserCapabilityLogTable {
  id: Generated<number>;
  user_id: number;
  capability_id: number;
  action: 'GRANTED' | 'REVOKED';
  actor_id: number | null;
  created_at: Timestamp;
}

// Accountcentral: customers and provisioning jobs (0027).
export interface CustomerConfigurationsTable {
  organization_id: number;
  smart_relay_enabled: Generated<boolean>;
  /** The SFTP endpoints, each secret sealed (src/core/organizations/customer-configuration.ts). */
  sftp: ColumnType<unknown, string | undefined, string>;
  updated_by: number | null;
  updated_at: Timestamp;
}

export interface CustomerApplicationConfigurationsTable {
  organization_id: number;
  application: string;
  configuration: ColumnType<unknown, string, string>;
  updated_by: number | null;
  updated_at: Timestamp;
}

export type ProvisioningOperation = 'PREPARE_DEACTIVATION' | 'DEACTIVATE';
export type ProvisioningStatus = 'NEW' | 'RUNNING' | 'DONE' | 'FAILED';

export interface CustomerProvisioningJobsTable {
  id: string;
  organization_id: number;
  operation: ProvisioningOperation;
  status: Generated<ProvisioningStatus>;
  actions: ColumnType<unknown, string | undefined, string>;
  /** A DEACTIVATE: the finished PREPARE_DEACTIVATION it follows. */
  prepared_by: string | null;
  error: ColumnType<unknown, string | null | undefined, string | null>;
  attempts: Generated<number>;
  requested_by: number | null;
  created_at: Timestamp;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
}

/** A password a user had before (0031_password_history): its argon2id hash and when it was replaced. */
export interface PasswordHistoryTable {
  id: Generated<number>;
  user_id: number;
  password_hash: string;
  replaced_at: Timestamp;
}
