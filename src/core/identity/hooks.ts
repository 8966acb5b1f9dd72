// What identity tells the capabilities above it. Identity sits below organizations and
// memberships (they look users up through it), so it cannot import them; the few things
// they must do when an account changes are these hooks, which `src/core/hooks.ts` fills in
// once for every Core. Each runs where identity calls it: inside the change's transaction
// when it takes `tx`, so it commits or rolls back with the change.
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';

/** What granting implicit roles needs of a user. */
export type ImplicitRoleUser = Pick<UserRow, 'id' | 'email' | 'email_verified_at' | 'deleted_at'>;

/**
 * What a visitor built before logging in, handed on at login or activation to the
 * capability that keeps it (billing: the cart kept in a cookie). Identity passes it through
 * without reading it.
 */
export interface AnonymousCarry {
  /** The anonymous cart cookie's value, as the browser sent it. */
  cart?: string;
}

export interface IdentityHooks {
  /**
   * After a successful login, outside its transaction: memberships grants implicit roles.
   * Given the row the login checked the password against, so it need not read it again.
   */
  loggedIn(core: Core, user: ImplicitRoleUser): Promise<void>;
  /** After a login or an activation, outside its transaction: billing moves the anonymous cart into the user's. */
  claimAnonymous(core: Core, userId: number, carried: AnonymousCarry): Promise<void>;
  /** In the transaction that changes a user's e-mail address: memberships ends invitation keys mailed to the former one. */
  emailChanged(tx: Db, userId: number): Promise<void>;
  /** In the transaction that anonymizes a deleted user: organizations closes their personal profiles. */
  userDeleted(tx: Db, userId: number, actorId: number | null, now: Date): Promise<void>;
}
