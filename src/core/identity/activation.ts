// Activation links: proof that a user owns their e-mail address. Sent at registration,
// re-sent on demand or when someone logs in before activating, consumed once by
// POST /api/auth/activate/{key}/. Re-sending keeps the earlier links working: each works
// until one of them is used (or the account's password or address changes).
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { issueOneTimeToken } from './one-time-tokens.js';
import { isProvisionalSlug } from './users.js';

export function activationUrl(core: Core, key: string): string {
  return core.links.activation(key);
}

/**
 * Records an activation mail in `tx`; it is delivered once `tx` commits.
 * `username` is the username asked for at registration, taken when the link is used.
 */
export async function sendActivationLink(
  core: Core,
  tx: Db,
  user: Pick<UserRow, 'id' | 'slug' | 'email' | 'full_name'>,
  username: string | null = null,
): Promise<void> {
  if (!user.email) return;
  const now = core.now();
  const { secret, expiresAt } = await issueOneTimeToken(tx, user.id, 'activation', core.config.linkLifetimeSeconds, now, {
    target: username,
    keepEarlier: true,
  });
  await core.mailer.enqueue(tx, {
    to: user.email,
    template: 'verification',
    context: {
      full_name: user.full_name || username || user.email,
      username: username ?? (isProvisionalSlug(user.slug) ? user.email : user.slug),
      link: activationUrl(core, secret),
      expires_at: expiresAt.toISOString(),
      site: core.config.brokerName,
    },
  });
}
