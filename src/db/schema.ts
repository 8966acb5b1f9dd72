// Table types for Kysely, one file per area under schema/; this file puts them together.
// They mirror src/db/migrations; change both together.
import type { Insertable, Selectable, Updateable } from 'kysely';
import type { AccountDetailsTable, ApplicationStatusesTable, CustomerApplicationConfigurationsTable, CustomerConfigurationsTable, CustomerProvisioningJobsTable, DkimKeysTable, FblsTable, NewsCategoriesTable, NewsTable, NoticeDeliveriesTable, NoticesTable, PasswordHistoryTable, PlatformDkimTable, UserApplicationAccessesTable, UserApplicationRolesTable, UserCapabilitiesTable, UserCapabilityLogTable } from './schema/accountcentral.js';
import type { CartItemsTable, ChargeItemsTable, ChargeRefundsTable, ChargesTable, CouponsTable, IdempotencyKeysTable, LedgerTransactionsTable, PaymentMethodsTable, PayoutAccountsTable, PlansTable, ProcessorEventsTable, SubscriptionsTable, TestProcessorRecordsTable } from './schema/billing.js';
import type { ApiKeysTable, LoginThrottleTable, MailOutboxTable, OneTimeTokensTable, OtpRecoveryCodesTable, PhoneVerificationsTable, RateLimitsTable, SecurityEventsTable, SendLimitsTable, SessionsTable, UserPreferencesTable, UsersTable } from './schema/identity.js';
import type { ActivitiesTable, JoinRequestBlocksTable, OrganizationDeparturesTable, OrganizationDomainsTable, OrganizationEventsTable, OrganizationsTable, RoleDescriptionsTable, RolesTable } from './schema/organizations.js';
import type { ApplicationsTable, DeploymentsTable, Oauth2ClientsTable, OidcStoreTable, PackageRoutingsTable, PackageSettingLimitsTable, PackagesTable, StacksTable, ThemeFilesTable, WebhookDeliveriesTable, WebhookDeliveryAttemptsTable } from './schema/provisioning.js';
import type { RenewalsTables } from './schema/renewals.js';
import type { MetricsTables } from './schema/metrics.js';
import type { LegalTables } from './schema/legal.js';

export * from './schema/identity.js';
export * from './schema/organizations.js';
export * from './schema/billing.js';
export * from './schema/provisioning.js';
export * from './schema/accountcentral.js';
export * from './schema/renewals.js';
export * from './schema/metrics.js';
export * from './schema/legal.js';

/** Every table. Each area's file under schema/ holds its table types; the newer areas bring theirs as a whole. */
export interface Database extends RenewalsTables, MetricsTables, LegalTables {
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
