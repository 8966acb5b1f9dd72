// Permissions as data: which relation may do which action. The one policy (policy.ts)
// reads these tables and nothing else; relations.ts says who stands in which relation.
// A new capability (billing, deployments) adds its actions to the rows that may do them,
// not a branch in the policy.

export type OrganizationAction =
  | 'organization.read'
  | 'organization.update'
  | 'organization.delete'
  | 'organization.members.read'
  | 'organization.members.manage'
  | 'organization.customers.create'
  | 'organization.customers.read'
  /** Closed customers in the customer list. */
  | 'organization.customers.read_closed'
  | 'organization.lifecycle'
  | 'organization.quota'
  | 'organization.events.read'
  /** As a subscriber: its subscriptions, card on file (last 4 digits), history, balance due. */
  | 'organization.billing.read'
  /** As a subscriber: check out, cancel subscriptions, replace or delete the card. */
  | 'organization.billing.manage'
  /** As a provider: its plans, subscribers, coupons, receivables, transfers, charges, payout account. */
  | 'organization.sales.read'
  /** As a provider: create and change plans and coupons, subscribe and unsubscribe customers, accept requests. */
  | 'organization.sales.manage'
  /** As a provider: refund its charges, book offline payments. */
  | 'organization.sales.money'
  /** The broker only: write off a balance due. */
  | 'organization.billing.write_off'
  /** Field rule: is_provider, is_bulk_buyer. */
  | 'organization.flags.update'
  /** Field rule: a role granted at once, without the grantee's opt-in (skip_optin_on_grant). */
  | 'organization.roles.grant_without_consent'
  /** Its stacks, applications, package routings and their deployments. */
  | 'organization.deployments.read'
  /** Create, change and delete its stacks and applications (get.chat's Maintainer may). */
  | 'organization.deployments.manage'
  /** Field rule: settings a package reserves to partners (get.chat's "Partner+" column). */
  | 'organization.deployments.partner_settings'
  /** Raise or lower a package's setting limits for this organization (the broker only). */
  | 'organization.deployments.limits'
  /** Its webhook secret, deliveries and re-sends. */
  | 'organization.webhooks.manage'
  /** Its OAuth2 client: create, read, change redirect URIs, regenerate the secret. */
  | 'organization.oauth_clients.manage'
  /** Issue a user's ID token into one of its applications (get.chat: partners only). */
  | 'organization.id_tokens.issue'
  /** Its DKIM keys without their private parts (Accountcentral's CUSTOMER_CARE reads). */
  | 'organization.dkim.read'
  /** Add, change, delete its DKIM keys; read their private keys in sealed form (the seed's DKIM role). */
  | 'organization.dkim.manage'
  /** Have a message signed with its keys (a sending application's account holds a role on it). */
  | 'organization.dkim.sign'
  /** Field rule (EmbedThis): an account's payment terms: credit, terms, wire, canWire, agreement, memo. */
  | 'organization.payment_terms.update'
  /** EmbedThis's Close: the `support` role, the broker's staff only (irreversible). */
  | 'organization.support.close'
  /** Send notifications to its users (Accountcentral's "Enqueue a new notification" to a customer). */
  | 'organization.notices.send'
  /** Accountcentral: its configuration (API key's client id, smart relay, SFTP endpoints, per-application settings). */
  | 'organization.configuration.read'
  /** Accountcentral: change that configuration. */
  | 'organization.configuration.manage'
  /** Accountcentral: who used its applications, and when (first and last access). */
  | 'organization.activity.read'
  /** Field rule (Accountcentral): a customer's `premium` flag, decided from above (its partner or the broker). */
  | 'organization.premium';

export type UserAction =
  | 'user.read'
  | 'user.update'
  | 'user.delete'
  | 'user.credentials'
  | 'user.security_events'
  | 'user.administer'
  /** Field rule: the broker team's notes (activities) shown in a profile. */
  | 'user.activities.read'
  /**
   * Administer an account a customer owns (Accountcentral's team users): suspend or reactivate,
   * unlock, reset its password or PIN, its second factor, its roles per application and its
   * capabilities.
   */
  | 'user.team.administer'
  /** Send the user a notification (Accountcentral): the managers of a customer to its users, the broker's to anyone. */
  | 'user.notices.send';

export type SiteAction = 'users.list' | 'users.create' | 'organizations.list' | 'site.administer'
  /** Define, change and retire packages (the deployable software). */
  | 'packages.administer'
  /** Every charge and every ledger row of the site. */
  | 'billing.ledger.read'
  /** Upload or reset the site's theme (styles, assets, mail templates). */
  | 'site.theme'
  /** Send oneself a test mail of any template. */
  | 'site.test_mail'
  /** The platform's DKIM key, the FBLs, every customer's DKIM keys. */
  | 'mail_signing.administer'
  /** EmbedThis's Init, Make and GetID: build an account object or an id, saving nothing (any signed-in user). */
  | 'accounts.draft'
  /** Notify every user of a platform application, whatever their customer (Accountcentral). */
  | 'notices.broadcast'
  /** Publish news and import them from the news feed (Accountcentral). */
  | 'news.manage'
  /** Set a platform application's status UP or DOWN (Accountcentral). */
  | 'applications.status'
  /** Create legal agreements, publish their new versions, require them at checkout. */
  | 'legal.publish'
  /** Sign a legal agreement, as oneself (every signed-in user may). */
  | 'legal.sign';

/**
 * How a caller stands toward one organization, in that organization's current state.
 * Only accepted roles make a relation; pending invitations and join requests make none.
 * - broker_manager: an accepted manager of the broker (the site's operator);
 * - broker_manager_of_closed: the same, on a closed organization (kept for its history);
 * - manager / member: an accepted manager / other role on the organization, while it is active;
 * - partner: an accepted partner role on the organization, while it is active (always with
 *   manager: a partner manages, and may also pass partner-only deployment settings);
 * - suspended_member: an accepted role on a suspended organization;
 * - partner_manager: an accepted manager of an organization above it in the partner tree,
 *   while that partner and every organization between are active;
 * - suspended_partner_manager: the same with that partner or one between suspended.
 * A closed organization between cuts every relation through it.
 */
export type OrganizationRelation =
  | 'broker_manager'
  | 'broker_manager_of_closed'
  | 'manager'
  | 'partner'
  | 'member'
  | 'suspended_member'
  | 'partner_manager'
  | 'suspended_partner_manager';

/**
 * How a caller stands toward a user account.
 * - self: the account's owner;
 * - broker_manager: an accepted manager of the broker;
 * - member_manager: a manager (directly, or as partner through active organizations) of an
 *   active organization where the user holds a role they accepted themselves. A pending
 *   invitation or request, a role given without the user's consent (a broker manager
 *   skipping the opt-in, an implicit role), or a suspended organization opens nothing.
 * - team_manager: a manager (directly, or as partner through active organizations) of the
 *   active organization that owns the account (`home_organization_id`: it made the account).
 *   An account its owner made is never a team account, whatever organizations it joins:
 *   joining gives its managers no power over the credentials.
 */
export type UserRelation = 'self' | 'broker_manager' | 'member_manager' | 'team_manager';

export type SiteRelation = 'broker_manager' | 'user';

interface OrganizationGrant {
  /** The relation may know the organization exists: refusals are 403, not 404, and lists show it. */
  sees: boolean;
  may: readonly OrganizationAction[];
}

const READ: readonly OrganizationAction[] = [
  'organization.read', 'organization.members.read', 'organization.customers.read', 'organization.billing.read',
  'organization.sales.read', 'organization.deployments.read',
];
/** Any member deploys (get.chat's Maintainer creates and updates applications). */
const MEMBER: readonly OrganizationAction[] = [...READ, 'organization.deployments.manage', 'organization.dkim.read', 'organization.dkim.sign'];
const MANAGE: readonly OrganizationAction[] = [
  ...MEMBER, 'organization.update', 'organization.delete', 'organization.members.manage',
  'organization.customers.create', 'organization.events.read', 'organization.billing.manage',
  'organization.sales.manage', 'organization.sales.money', 'organization.webhooks.manage',
  'organization.oauth_clients.manage', 'organization.dkim.manage', 'organization.notices.send', 'organization.configuration.read',
  'organization.configuration.manage', 'organization.activity.read',
];
/** What a partner adds to a manager's powers, on its own organization and on its customers. */
const PARTNER: readonly OrganizationAction[] = ['organization.deployments.partner_settings', 'organization.id_tokens.issue'];
/** What belongs to whoever sits above an organization, not to its own managers. */
const ABOVE: readonly OrganizationAction[] = ['organization.lifecycle', 'organization.quota', 'organization.premium'];
/** What only the site's operator decides. */
const BROKER: readonly OrganizationAction[] = [
  'organization.customers.read_closed', 'organization.flags.update', 'organization.roles.grant_without_consent',
  'organization.billing.write_off', 'organization.deployments.limits',
  'organization.payment_terms.update', 'organization.support.close',
];

export const ORGANIZATION_PERMISSIONS: Readonly<Record<OrganizationRelation, OrganizationGrant>> = {
  broker_manager: { sees: true, may: [...MANAGE, ...PARTNER, ...ABOVE, ...BROKER] },
  broker_manager_of_closed: { sees: true, may: [...READ, 'organization.events.read', 'organization.customers.read_closed'] },
  partner_manager: { sees: true, may: [...MANAGE, ...PARTNER, ...ABOVE] },
  manager: { sees: true, may: MANAGE },
  partner: { sees: true, may: [...MANAGE, ...PARTNER] },
  member: { sees: true, may: MEMBER },
  suspended_member: { sees: true, may: [] },
  suspended_partner_manager: { sees: true, may: [] },
};

const OWN_ACCOUNT: readonly UserAction[] = ['user.read', 'user.update', 'user.delete', 'user.credentials', 'user.security_events'];

export const USER_PERMISSIONS: Readonly<Record<UserRelation, readonly UserAction[]>> = {
  self: OWN_ACCOUNT,
  broker_manager: [...OWN_ACCOUNT, 'user.administer', 'user.activities.read', 'user.team.administer', 'user.notices.send'],
  member_manager: ['user.read', 'user.security_events', 'user.notices.send'],
  team_manager: ['user.read', 'user.update', 'user.security_events', 'user.team.administer', 'user.notices.send'],
};

export const SITE_PERMISSIONS: Readonly<Record<SiteRelation, readonly SiteAction[]>> = {
  broker_manager: ['users.list', 'users.create', 'organizations.list', 'site.administer', 'billing.ledger.read', 'packages.administer',
    'site.theme', 'site.test_mail', 'mail_signing.administer', 'accounts.draft', 'notices.broadcast', 'news.manage', 'applications.status',
    'legal.publish', 'legal.sign'],
  user: ['accounts.draft', 'legal.sign'],
};

export function organizationRelationsAllowing(action: OrganizationAction): OrganizationRelation[] {
  return (Object.keys(ORGANIZATION_PERMISSIONS) as OrganizationRelation[])
    .filter((relation) => ORGANIZATION_PERMISSIONS[relation].may.includes(action));
}

const relationsByUserAction = new Map<UserAction, readonly UserRelation[]>();

export function userRelationsAllowing(action: UserAction): readonly UserRelation[] {
  // Asked on every user route: the table is fixed, so each action's answer is worked out once.
  let relations = relationsByUserAction.get(action);
  if (!relations) {
    relations = (Object.keys(USER_PERMISSIONS) as UserRelation[]).filter((relation) => USER_PERMISSIONS[relation].includes(action));
    relationsByUserAction.set(action, relations);
  }
  return relations;
}
