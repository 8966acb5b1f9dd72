// Checkout as the native API shows it (seed 004 #26, #27).
import type { Static } from '@fastify/type-provider-typebox';
import type { CheckoutSubscription as CoreSubscription, Invoicable, OrderLine } from '../../../core/billing/checkout.js';
import { readableAmount } from '../../../core/billing/amounts.js';
import type { Checkout, CheckoutSubscription } from '../schemas/checkout.js';
import type { Transaction } from '../schemas/ledger.js';
import { iso, isoOrNull, orNull } from './common.js';
import { organizationProfileJson } from './organizations.js';
import { planJson } from './plans.js';

/** An order line (booked or to book) as a ledger row seen by its payer: money owed, not paid out. */
export function orderLineJson(line: OrderLine): Static<typeof Transaction> {
  return {
    created_at: iso(line.createdAt),
    description: line.description,
    amount: readableAmount(line.amount, line.unit),
    is_debit: false,
    orig_account: 'Receivable',
    orig_organization: line.provider.slug,
    orig_amount: line.amount,
    orig_unit: line.unit,
    dest_account: 'Payable',
    dest_organization: line.payer.slug,
    dest_amount: line.amount,
    dest_unit: line.unit,
  };
}

function checkoutSubscriptionJson(s: CoreSubscription, now: Date): Static<typeof CheckoutSubscription> {
  const { plan } = s;
  // A group buy for someone without a profile here: named after the cart item until they claim it.
  const organization = s.subscriber ? organizationProfileJson(s.subscriber) : {
    slug: s.beneficiary?.syncOn ?? '', full_name: s.beneficiary?.fullName ?? '', printable_name: s.beneficiary?.fullName || (s.beneficiary?.syncOn ?? ''),
    picture: null, type: 'organization' as const, credentials: false, created_at: iso(now), email: orNull(s.beneficiary?.email),
    phone: null, street_address: null, locality: null, region: null, postal_code: null, country: null,
    default_timezone: 'UTC', is_provider: false, is_bulk_buyer: false, extra: null, status: 'active' as const, partner: null,
  };
  return {
    created_at: isoOrNull(s.createdAt),
    ends_at: iso(s.endsAt),
    description: orNull(s.description),
    organization,
    plan: planJson(plan),
    auto_renew: s.autoRenew,
    editable: false,
    extra: orNull(s.extra),
    grant_key: s.grantKey,
    request_key: s.requestKey,
  };
}

export function checkoutJson(invoicables: Invoicable[], now: Date): Static<typeof Checkout> {
  return {
    results: invoicables.map((invoicable) => ({
      subscription: checkoutSubscriptionJson(invoicable.subscription, now),
      lines: invoicable.lines.map(orderLineJson),
      options: invoicable.options.map(orderLineJson),
    })),
  };
}

