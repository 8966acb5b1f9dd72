// The billing pages' routes, children of the page frame (components/Shell.tsx). The
// organization's own page (/orgs/:org) is the orgs area's; billing adds the more specific
// /orgs/:org/billing/* and /orgs/:org/provider/*, which react-router ranks first.
import type { RouteObject } from 'react-router';
import { Pricing } from './Pricing';
import { Cart } from './Cart';
import { Checkout } from './Checkout';
import { OrgBilling } from './OrgBilling';
import { Receipt } from './Receipt';
import { AcceptSubscriber, AcceptSubscription } from './Accept';

export const billingRoutes: RouteObject[] = [
  { path: '/pricing', element: <Pricing /> },
  { path: '/cart', element: <Cart /> },
  { path: '/checkout', element: <Checkout /> },
  { path: '/orgs/:org/billing', element: <OrgBilling /> },
  { path: '/orgs/:org/billing/receipts/:charge', element: <Receipt /> },
  // Loaded when first opened: its charts are the largest part of the portal's script.
  { path: '/orgs/:org/provider', lazy: async () => ({ Component: (await import('./Provider')).Provider }) },
  // Keyed pages the mails link to (src/http/portal/links.ts).
  { path: '/orgs/:organization/subscriptions/accept/:key', element: <AcceptSubscription /> },
  { path: '/orgs/:organization/subscribers/accept/:key', element: <AcceptSubscriber /> },
];
