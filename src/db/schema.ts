// Table types for Kysely. They mirror src/db/migrations; change both together.
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
/** A timestamp with a database default. */
type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type Json = ColumnType<unknown, string, string>;

export type UserStatus = 'active' | 'suspended' | 'disabled';

export interface UsersTable {
  id: Generated<number>;
  /** The username; DjaoApp calls it slug so users and organizations share front-end code. */
  slug: string;
  email: string | null;
  full_name: Generated<string>;
  nick_name: string | null;
  picture: string | null;
  extra: string | null;
  phone: string | null;
  /** argon2id hash; null for a contact who has no login credentials. */
  password_hash: string | null;
  password_changed_at: Timestamp | null;
  /** Set when the user proved they own the e-mail address (activation). */
  email_verified_at: Timestamp | null;
  status: Generated<UserStatus>;
  /** TOTP secret, encrypted with a key derived from SECRET_KEY. */
  otp_secret: string | null;
  /** Last TOTP time step accepted, so a code cannot be replayed. */
  otp_last_step: number | null;
  otp_enabled: Generated<boolean>;
  /** A new seed shown to the user, not in use until a first code from it is confirmed. */
  otp_pending_secret: string | null;
  otp_pending_at: Timestamp | null;
  email_verification_enabled: Generated<boolean>;
  phone_verification_enabled: Generated<boolean>;
  ssh_pubkey: string | null;
  /** Names of the notifications the user chose to receive; null means the defaults. */
  notifications: Json | null;
  last_login_at: Timestamp | null;
  /** How many organizations the user may create (get.chat's organization_quota); null: no limit (0019). */
  organization_quota: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
  /** Set when the account was deleted: personal data is gone, the row keeps history. */
  deleted_at: Timestamp | null;
  // Accountcentral's personal info and suspension details (0002_user_profile).
  first_name: string | null;
  last_name: string | null;
  mobile: string | null;
  phone_verified_at: Timestamp | null;
  mobile_verified_at: Timestamp | null;
  /** YYYY-MM-DD. */
  date_of_birth: string | null;
  sex: 'M' | 'F' | null;
  status_reason: string | null;
  suspended_at: Timestamp | null;
  // Addresses waiting for proof (0006_address_changes): they replace email, phone or
  // mobile only when the link or code sent to them comes back.
  pending_email: string | null;
  pending_phone: string | null;
  pending_mobile: string | null;
  // Accounts a customer owns (0025_team_accounts).
  /** The customer that made the account and administers it (Accountcentral's creationGroupPk); null for one made by its owner. */
  home_organization_id: number | null;
  /** A person who logs in, or an application's credentials (Accountcentral's userType). */
  user_type: Generated<'interactive' | 'application'>;
}

export interface UserPreferencesTable {
  user_id: number;
  timezone: string | null;
  language: string | null;
  first_day_of_week: string | null;
  number_format: string | null;
  date_format: string | null;
  time_format: string | null;
  updated_at: DefaultTimestamp;
}

/** The number an SMS code was last sent to and the wrong guesses against it. */
export interface PhoneVerificationsTable {
  user_id: number;
  field: 'phone' | 'mobile';
  number: string;
  sent_at: Timestamp;
  failures: Generated<number>;
}

export interface ApiKeysTable {
  id: Generated<number>;
  user_id: number;
  /** Public part of the key, used to find the row without scanning hashes. */
  key_id: string;
  /** SHA-256 of the whole key; keys are long random strings, so a fast hash is enough. */
  secret_hash: string;
  title: string | null;
  created_at: CreatedAt;
  last_used_at: Timestamp | null;
  revoked_at: Timestamp | null;
}

export type OneTimeTokenPurpose = 'activation' | 'password_reset' | 'login_code' | 'phone_code' | 'email_change' | 'email_undo';

export interface OneTimeTokensTable {
  id: Generated<number>;
  user_id: number;
  purpose: OneTimeTokenPurpose;
  /** SHA-256 of the secret sent by e-mail or SMS; the secret itself is never stored. */
  token_hash: string;
  expires_at: Timestamp;
  used_at: Timestamp | null;
  created_at: CreatedAt;
  /**
   * Digest of the user's password hash and e-mail when issued; the token works only while
   * the user's row still gives the same digest. Null for tokens that must outlive such a
   * change (the undo link of an e-mail change).
   */
  stamp: string | null;
  /** What the token is about: the username asked for, the address a change is for. */
  target: string | null;
}

export interface LoginThrottleTable {
  /** Normalized login identifier (username or e-mail), known account or not. */
  identifier: string;
  /** '' for the account-wide count; a client address for that address's count. */
  address: Generated<string>;
  /** Failures, plus attempts still being checked. */
  failures: number;
  locked_until: Timestamp | null;
  /** Last attempt (counting restarts after LOGIN_FAILURE_RESET_SECONDS without one). */
  last_failure_at: Timestamp;
  /** Locks in a row: each lasts twice the previous one. */
  lockouts: Generated<number>;
  /** The failed attempt that started the current lock. */
  lock_attempt: string | null;
}

export interface OtpRecoveryCodesTable {
  id: Generated<number>;
  user_id: number;
  /** SHA-256 of the normalized code. */
  code_hash: string;
  created_at: CreatedAt;
  used_at: Timestamp | null;
}

export interface SecurityEventsTable {
  id: Generated<number>;
  user_id: number;
  type: string;
  ip: string | null;
  user_agent: string | null;
  detail: Json | null;
  created_at: CreatedAt;
}

export interface MailOutboxTable {
  id: Generated<number>;
  recipient: string;
  subject: string;
  text_body: string;
  html_body: string | null;
  template: string;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: DefaultTimestamp;
}

export type OrganizationType = 'organization' | 'personal';
export type OrganizationStatus = 'active' | 'suspended' | 'closed';

export interface OrganizationsTable {
  id: Generated<number>;
  slug: string;
  full_name: Generated<string>;
  email: string | null;
  phone: string | null;
  street_address: string | null;
  locality: string | null;
  region: string | null;
  postal_code: string | null;
  country: string | null;
  default_timezone: Generated<string>;
  picture: string | null;
  extra: string | null;
  type: Generated<OrganizationType>;
  is_provider: Generated<boolean>;
  is_bulk_buyer: Generated<boolean>;
  is_broker: Generated<boolean>;
  /** The processor's own organization in the ledger (0013_billing). */
  is_processor: Generated<boolean>;
  /** The organization that created this one as its customer (get.chat partners). */
  partner_id: number | null;
  /** For a personal profile: the user it is the billing profile of. */
  personal_user_id: number | null;
  status: Generated<OrganizationStatus>;
  status_reason: string | null;
  /** How many customer organizations this one may create as a partner; null is no limit. */
  customer_quota: number | null;
  /** How many members (users with a role) this organization may have; null is no limit. */
  seat_quota: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
  closed_at: Timestamp | null;
  // get.chat (0019_getchat).
  /** The user who created it (counts against their organization_quota). */
  created_by: number | null;
  /** How many stacks it may have; null: no limit. */
  stack_quota: number | null;
  /** Where its webhook events (and its customers') are POSTed. */
  webhook_url: string | null;
  /** `whsec_<base64>` sealed with a key derived from SECRET_KEY; made on first use. */
  webhook_secret: string | null;
  // Accountcentral's Customer (0027_customer_provisioning).
  /** E-mail of the customer's platform responsible. */
  platform_responsible: string | null;
  /** E-mail of the customer's technical responsible. */
  technical_responsible: string | null;
  /** E-mail of the customer's privacy responsible. */
  privacy_responsible: string | null;
  /** A premium customer (decided from above: its partner or the broker). */
  premium: Generated<boolean>;
}

export interface RoleDescriptionsTable {
  id: Generated<number>;
  /** null for the global descriptions (manager, contributor) every organization has. */
  organization_id: number | null;
  slug: string;
  title: string;
  skip_optin_on_grant: Generated<boolean>;
  implicit_create_on_none: Generated<boolean>;
  extra: string | null;
  created_at: CreatedAt;
}

export interface RolesTable {
  id: Generated<number>;
  organization_id: number;
  user_id: number;
  role_description_id: number;
  /** Pending invitation: hash of the key mailed to the grantee; null once accepted. */
  grant_key_hash: string | null;
  /** Pending request by the user: a key the managers accept with; null once accepted. */
  request_key: string | null;
  request_message: string | null;
  /** An invitation by e-mail: the address and name the manager typed (all they may see of it). */
  invited_email: string | null;
  invited_name: string | null;
  created_by: number | null;
  created_at: CreatedAt;
  accepted_at: Timestamp | null;
  /**
   * The holder did not accept this role themselves (a broker manager skipped the opt-in,
   * or it came implicitly from the e-mail domain): it gives them powers, but nobody a view
   * of their personal data (0007_permissions).
   */
  granted_without_consent: Generated<boolean>;
}

export type DomainStatus = 'pending' | 'verified';

/** An e-mail domain an organization claims; implicit roles only use verified ones. */
export interface OrganizationDomainsTable {
  id: Generated<number>;
  organization_id: number;
  domain: string;
  status: Generated<DomainStatus>;
  requested_by: number | null;
  verified_by: number | null;
  /** broker: the site's managers verified it (the only way today). */
  verified_how: 'broker' | null;
  created_at: CreatedAt;
  verified_at: Timestamp | null;
}

/** A user who left, was removed or denied: never enrolled implicitly again. */
export interface OrganizationDeparturesTable {
  organization_id: number;
  user_id: number;
  how: 'left' | 'removed' | 'denied';
  created_at: CreatedAt;
}

/** A requester an organization's managers blocked: their requests notify nobody. */
export interface JoinRequestBlocksTable {
  organization_id: number;
  user_id: number;
  blocked_by: number | null;
  created_at: CreatedAt;
}

export interface OrganizationEventsTable {
  id: Generated<number>;
  organization_id: number;
  type: string;
  actor_user_id: number | null;
  detail: Json | null;
  created_at: CreatedAt;
}

export interface ActivitiesTable {
  id: Generated<number>;
  /** The contact (user) the activity is about. */
  user_id: number;
  created_by: number | null;
  text: string;
  organization_id: number | null;
  created_at: CreatedAt;
}

/** How a session was opened (see src/core/identity/sessions.ts). */
export type SessionMethod = 'password' | 'password+otp' | 'password+email' | 'password+phone' | 'password+recovery_code'
  | 'activation' | 'reset' | 'password_change';
export type SessionEndReason = 'logout' | 'logout_everywhere' | 'ended_by_user' | 'ended_by_admin' | 'password_changed'
  | 'password_reset' | 'email_restored' | 'suspended' | 'deleted';

export interface SessionsTable {
  /** Random and unguessable; written in every token of the session (`sid`). */
  id: string;
  user_id: number;
  method: SessionMethod;
  ip: string | null;
  user_agent: string | null;
  /** When the user authenticated; the session ends SESSION_MAX_AGE_SECONDS later at the latest. */
  created_at: Timestamp;
  /** When a token was last issued for it (opening or refresh). */
  refreshed_at: Timestamp;
  ended_at: Timestamp | null;
  end_reason: SessionEndReason | null;
}

/** Sending limits (src/core/notify/send-limits.ts): one fixed-window counter per kind and target or caller. */
export interface SendLimitsTable {
  /** `<kind>:to:<target>` or `<kind>:by:<caller>`. */
  key: string;
  window_started_at: Timestamp;
  count: number;
}

/** Request rate limits on PostgreSQL (src/core/rate-limits.ts): one fixed-window counter per key. */
export interface RateLimitsTable {
  /** The route and the client's key (its address), as @fastify/rate-limit names them. */
  key: string;
  /** When the current window ends; a hit after it starts a new window. */
  expires_at: Timestamp;
  count: number;
}

// ---------------------------------------------------------------- billing (0013_billing)

export type PeriodType = 'hourly' | 'daily' | 'weekly' | 'monthly' | 'yearly';
export type RenewalType = 'one-time' | 'auto-renew' | 'repeat';
export type DiscountType = 'percentage' | 'currency' | 'period';

/** A discount for paying several periods in advance (`length` periods of the plan). */
export interface AdvanceDiscount {
  discount_type: DiscountType;
  /** Per 10000 for a percentage, minor units for currency, a number of periods for period. */
  discount_value: number;
  length: number;
}

export interface PlansTable {
  id: Generated<number>;
  /** The provider. */
  organization_id: number;
  slug: string;
  title: string;
  description: string | null;
  is_active: Generated<boolean>;
  is_not_priced: Generated<boolean>;
  unit: Generated<string>;
  setup_amount: Generated<number>;
  period_amount: Generated<number>;
  period_type: Generated<PeriodType>;
  period_length: Generated<number>;
  renewal_type: Generated<RenewalType>;
  optin_on_request: Generated<boolean>;
  skip_optin_on_grant: Generated<boolean>;
  /** Per 10000 of each payment, kept by the broker. */
  broker_fee_percent: Generated<number>;
  advance_discounts: ColumnType<AdvanceDiscount[], string | undefined, string>;
  app_url: string | null;
  extra: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface SubscriptionsTable {
  id: Generated<number>;
  /** The subscriber. */
  organization_id: number;
  plan_id: number;
  created_at: ColumnType<Date, Date | string | undefined, Date | string>;
  ends_at: Timestamp;
  auto_renew: Generated<boolean>;
  description: string | null;
  extra: string | null;
  /** Set while a provider's grant waits for the subscriber's opt-in. */
  grant_key: string | null;
  /** Set while a subscriber's request waits for the provider's acceptance. */
  request_key: string | null;
  updated_at: DefaultTimestamp;
}

export interface CouponsTable {
  id: Generated<number>;
  /** The provider. */
  organization_id: number;
  code: string;
  discount_type: DiscountType;
  discount_value: number;
  description: string | null;
  created_at: CreatedAt;
  ends_at: Timestamp | null;
  /** Uses left; null is unlimited. */
  nb_attempts: number | null;
  plan_id: number | null;
  is_active: Generated<boolean>;
}

export interface CartItemsTable {
  id: Generated<number>;
  user_id: number;
  plan_id: number;
  /** 1-based index of the checkout option chosen; 0 for none yet. */
  option: Generated<number>;
  quantity: Generated<number>;
  coupon_id: number | null;
  /** Group buy: who the subscription is for. */
  full_name: string | null;
  email: string | null;
  sync_on: string | null;
  claim_code: string | null;
  created_at: CreatedAt;
  /** When it was checked out; null while in the cart. */
  recorded_at: Timestamp | null;
}

export type LedgerAccount =
  // provider side
  | 'Funds' | 'Withdraw' | 'Refund' | 'Chargeback' | 'Canceled' | 'Writeoff'
  | 'Receivable' | 'Backlog' | 'Income' | 'Offline' | 'Expenses'
  // subscriber side
  | 'Payable' | 'Liability' | 'Refunded'
  // pseudo-account of a balance settled as a line of a charge
  | 'settled';

export interface LedgerTransactionsTable {
  id: Generated<number>;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  descr: Generated<string>;
  event_id: string | null;
  orig_organization_id: number;
  orig_account: LedgerAccount;
  orig_amount: number;
  orig_unit: string;
  dest_organization_id: number;
  dest_account: LedgerAccount;
  dest_amount: number;
  dest_unit: string;
}

export type ChargeState = 'created' | 'done' | 'failed' | 'disputed';

export interface ChargesTable {
  id: Generated<number>;
  processor: string;
  /** The processor's id of the charge; the charge's id in URLs. */
  processor_key: string;
  /** Who is charged (the subscriber, or the buyer of a group buy). */
  organization_id: number;
  created_by: number | null;
  created_at: ColumnType<Date, Date | string | undefined, never>;
  amount: number;
  unit: string;
  state: Generated<ChargeState>;
  description: Generated<string>;
  last4: string | null;
  exp_date: string | null;
  card_name: string | null;
  failure_code: string | null;
  failure_message: string | null;
  updated_at: DefaultTimestamp;
  /** Ours, sent to the processor: a retry or the recovery after a crash finds the same charge. */
  idempotency_key: string;
  /** The one-time card token to charge; cleared once the processor has used it. */
  processor_token: string | null;
  /** Keep the card (from processor_token) as the payer's card on file. */
  remember_card: Generated<boolean>;
}

export interface ChargeItemsTable {
  id: Generated<number>;
  charge_id: number;
  /** The `num` of a refund line: 0 for the first item. */
  position: number;
  /** The order row (into Payable) this item pays. */
  invoiced_id: number;
  sync_on: string | null;
  /** What this item pays of its order row (the row may have been partly paid before). */
  amount: Generated<number>;
}

export type ChargeRefundState = 'pending' | 'done' | 'failed';

/** A refunded line of a charge: reserved, then sent to the processor, then booked (0018_ledger). */
export interface ChargeRefundsTable {
  id: Generated<number>;
  charge_id: number;
  charge_item_id: number;
  amount: number;
  state: Generated<ChargeRefundState>;
  /** The processor's id of the refund, once it answered. */
  refund_key: string | null;
  processor_fee_returned: number | null;
  failure_message: string | null;
  created_by: number | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface PaymentMethodsTable {
  organization_id: number;
  processor: string;
  customer_key: string;
  last4: string | null;
  exp_date: string | null;
  card_name: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface PayoutAccountsTable {
  organization_id: number;
  processor: string;
  account_key: string;
  bank_name: string | null;
  last4: string | null;
  created_at: CreatedAt;
  updated_at: DefaultTimestamp;
}

export interface IdempotencyKeysTable {
  id: Generated<number>;
  /** Whose key: the caller (user id) and the route, so two callers never share one. */
  scope: string;
  key: string;
  /** Hash of the method, path and body: the same key with another request is refused. */
  request_hash: string;
  state: Generated<'started' | 'done'>;
  status_code: number | null;
  response_body: string | null;
  response_headers: string | null;
  created_at: CreatedAt;
}

export interface ProcessorEventsTable {
  processor: string;
  event_key: string;
  kind: string;
  received_at: CreatedAt;
}

/** The built-in test processor's side of the network: its customers, charges and refunds. */
export interface TestProcessorRecordsTable {
  key: string;
  kind: 'customer' | 'charge' | 'refund';
  idempotency_key: string | null;
  data: ColumnType<unknown, string, string>;
  created_at: CreatedAt;
}

// get.chat's deployment machinery (0019_getchat).
type JsonValue = ColumnType<unknown, string, string>;
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

export interface Database {
  users: UsersTable;
  sessions: SessionsTable;
  api_keys: ApiKeysTable;
  one_time_tokens: OneTimeTokensTable;
  login_throttle: LoginThrottleTable;
  send_limits: SendLimitsTable;
  rate_limits: RateLimitsTable;
  otp_recovery_codes: OtpRecoveryCodesTable;
  security_events: SecurityEventsTable;
  mail_outbox: MailOutboxTable;
  organizations: OrganizationsTable;
  role_descriptions: RoleDescriptionsTable;
  roles: RolesTable;
  organization_events: OrganizationEventsTable;
  organization_domains: OrganizationDomainsTable;
  organization_departures: OrganizationDeparturesTable;
  join_request_blocks: JoinRequestBlocksTable;
  activities: ActivitiesTable;
  user_preferences: UserPreferencesTable;
  phone_verifications: PhoneVerificationsTable;
  plans: PlansTable;
  subscriptions: SubscriptionsTable;
  coupons: CouponsTable;
  cart_items: CartItemsTable;
  ledger_transactions: LedgerTransactionsTable;
  charges: ChargesTable;
  charge_items: ChargeItemsTable;
  charge_refunds: ChargeRefundsTable;
  payment_methods: PaymentMethodsTable;
  payout_accounts: PayoutAccountsTable;
  idempotency_keys: IdempotencyKeysTable;
  processor_events: ProcessorEventsTable;
  test_processor_records: TestProcessorRecordsTable;
  packages: PackagesTable;
  package_setting_limits: PackageSettingLimitsTable;
  stacks: StacksTable;
  applications: ApplicationsTable;
  deployments: DeploymentsTable;
  package_routings: PackageRoutingsTable;
  webhook_deliveries: WebhookDeliveriesTable;
  webhook_delivery_attempts: WebhookDeliveryAttemptsTable;
  oauth2_clients: Oauth2ClientsTable;
  oidc_store: OidcStoreTable;
  theme_files: ThemeFilesTable;
  user_application_accesses: UserApplicationAccessesTable;
  // Accountcentral: team administration and capabilities (0026)
  user_application_roles: UserApplicationRolesTable;
  user_capabilities: UserCapabilitiesTable;
  user_capability_log: UserCapabilityLogTable;

  // Accountcentral: customers and provisioning jobs (0027)
  customer_configurations: CustomerConfigurationsTable;
  customer_application_configurations: CustomerApplicationConfigurationsTable;
  customer_provisioning_jobs: CustomerProvisioningJobsTable;

  // Accountcentral: DKIM keys and FBLs (0028)
  dkim_keys: DkimKeysTable;
  platform_dkim: PlatformDkimTable;
  fbls: FblsTable;

  // Accountcentral: notifications, news, application status (0029)
  notices: NoticesTable;
  notice_deliveries: NoticeDeliveriesTable;
  application_statuses: ApplicationStatusesTable;
  news_categories: NewsCategoriesTable;
  news: NewsTable;

  // EmbedThis: accounts (0030)
  account_details: AccountDetailsTable;

  // Accountcentral: the caller's own data (0031)
  password_history: PasswordHistoryTable;

}

export type UserRow = Selectable<UsersTable>;
export type NewUser = Insertable<UsersTable>;
export type UserUpdate = Updateable<UsersTable>;
export type OrganizationRow = Selectable<OrganizationsTable>;
export type RoleDescriptionRow = Selectable<RoleDescriptionsTable>;
export type RoleRow = Selectable<RolesTable>;
