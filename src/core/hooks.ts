// The composition root of the core: where a lower capability's hooks are filled in by the
// ones above it (see docs/architecture.md, "Core layers"). Only the service wiring imports
// this file; no folder of the core does, so it cannot close an import cycle.
import type { IdentityHooks } from './identity/hooks.js';
import { grantImplicitRoles } from './memberships/requests.js';
import { retireContactInvitationKeys } from './memberships/invitations.js';
import { closePersonalProfiles } from './organizations/lifecycle.js';
import { mergeAnonymousCart, parseAnonymousCart } from './billing/cart.js';

export const identityHooks: IdentityHooks = {
  async loggedIn(core, user) {
    await grantImplicitRoles(core, user.id, user);
  },
  // The cart a visitor filled before logging in joins their account's.
  async claimAnonymous(core, userId, carried) {
    await mergeAnonymousCart(core, userId, parseAnonymousCart(carried.cart));
  },
  emailChanged: retireContactInvitationKeys,
  userDeleted: closePersonalProfiles,
};
