// Time-based one-time codes (RFC 6238), as every authenticator app reads them. The seed
// is kept encrypted; a code is accepted once (the last used time step is remembered).
import { generateSecret, generateURI, verify } from 'otplib';
import type { Core } from '../context.js';
import type { Db } from '../../db/database.js';
import { decrypt, deriveKey, encrypt } from './secrets.js';

const PERIOD = 30;

function sealingKey(core: Core): Buffer {
  return deriveKey(core.config.secretKeys[0], 'otp-seed');
}

export interface NewOtpSecret {
  /** Base32 seed, shown once to the user (as `priv_key`). */
  secret: string;
  /** What to store in users.otp_secret. */
  sealed: string;
  provisioningUri: string;
}

export function createOtpSecret(core: Core, account: string): NewOtpSecret {
  const secret = generateSecret({ length: 20 });
  const issuer = new URL(core.config.baseUrl).hostname || 'Account Portal';
  return {
    secret,
    sealed: encrypt(secret, sealingKey(core)),
    provisioningUri: generateURI({ issuer, label: account, secret }),
  };
}

/**
 * Checks a code against the user's seed, allowing one step of clock drift either way, and
 * records the step so the same code cannot be used twice. Call inside the login transaction.
 */
export async function verifyOtpCode(
  core: Core,
  tx: Db,
  user: { id: number; otp_secret: string | null; otp_last_step: number | null },
  code: string,
  now: Date,
): Promise<boolean> {
  if (!user.otp_secret || !/^\d{6}$/.test(code)) return false;
  let secret: string;
  try {
    // Seeds sealed under an older SECRET_KEY are read with the key they were sealed with.
    secret = decryptWithAnyKey(core, user.otp_secret);
  } catch {
    return false;
  }
  const result = await verify({
    secret,
    token: code,
    epoch: Math.floor(now.getTime() / 1000),
    period: PERIOD,
    epochTolerance: PERIOD,
    ...(user.otp_last_step !== null ? { afterTimeStep: user.otp_last_step } : {}),
  });
  if (!result.valid) return false;
  const step = Math.floor(now.getTime() / 1000 / PERIOD) + result.delta;
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
