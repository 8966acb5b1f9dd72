// Each organization's webhook signing secret, `whsec_<base64>` as Standard Webhooks spells
// it: made on first use (a delivery or a manager reading it), sealed at rest with a key
// derived from SECRET_KEY (managers read it back, so it cannot be a hash), rotated on demand.
import { createHmac, randomBytes } from 'node:crypto';
import type { Core } from '../context.js';
import { decrypt, deriveKey, encrypt } from '../crypto.js';

const PREFIX = 'whsec_';
const PURPOSE = 'webhook-secret';

/** A new secret: 32 random bytes (Standard Webhooks asks 24 to 64). */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(32).toString('base64')}`;
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed with the secret's bytes. */
export function signWebhook(secret: string, messageId: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${messageId}.${timestamp}.${body}`).digest('base64')}`;
}

export function sealWebhookSecret(core: Pick<Core, 'config'>, secret: string): string {
  return encrypt(secret, deriveKey(core.config.secretKeys[0]!, PURPOSE));
}

/** Opens a sealed secret with the current key or a former one (SECRET_KEY_FALLBACKS). */
function unseal(core: Pick<Core, 'config'>, sealed: string): string {
  let last: unknown;
  for (const secretKey of core.config.secretKeys) {
    try {
      return decrypt(sealed, deriveKey(secretKey, PURPOSE));
    } catch (error) {
      last = error;
    }
  }
  throw last;
}

/**
 * The organization's secret, made and stored if it has none yet. Two first uses at once
 * agree: only the first write lands (`where webhook_secret is null`) and both read it back.
 */
export async function webhookSecretOf(core: Core, organizationId: number): Promise<string> {
  const read = () => core.db.selectFrom('organizations').select('webhook_secret')
    .where('id', '=', organizationId).executeTakeFirstOrThrow();
  const row = await read();
  if (row.webhook_secret) return unseal(core, row.webhook_secret);
  await core.db.updateTable('organizations').set({ webhook_secret: sealWebhookSecret(core, newWebhookSecret()) })
    .where('id', '=', organizationId).where('webhook_secret', 'is', null).execute();
  return unseal(core, (await read()).webhook_secret!);
}

/** Replaces the secret; deliveries tried from now on are signed with the new one. */
export async function replaceWebhookSecret(core: Core, organizationId: number): Promise<string> {
  const secret = newWebhookSecret();
  await core.db.updateTable('organizations').set({ webhook_secret: sealWebhookSecret(core, secret) })
    .where('id', '=', organizationId).execute();
  return secret;
}
