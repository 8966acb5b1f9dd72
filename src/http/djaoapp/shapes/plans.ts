// Plans and subscriptions as the native API shows them. Other billing answers (checkout,
// cart, charges) present a plan or a subscription with these same functions.
import type { Static } from '@fastify/type-provider-typebox';
import type { Plan as CorePlan } from '../../../core/billing/plans.js';
import type { SubscriptionView } from '../../../core/billing/subscriptions.js';
import type { Subscriber as CoreSubscriber } from '../../../core/billing/provider-subscriptions.js';
import { printableName } from '../../../core/identity/users.js';
import type { Plan, ProfileBrief, Subscriber, Subscription } from '../schemas/plans.js';
import { iso, orNull } from './common.js';
import { organizationProfileJson } from './organizations.js';

export function providerBriefJson(plan: CorePlan): Static<typeof ProfileBrief> {
  return {
    slug: plan.provider_slug,
    full_name: plan.provider_full_name,
    printable_name: printableName({ full_name: plan.provider_full_name, slug: plan.provider_slug }),
    picture: orNull(plan.provider_picture),
    type: plan.provider_type,
    credentials: plan.provider_type === 'personal',
  };
}

export function planJson(plan: CorePlan): Static<typeof Plan> {
  return {
    slug: plan.slug,
    title: plan.title,
    description: orNull(plan.description),
    is_active: plan.is_active,
    setup_amount: Number(plan.setup_amount),
    period_amount: Number(plan.period_amount),
    period_type: plan.period_type,
    period_length: plan.period_length,
    app_url: orNull(plan.app_url),
    advance_discounts: plan.advance_discounts.map((d) => ({ discount_type: d.discount_type, discount_value: Number(d.discount_value), length: Number(d.length) })),
    unit: plan.unit,
    organization: providerBriefJson(plan),
    extra: plan.extra ?? null,
    renewal_type: plan.renewal_type,
    is_not_priced: plan.is_not_priced,
    created_at: iso(plan.created_at),
    skip_optin_on_grant: plan.skip_optin_on_grant,
    optin_on_request: plan.optin_on_request,
    discounted_period_amount: Number(plan.period_amount),
    broker_fee_percent: plan.broker_fee_percent,
  };
}

export function subscriptionJson(view: SubscriptionView): Static<typeof Subscription> {
  const { subscription: s } = view;
  return {
    created_at: iso(s.created_at),
    ends_at: iso(s.ends_at),
    description: orNull(s.description),
    organization: organizationProfileJson(view.subscriber),
    plan: planJson(view.plan),
    auto_renew: s.auto_renew,
    editable: view.editable,
    extra: s.extra ?? null,
    grant_key: s.grant_key,
    request_key: s.request_key,
  };
}

export function subscriberJson(subscriber: CoreSubscriber): Static<typeof Subscriber> {
  return { ...organizationProfileJson(subscriber), ends_at: iso(subscriber.ends_at) };
}
