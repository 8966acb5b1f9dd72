// Recovery codes: single-use codes that stand in for the authenticator app at login when
// the phone is lost. Ten are made when the app is confirmed (and anew on request, which
// ends the old ones); they are shown once and only their SHA-256 is kept (each carries
// 50 random bits, so a fast hash is enough). Each use is a security event and a mail.
import { randomInt } from 'node:crypto';
import type { Db } from '../../db/database.js';
import { sha256 } from './secrets.js';

export const RECOVERY_CODE_COUNT = 10;
/** 32 letters and digits, without the easily confused 0/o and 1/l. */
const ALPHABET = 'abcdefghijkmnpqrstuvwxyz23456789';
const GROUP = 5;
const PATTERN = new RegExp(`^[${ALPHABET}]{${GROUP * 2}}$`);

function newCode(): string {
  let code = '';
  for (let i = 0; i < GROUP * 2; i += 1) code += ALPHABET[randomInt(ALPHABET.length)];
  return `${code.slice(0, GROUP)}-${code.slice(GROUP)}`;
}

/** The canonical form of what a user typed (any case, with or without the dash), or null. */
export function normalizeRecoveryCode(input: unknown): string | null {
  if (typeof input !== 'string') return null;
  const code = input.trim().toLowerCase().replace(/[\s-]/g, '');
  return PATTERN.test(code) ? code : null;
}

/** Replaces the user's recovery codes; returns the new ones, to show once. */
export async function replaceRecoveryCodes(tx: Db, userId: number, now: Date): Promise<string[]> {
  await tx.deleteFrom('otp_recovery_codes').where('user_id', '=', userId).execute();
  const codes = Array.from({ length: RECOVERY_CODE_COUNT }, newCode);
  await tx.insertInto('otp_recovery_codes')
    .values(codes.map((code) => ({ user_id: userId, code_hash: sha256(normalizeRecoveryCode(code)!), created_at: now })))
    .execute();
  return codes;
}

export async function forgetRecoveryCodes(tx: Db, userId: number): Promise<void> {
  await tx.deleteFrom('otp_recovery_codes').where('user_id', '=', userId).execute();
}

/** Spends one code (normalized); the number left, or null when it is not an unused code of the user. */
export async function spendRecoveryCode(tx: Db, userId: number, code: string, now: Date): Promise<number | null> {
  const spent = await tx.updateTable('otp_recovery_codes').set({ used_at: now })
    .where('user_id', '=', userId).where('code_hash', '=', sha256(code)).where('used_at', 'is', null)
    .executeTakeFirst();
  if (Number(spent.numUpdatedRows) !== 1) return null;
  const left = await tx.selectFrom('otp_recovery_codes').select((eb) => eb.fn.countAll<number>().as('n'))
    .where('user_id', '=', userId).where('used_at', 'is', null).executeTakeFirstOrThrow();
  return Number(left.n);
}
