// Plans and subscriptions, in DjaoApp's field names (seed 004, djaodjin-saas 0.12 shapes):
// a plan names its provider as a ProfileBrief, a subscription carries its whole plan and
// its subscriber's profile.
import { Type } from '@fastify/type-provider-typebox';
import { Nullable, OrganizationParams, Slug, ref } from './common.js';
import { OrganizationProfile } from './organizations.js';

const text = (description: string) => Nullable(Type.String({ description }));

export const ProfileBrief = Type.Object({
  slug: Type.String({ description: 'Unique identifier shown in the URL bar.' }),
  full_name: Type.String({ description: 'Full name.' }),
  printable_name: Type.String({ description: 'Name to display.' }),
  picture: text('URL of the profile picture.'),
  type: Type.Union([Type.Literal('organization'), Type.Literal('personal'), Type.Literal('user')], {
    description: "One of 'organization', 'personal' or 'user'.",
  }),
  credentials: Type.Boolean({ description: 'True when the profile logs in (a personal profile).' }),
}, { $id: 'ProfileBrief', description: 'A profile, briefly: who a plan belongs to.' });

export const PeriodTypeSchema = Type.Union(
  [Type.Literal('hourly'), Type.Literal('daily'), Type.Literal('weekly'), Type.Literal('monthly'), Type.Literal('yearly')],
  { description: 'Natural period of the plan: hourly, daily, weekly, monthly or yearly.' },
);
export const RenewalTypeSchema = Type.Union(
  [Type.Literal('one-time'), Type.Literal('auto-renew'), Type.Literal('repeat')],
  { description: 'What happens at the end of a period: one-time (ends), auto-renew (renews and charges), repeat (a new subscription is needed).' },
);

export const AdvanceDiscount = Type.Object({
  discount_type: Type.Union([Type.Literal('percentage'), Type.Literal('currency'), Type.Literal('period')], {
    description: 'percentage (discount_value per 10000), currency (minor units off) or period (free periods).',
  }),
  discount_value: Type.Integer({ description: 'Amount of the discount, in the unit discount_type says.' }),
  length: Type.Integer({ description: 'Number of plan periods paid in advance to get the discount.' }),
}, { $id: 'AdvanceDiscount', description: 'A discount for paying several periods in advance.' });

export const Plan = Type.Object({
  slug: Type.String({ description: 'Unique identifier of the plan, used in URLs.' }),
  title: Type.String({ description: 'Title for the plan (unique for its provider).' }),
  description: text('Free-form text description for the plan.'),
  is_active: Type.Boolean({ description: 'True when customers can subscribe to the plan.' }),
  setup_amount: Type.Integer({ description: 'One-time amount to pay when the subscription starts, in minor units.' }),
  period_amount: Type.Integer({ description: 'Amount billed every period, in minor units.' }),
  period_type: PeriodTypeSchema,
  period_length: Type.Integer({ description: 'How many period_types make one period of the plan.' }),
  app_url: text('URL of the application the plan gives access to.'),
  advance_discounts: Type.Array(ref(AdvanceDiscount), { description: 'Discounts when periods are paid in advance.' }),
  unit: Type.String({ description: 'Three-letter ISO 4217 code of the currency, lowercase (ex: usd).' }),
  organization: ref(ProfileBrief, 'Provider of the plan.'),
  extra: text('Extra meta data (can be stringified JSON).'),
  renewal_type: RenewalTypeSchema,
  is_not_priced: Type.Boolean({ description: 'True for a plan priced on request (contact the provider) rather than on the site.' }),
  created_at: Type.String({ format: 'date-time', description: 'When the plan was created.' }),
  skip_optin_on_grant: Type.Boolean({ description: 'True when the provider may subscribe an organization without its acceptance.' }),
  optin_on_request: Type.Boolean({ description: 'True when the provider must accept each subscription a subscriber starts.' }),
  discounted_period_amount: Type.Integer({ description: 'Amount of the first period after discounts, in minor units (no coupon applies here: period_amount).' }),
  broker_fee_percent: Type.Integer({ description: 'Not in DjaoApp: share of each payment the broker keeps, per 10000.' }),
}, { $id: 'Plan', description: 'A subscription plan of a provider.' });

export const Subscription = Type.Object({
  created_at: Type.String({ format: 'date-time', description: 'When the subscription started.' }),
  ends_at: Type.String({ format: 'date-time', description: 'Date/time when the subscription period currently ends.' }),
  description: text('Free-form text description for the subscription.'),
  organization: ref(OrganizationProfile, 'The subscriber.'),
  plan: ref(Plan, 'The plan subscribed to.'),
  auto_renew: Type.Boolean({ description: 'The subscription is set to auto-renew at the end of the period.' }),
  editable: Type.Boolean({ description: 'True if the caller may update the subscription as its provider.' }),
  extra: text('Extra meta data (can be stringified JSON).'),
  grant_key: text('Set while the provider\'s grant waits for the subscriber\'s opt-in: the key the subscriber accepts it with.'),
  request_key: text('Set while the subscriber\'s request waits for the provider: the key the provider accepts it with.'),
}, { $id: 'Subscription', description: 'A subscription of an organization to a plan.' });

export const Subscriber = Type.Object({
  ...OrganizationProfile.properties,
  ends_at: Type.String({ format: 'date-time', description: 'When its last subscription to the provider\'s plans ends (or ended).' }),
}, { $id: 'Subscriber', description: 'An organization that has or had a subscription to the provider\'s plans.' });

/** The path of one plan of a provider. */
export const PlanParams = Type.Object({
  ...OrganizationParams.properties,
  plan: Type.String({ ...Slug, description: 'Slug of the plan.' }),
});
