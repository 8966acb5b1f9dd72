// The billing pages' routes, children of the page frame (components/Shell.tsx). The
// organization's own page (/orgs/:org) is the orgs area's; billing adds the more specific
// /orgs/:org/billing/* and /orgs/:org/provider/*, which react-router ranks first.
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { page } = areaPages(() => import('./pages'));

export const billingRoutes: RouteObject[] = [
  { path: '/pricing', ...page('Pricing') },
  { path: '/cart', ...page('Cart') },
  { path: '/checkout', ...page('Checkout') },
  { path: '/orgs/:org/billing', ...page('OrgBilling') },
  { path: '/orgs/:org/billing/receipts/:charge', ...page('Receipt') },
  // Loaded when first opened, on its own: its charts are the largest part of the portal's script.
  { path: '/orgs/:org/provider', lazy: async () => ({ Component: (await import('./Provider')).Provider }) },
  // Keyed pages the mails link to (src/http/portal/links.ts).
  { path: '/orgs/:organization/subscriptions/accept/:key', ...page('AcceptSubscription') },
  { path: '/orgs/:organization/subscribers/accept/:key', ...page('AcceptSubscriber') },
];
