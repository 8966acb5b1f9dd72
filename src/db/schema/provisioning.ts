// Table types: get.chat's deployment machinery, webhooks, OAuth2 clients and themes (0019 onwards).
// They mirror src/db/migrations; change both together.
import type { ColumnType, Generated } from 'kysely';
import type { Timestamp, CreatedAt, DefaultTimestamp } from './columns.js';

// get.chat's deployment machinery (0019_getchat).
export type JsonValue = ColumnType<unknown, string, string>;
export type DeployerKind = 'local' | 'command' | 'http';
export type DeploymentOperation = 'deployment' | 'modification' | 'destruction';
export type DeploymentState = 'pending' | 'running' | 'succeeded' | 'failed';

export interface PackagesTable {
  id: Generated<number>;
  uuid: string;
  name: string;
  type: string;
  settings_schema: JsonValue;
  setting_rules: JsonValue;
  deployer: Generated<DeployerKind>;
  deployer_config: JsonValue;
  source: Generated<'file' | 'api'>;
  created_at: CreatedAt;
  modified_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
}

export interface PackageSettingLimitsTable {
  organization_id: number;
  package_id: number;
  setting: string;
  /** numeric: read back as a string by pg. */
  minimum: ColumnType<string | null, number | string | null, number | string | null>;
  maximum: ColumnType<string | null, number | string | null, number | string | null>;
  created_by: number | null;
  modified_at: DefaultTimestamp;
}

export interface StacksTable {
  id: Generated<number>;
  uuid: string;
  organization_id: number;
  name: string;
  subdomain: string;
  partner_meta: JsonValue;
  platform_meta: JsonValue | null;
  application_quota: number | null;
  user_status: Generated<string>;
  status: Generated<string>;
  is_deployed: Generated<boolean>;
  is_locked: Generated<boolean>;
  error: JsonValue | null;
  created_by: number | null;
  created_at: CreatedAt;
  modified_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
}

export interface ApplicationsTable {
  id: Generated<number>;
  uuid: string;
  stack_id: number;
  package_id: number;
  settings: JsonValue;
  partner_meta: JsonValue;
  platform_meta: JsonValue | null;
  domain: string | null;
  user_status: Generated<string>;
  status: Generated<string>;
  is_deployed: Generated<boolean>;
  is_locked: Generated<boolean>;
  error: JsonValue | null;
  created_by: number | null;
  created_at: CreatedAt;
  modified_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
}

export interface DeploymentsTable {
  id: Generated<number>;
  target: 'stack' | 'application';
  target_id: number;
  operation: DeploymentOperation;
  state: Generated<DeploymentState>;
  attempts: Generated<number>;
  error: JsonValue | null;
  requested_by: number | null;
  created_at: CreatedAt;
  started_at: Timestamp | null;
  finished_at: Timestamp | null;
  /** What the request carried beyond its operation, such as `{redeploy_applications: true}` (0022). */
  detail: JsonValue | null;
}

export interface PackageRoutingsTable {
  id: Generated<number>;
  application_id: number;
  package_uuid: string;
  package_type: string;
  url: string;
  source_params: JsonValue;
  params: Generated<string>;
  created_at: CreatedAt;
  modified_at: DefaultTimestamp;
  deleted_at: Timestamp | null;
}

export interface WebhookDeliveriesTable {
  id: Generated<number>;
  /** The Standard Webhooks `webhook-id` (`msg_...`): the same on every try and re-send. */
  message_id: string;
  /** The receiver: the organization whose webhook_url and secret are used. */
  organization_id: number;
  /** The organization the event is about (the receiver itself or one of its customers). */
  subject_organization_id: number;
  event: string;
  body: string;
  url: string;
  state: Generated<'pending' | 'delivered' | 'failed'>;
  attempts: Generated<number>;
  last_status: number | null;
  last_error: string | null;
  created_at: CreatedAt;
  last_attempt_at: Timestamp | null;
  delivered_at: Timestamp | null;
}

/** One try of a webhook delivery (0023). */
export interface WebhookDeliveryAttemptsTable {
  id: Generated<number>;
  delivery_id: number;
  url: string;
  attempted_at: Timestamp;
  duration_ms: number;
  /** The receiver's HTTP status; null when no answer came. */
  status: number | null;
  error: string | null;
  response_body: string | null;
}

export interface Oauth2ClientsTable {
  id: string;
  organization_id: number;
  secret_hash: string;
  redirect_uris: JsonValue;
  created_by: number | null;
  created_at: CreatedAt;
  modified_at: DefaultTimestamp;
}

export interface OidcStoreTable {
  kind: string;
  id: string;
  payload: JsonValue;
  grant_id: string | null;
  uid: string | null;
  expires_at: Timestamp | null;
  consumed_at: Timestamp | null;
}

export interface ThemeFilesTable {
  path: string;
  /** Buffer from node-postgres, Uint8Array from PGlite. */
  content: Uint8Array;
  content_type: string;
  etag: string;
  updated_at: Timestamp;
}
