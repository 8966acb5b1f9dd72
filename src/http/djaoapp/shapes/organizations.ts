// Organizations as the native API shows them: one presenter for every answer that names
// an organization, extended by the profile routes with what only they show.
import type { Static } from '@fastify/type-provider-typebox';
import type { Organization as CoreOrganization } from '../../../core/organizations/profiles.js';
import type { OrganizationEvent as CoreOrganizationEvent } from '../../../core/organizations/lifecycle.js';
import type { AccountBrief as CoreAccountBrief } from '../../../core/organizations/accounts.js';
import type { OrganizationDetail as CoreOrganizationDetail } from '../../../core/billing/subscriber-subscriptions.js';
import { printableName } from '../../../core/identity/users.js';
import type { AccountBrief, Organization, OrganizationDetail, OrganizationEvent, OrganizationProfile, UserContact } from '../schemas/organizations.js';
import { iso, orNull } from './common.js';

/** What every answer knows of an organization (a role's organization carries no more). */
export type OrganizationFacts = Pick<CoreOrganization, 'slug' | 'full_name' | 'picture' | 'type' | 'created_at' | 'email' | 'phone'
  | 'street_address' | 'locality' | 'region' | 'postal_code' | 'country'>;

export function organizationJson(o: OrganizationFacts): Static<typeof Organization> {
  return {
    slug: o.slug,
    full_name: o.full_name,
    printable_name: printableName(o),
    picture: orNull(o.picture),
    type: o.type,
    credentials: o.type === 'personal',
    created_at: iso(o.created_at),
    email: orNull(o.email),
    phone: orNull(o.phone),
    street_address: orNull(o.street_address),
    locality: orNull(o.locality),
    region: orNull(o.region),
    postal_code: orNull(o.postal_code),
    country: orNull(o.country),
  };
}

export function organizationProfileJson(o: CoreOrganization): Static<typeof OrganizationProfile> {
  return {
    ...organizationJson(o),
    default_timezone: o.default_timezone,
    is_provider: o.is_provider,
    is_bulk_buyer: o.is_bulk_buyer,
    extra: orNull(o.extra),
    status: o.status,
    partner: o.partner_slug,
  };
}

export function organizationDetailJson(o: CoreOrganizationDetail): Static<typeof OrganizationDetail> {
  return {
    ...organizationProfileJson(o),
    subscriptions: o.subscriptions.map((s) => ({ created_at: iso(s.created_at), ends_at: iso(s.ends_at), plan: s.plan, auto_renew: s.auto_renew })),
  };
}

export function organizationEventJson(e: CoreOrganizationEvent): Static<typeof OrganizationEvent> {
  return { created_at: iso(e.created_at), type: e.type, actor: e.actor, detail: (e.detail ?? null) as Record<string, never> | null };
}

export function accountBriefJson(a: CoreAccountBrief): Static<typeof AccountBrief> {
  return {
    slug: a.slug, full_name: orNull(a.full_name), printable_name: printableName(a), picture: orNull(a.picture),
    type: a.type, credentials: a.credentials, email: orNull(a.email), created_at: iso(a.created_at),
  };
}

export function userContactJson(a: CoreAccountBrief): Static<typeof UserContact> {
  return { slug: a.slug, email: orNull(a.email), full_name: orNull(a.full_name), created_at: iso(a.created_at) };
}
