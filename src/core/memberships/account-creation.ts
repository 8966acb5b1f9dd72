// EmbedThis's Create: an account (an organization) and its initial user in one unit of work.
// The organization is made as on /api (the caller its manager, their organization_quota
// counted); the initial user is whoever owns the e-mail given: the caller when it is theirs,
// otherwise an invitation to manage it, mailed to that address by the invitation core. A
// pending invitation gives no power until accepted, and the answer shows nothing of the
// account behind the address (no id, no name) until then.
import type { Caller, Core } from '../context.js';
import { Invalid } from '../errors.js';
import { normalizeEmail } from '../identity/users.js';
import { getPreferences, type Preferences } from '../identity/preferences.js';
import { isEmailAddress } from '../notify/addresses.js';
import { createProfile, requireUser } from '../organizations/profiles.js';
import { accountOf, type Account } from '../organizations/account-details.js';
import { grantRole } from './roles.js';

export interface AccountUser {
  accountId: string;
  activity: Date | null;
  email: string;
  first: string | null;
  /** The user's id; null while the invitation waits (it would tell whose address it is). */
  id: string | null;
  /** `none`: the caller is the initial user; `pending`: an invitation was mailed and waits. */
  invite: 'none' | 'pending';
  last: string | null;
  preferences: Preferences | Record<string, never>;
  /** EmbedThis's roles: the initial user administers the account. */
  role: 'admin';
  /** `active`: the user holds the account now; `invited`: once they accept. */
  state: 'active' | 'invited';
}

export async function createAccount(core: Core, caller: Caller, input: { email: string; name: string }): Promise<{ account: Account; user: AccountUser }> {
  const user = requireUser(caller);
  const name = input.name.trim();
  if (name === '') throw new Invalid('name', 'This field may not be blank.');
  const email = input.email.trim();
  if (!isEmailAddress(email)) throw new Invalid('email', 'Enter a valid email address.');
  const address = normalizeEmail(email);
  const me = await core.db.selectFrom('users').select(['email', 'first_name', 'last_name', 'last_login_at'])
    .where('id', '=', user.userId).executeTakeFirstOrThrow();
  const mine = me.email !== null && normalizeEmail(me.email) === address;
  const organizationId = await core.transact(async () => {
    const organization = await createProfile(core, caller, { full_name: name, email: address });
    if (!mine) await grantRole(core, caller, { id: organization.id }, { slug: 'manager' }, { email: address });
    return organization.id;
  });
  const account = await accountOf(core, organizationId);
  if (mine) {
    return {
      account,
      user: {
        accountId: account.id, activity: me.last_login_at, email: address, first: me.first_name, id: String(user.userId),
        invite: 'none', last: me.last_name, preferences: await getPreferences(core, caller, { id: user.userId }),
        role: 'admin', state: 'active',
      },
    };
  }
  return {
    account,
    user: {
      accountId: account.id, activity: null, email: address, first: null, id: null, invite: 'pending', last: null,
      preferences: {}, role: 'admin', state: 'invited',
    },
  };
}
