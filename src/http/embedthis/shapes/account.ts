// Accounts as EmbedThis shows them: dates as ISO 8601 strings, null for none.
import type { Static } from '@fastify/type-provider-typebox';
import type { Account } from '../../../core/organizations/account-details.js';
import type { AccountUser } from '../../../core/memberships/account-creation.js';
import type { EtAccount, EtUser } from '../schemas/account.js';

const iso = (value: Date | null): string | null => (value ? value.toISOString() : null);

export function accountJson(account: Account): Static<typeof EtAccount> {
  return {
    activity: iso(account.activity),
    billing: { ...account.billing, renew: iso(account.billing.renew) },
    closed: account.closed,
    created: iso(account.created),
    email: account.email,
    id: account.id,
    metrics: account.metrics,
    name: account.name,
    suspended: account.suspended,
  };
}

export function userJson(user: AccountUser): Static<typeof EtUser> {
  return { ...user, activity: iso(user.activity), preferences: { ...user.preferences } };
}
