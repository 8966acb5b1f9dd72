// Time-based one-time codes (RFC 6238), as every authenticator app reads them. The seed
// is kept encrypted; a code is accepted once (the last used time step is remembered).
// Turning the app on takes two steps: a new seed is kept aside (otp_pending_secret) until
// a first code from it proves the app holds it; only then does it replace the seed in use.
import { generateSecret, generateURI, verify } from 'otplib';
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { decrypt, deriveKey, encrypt } from './secrets.js';

const PERIOD = 30;
/** How long a new seed waits for its first code before the set-up must start again. */
export const OTP_SETUP_SECONDS = 15 * 60;

function sealingKey(core: Core): Buffer {
  return deriveKey(core.config.secretKeys[0], 'otp-seed');
}

/** An integer or a digit string, left-padded to 6 digits; null when it cannot be a code. */
export function normalizeCode(code: string | number | undefined): string | null | undefined {
  if (code === undefined || code === '') return undefined;
  if (typeof code === 'number') {
    return Number.isInteger(code) && code >= 0 && code < 1e6 ? String(code).padStart(6, '0') : null;
  }
  const text = code.trim();
  return /^\d{1,6}$/.test(text) ? text.padStart(6, '0') : null;
}

/** The name authenticator apps show: the site's (the broker's display name), never the host. */
export async function siteName(core: Core): Promise<string> {
  const broker = await core.db.selectFrom('organizations').select('full_name')
    .where('slug', '=', core.config.brokerSlug).executeTakeFirst();
  return broker?.full_name?.trim() || core.config.brokerName;
}

export interface NewOtpSecret {
  /** Base32 seed, shown once to the user (as `priv_key`). */
  secret: string;
  /** What to store (sealed with a key derived from SECRET_KEY). */
  sealed: string;
  provisioningUri: string;
}

export function createOtpSecret(core: Core, account: string, issuer = core.config.brokerName): NewOtpSecret {
  const secret = generateSecret({ length: 20 });
  return {
    secret,
    sealed: encrypt(secret, sealingKey(core)),
    provisioningUri: generateURI({ issuer, label: account, secret }),
  };
}

/** The time step a code matches (one step of clock drift either way), after `afterStep`; else null. */
async function matchCode(core: Core, sealed: string, code: string, now: Date, afterStep: number | null): Promise<number | null> {
  if (!/^\d{6}$/.test(code)) return null;
  let secret: string;
  try {
    // Seeds sealed under an older SECRET_KEY are read with the key they were sealed with.
    secret = decryptWithAnyKey(core, sealed);
  } catch {
    return null;
  }
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    period: PERIOD,
    epochTolerance: PERIOD,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  return result.valid ? Math.floor(now.getTime() / 1000 / PERIOD) + result.delta : null;
}

/** The time step of a first code from a seed being set up, or null. */
export function matchSetupCode(core: Core, sealed: string, code: string, now: Date): Promise<number | null> {
  return matchCode(core, sealed, code, now, null);
}

/**
 * Checks a code against the user's seed and records the step so the same code cannot be
 * used twice. Call inside the login transaction.
 */
export async function verifyOtpCode(
  core: Core,
  tx: Db,
  user: { id: number; otp_secret: string | null; otp_last_step: number | null },
  code: string,
  now: Date,
): Promise<boolean> {
  if (!user.otp_secret) return false;
  const step = await matchCode(core, user.otp_secret, code, now, user.otp_last_step);
  if (step === null) return false;
  const updated = await tx.updateTable('users').set({ otp_last_step: step })
    .where('id', '=', user.id)
    .where((eb) => eb.or([eb('otp_last_step', 'is', null), eb('otp_last_step', '<', step)]))
    .executeTakeFirst();
  return Number(updated.numUpdatedRows) === 1;
}

function decryptWithAnyKey(core: Core, sealed: string): string {
  let last: unknown;
  for (const secretKey of core.config.secretKeys) {
    try {
      return decrypt(sealed, deriveKey(secretKey, 'otp-seed'));
    } catch (error) {
      last = error;
    }
  }
  throw last;
}
