// Table types: Organizations, roles, domains and what happens in them.
// They mirror src/db/migrations; change both together.
import type { Generated } from 'kysely';
import type { Timestamp, CreatedAt, DefaultTimestamp, Json } from './columns.js';

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
