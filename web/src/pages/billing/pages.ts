// The billing area's pages, one script loaded when the first of them opens (routes.tsx).
// The provider's dashboard is not here: its charts load only with it.
export { Pricing } from './Pricing';
export { Cart } from './Cart';
export { Checkout } from './Checkout';
export { OrgBilling } from './OrgBilling';
export { Receipt } from './Receipt';
export { AcceptSubscriber, AcceptSubscription } from './Accept';
