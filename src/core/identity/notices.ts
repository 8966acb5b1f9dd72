// Mails that tell an account's owner their credentials changed (password, API key), with
// who did it, when and from where, and how to take the account back if it was not them.
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { printableName } from './users.js';

export async function noticeCredentialChange(
  core: Core,
  tx: Db,
  user: Pick<UserRow, 'email' | 'full_name' | 'slug'>,
  template: 'password_changed' | 'api_key_created',
  change: { by: string; ip: string | undefined; at: Date },
): Promise<void> {
  if (!user.email) return;
  await core.mailer.enqueue(tx, {
    to: user.email,
    template,
    context: {
      full_name: printableName(user),
      username: user.slug,
      changed_by: change.by,
      at: change.at.toISOString(),
      ip: change.ip ?? 'unknown',
      site: core.config.brokerName,
      recover_url: `${core.config.baseUrl}/api/auth/recover/`,
    },
  });
}
