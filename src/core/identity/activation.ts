// Activation links: proof that a user owns their e-mail address. Sent at registration,
// re-sent on demand, consumed once by POST /api/auth/activate/{key}/.
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { issueOneTimeToken } from './one-time-tokens.js';
import { printableName } from './users.js';

export function activationUrl(core: Core, key: string): string {
  return `${core.config.baseUrl}/api/auth/activate/${key}/`;
}

/** Records an activation mail in `tx`; call core.mailer.kick() once `tx` commits. */
export async function sendActivationLink(
  core: Core,
  tx: Db,
  user: Pick<UserRow, 'id' | 'slug' | 'email' | 'full_name'>,
): Promise<void> {
  if (!user.email) return;
  const now = core.now();
  const { secret, expiresAt } = await issueOneTimeToken(tx, user.id, 'activation', core.config.linkLifetimeSeconds, now);
  await core.mailer.enqueue(tx, {
    to: user.email,
    template: 'verification',
    context: {
      full_name: printableName(user),
      username: user.slug,
      link: activationUrl(core, secret),
      expires_at: expiresAt.toISOString(),
      site: core.config.brokerName,
    },
  });
}
