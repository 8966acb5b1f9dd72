// Organizations (billing profiles), in DjaoApp's field names. One shape everywhere an
// organization appears (`Organization`); the profile routes add what only they show.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, ref } from './common.js';

const text = (description?: string) => Nullable(Type.String(description ? { description } : {}));

export const Organization = Type.Object({
  slug: Type.String({ description: 'Unique identifier shown in the URL bar.' }),
  full_name: Type.String({ description: 'Full name.' }),
  printable_name: Type.String({ description: 'Name to display.' }),
  picture: text('URL of the profile picture.'),
  type: Type.Union([Type.Literal('organization'), Type.Literal('personal')], {
    description: "'organization', or 'personal' for the billing profile of one user.",
  }),
  credentials: Type.Boolean({ description: 'True for a personal profile, whose user logs in.' }),
  created_at: Type.String({ format: 'date-time' }),
  email: text('E-mail address.'),
  phone: text('Phone number.'),
  street_address: text('Street address.'),
  locality: text('City/Town.'),
  region: text('State/Province/County.'),
  postal_code: text('Zip/Postal code.'),
  country: text('Country.'),
}, { $id: 'Organization', description: 'An organization (billing profile).' });

/** An organization as its profile routes show it: with its settings, state and partner. */
export const OrganizationProfile = Type.Object({
  ...Organization.properties,
  default_timezone: Type.String({ description: 'Timezone to use when reporting metrics.' }),
  is_provider: Type.Boolean({ description: 'The organization can fulfill the provider side of a subscription.' }),
  is_bulk_buyer: Type.Boolean({ description: 'GroupBuy is enabled.' }),
  extra: text('Extra metadata (can be stringified JSON).'),
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('closed')], {
    description: "Not in DjaoApp: 'active', 'suspended' or 'closed'.",
  }),
  partner: text('Not in DjaoApp: slug of the partner organization that created this one as its customer.'),
}, { $id: 'OrganizationProfile', description: 'An organization with its settings, state and partner.' });

/** A subscription as a profile lists it (the full shape, `Subscription`, is in ./plans.ts). */
export const OrganizationSubscription = Type.Object({
  created_at: Type.String({ format: 'date-time', description: 'When the subscription started.' }),
  ends_at: Type.String({ format: 'date-time', description: 'When the period paid for (or granted) ends.' }),
  plan: Type.String({ description: 'Slug of the plan.' }),
  auto_renew: Type.Boolean({ description: 'The subscription renews at the end of the period.' }),
}, { $id: 'OrganizationSubscription', description: 'An active subscription of the organization to a plan.' });

export const OrganizationDetail = Type.Object({
  ...OrganizationProfile.properties,
  subscriptions: Type.Array(ref(OrganizationSubscription), {
    description: 'The active subscriptions of the organization, oldest first.',
  }),
}, { $id: 'OrganizationDetail', description: 'An organization with its settings, state, partner and subscriptions.' });

export const Quotas = Type.Object({
  customer_quota: Nullable(Type.Integer({ description: 'How many customer organizations it may have; null for no limit.' })),
  seat_quota: Nullable(Type.Integer({ description: 'How many users may hold a role on it (accepted or pending); null for no limit.' })),
  customers: Type.Integer({ description: 'Customers it has now (closed ones excepted).' }),
  seats: Type.Integer({ description: 'Users holding a role on it now.' }),
}, { $id: 'Quotas', description: 'The quotas of an organization and its use of them.' });

export const OrganizationEvent = Type.Object({
  created_at: Type.String({ format: 'date-time' }),
  type: Type.String({ description: 'created, updated, customer_created, suspended, reactivated, closed, quota_changed, or a membership change.' }),
  actor: text('Username of whoever made the change.'),
  detail: Nullable(Type.Object({}, { additionalProperties: true, description: 'What changed.' })),
}, { $id: 'OrganizationEvent', description: 'One entry of the history of an organization.' });

/** What an account search finds: an organization or a user, for auto-completion. */
export const AccountBrief = Type.Object({
  slug: Type.String({ description: 'Username or organization slug.' }),
  full_name: text('Full name; null for a user who gave none.'),
  printable_name: Type.String(),
  picture: text('URL of the profile picture.'),
  type: Type.Union([Type.Literal('organization'), Type.Literal('personal'), Type.Literal('user')], {
    description: "One of 'organization', 'personal' or 'user'.",
  }),
  credentials: Type.Boolean({ description: 'True when the account logs in (a user, or a personal profile).' }),
  email: text('E-mail address.'),
  created_at: Type.String({ format: 'date-time' }),
}, { $id: 'AccountBrief', description: 'An organization or a user, as account searches show them.' });

export const UserContact = Type.Object({
  slug: Type.String({ description: 'Username.' }),
  email: text('E-mail address.'),
  full_name: text('Full name; null when none was given.'),
  created_at: Type.String({ format: 'date-time' }),
}, { $id: 'UserContact', description: 'A user, as user searches show them.' });
