// Mails that tell an account's owner their credentials changed (password, API key), with
// who did it, when and from where, what the change ended (sessions, keys), and how to take
// the account back if it was not them.
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import type { UserRow } from '../../db/schema.js';
import { printableName } from './users.js';

/** What a change ended, so the owner knows what to make again. */
export interface EndedCredentials {
  sessionsEnded: number;
  /** The session the change was made from stayed open. */
  keptCurrent?: boolean;
  apiKeysRevoked?: number;
  sshKeyRemoved?: boolean;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** Plain-text lines naming what was ended. */
export function describeEnded(ended: EndedCredentials): string {
  const lines = [ended.keptCurrent
    ? `${plural(ended.sessionsEnded, 'other session')} (every other device and browser logged in) ended; the one that made the change stays open.`
    : `${plural(ended.sessionsEnded, 'session')} (every device and browser logged in) ended, with every token issued in them.`];
  if (ended.apiKeysRevoked) lines.push(`Your secret API key was revoked (${plural(ended.apiKeysRevoked, 'key')}): make a new one if you need it.`);
  if (ended.sshKeyRemoved) lines.push('Your SSH public key was removed: add it again if you need it.');
  return lines.map((line) => `- ${line}`).join('\n');
}

export async function noticeCredentialChange(
  core: Core,
  tx: Db,
  user: Pick<UserRow, 'email' | 'full_name' | 'slug'>,
  template: 'password_changed' | 'api_key_created',
  change: { by: string; ip: string | undefined; at: Date },
  ended?: EndedCredentials,
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
      recover_url: core.links.recover(),
      ended: ended ? describeEnded(ended) : '- Every session and token issued before the change stopped working.',
    },
  });
}
