// Password hashing (argon2id at OWASP's recommended parameters) and the password policy.
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { createRequire } from 'node:module';
import { Invalid } from '../errors.js';

// OWASP Password Storage Cheat Sheet: argon2id, 19 MiB of memory, 2 iterations, 1 lane.
export const ARGON2_OPTIONS = { algorithm: 2 /* Argon2id */, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * At most one argon2 computation per core the process may run on, the others wait their
 * turn (first come, first served). Left to libuv's pool (4 threads) on one core, four
 * hashes of 19 MiB each ran at once: the scheduler gave each the event loop's share, so
 * reads waited behind them, and they evicted each other's memory from the caches, so each
 * cost more CPU than one alone (docs/benchmarks/startup-logins-nodes.md). The same hashes,
 * the same parameters: only how many run at the same time changes. The core count is read
 * at each call: it follows the process's CPU affinity (taskset, cgroups) as it is now.
 */
let hashing = 0;
const waiting: Array<() => void> = [];

async function oneOfFew<T>(work: () => Promise<T>): Promise<T> {
  if (hashing < availableParallelism()) hashing += 1;
  else await new Promise<void>((turn) => waiting.push(turn));
  try {
    return await work();
  } finally {
    // The slot goes straight to the next in line, or is freed.
    const next = waiting.shift();
    if (next) next();
    else hashing -= 1;
  }
}

export function hashPassword(password: string): Promise<string> {
  return oneOfFew(() => hash(password, ARGON2_OPTIONS));
}

/**
 * A hash (of random bytes nobody kept) checked when the account does not exist, so that
 * answering "no such account" costs as much time as a wrong password. A constant rather
 * than hashed at first use: the first unknown login after a start would otherwise cost a
 * hash more. Its parameters must stay those of ARGON2_OPTIONS (a test checks).
 */
export const DECOY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$DE4+xtBPiDXIpqz5xpNuZQ$93Rkc1tp6q8GWAQ0c9iJ2GEpkW2GZPVCZ7+72V5rjjQ';

export async function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  if (!stored) {
    await oneOfFew(() => verify(DECOY_HASH, password)).catch(() => false);
    return false;
  }
  try {
    return await oneOfFew(() => verify(stored, password));
  } catch {
    return false;
  }
}

let common: Set<string> | null = null;
/**
 * About 50,000 most common passwords, from the zxcvbn-ts dictionary shipped as a dependency.
 * Loaded on the first password checked (a synchronous require; the bundle leaves the package
 * out): decoding its lists took 50 ms of every start.
 */
function commonPasswords(): Set<string> {
  if (!common) {
    const { dictionary } = createRequire(import.meta.url)('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common');
    common = new Set(dictionary['passwords-common'].map((p) => p.toLowerCase()));
  }
  return common;
}

export const MAX_PASSWORD_LENGTH = 256;

/** Throws Invalid(field) when the password breaks the policy. */
export function checkPasswordPolicy(
  password: string,
  user: { username?: string | null; email?: string | null },
  minLength: number,
  field = 'password',
): void {
  const problems: string[] = [];
  if (password.length < minLength) problems.push(`This password is too short. It must contain at least ${minLength} characters.`);
  if (password.length > MAX_PASSWORD_LENGTH) problems.push(`This password is too long. It must contain at most ${MAX_PASSWORD_LENGTH} characters.`);
  const lower = password.toLowerCase();
  const personal = [user.username, user.email, user.email?.split('@')[0]]
    .filter((v): v is string => !!v && v.length >= 3)
    .map((v) => v.toLowerCase());
  if (personal.some((v) => lower === v || (v.length >= 4 && lower.includes(v)))) {
    problems.push('This password is too similar to the username or e-mail address.');
  }
  if (commonPasswords().has(lower)) problems.push('This password is too common.');
  if (/^\d+$/.test(password)) problems.push('This password is entirely numeric.');
  if (problems.length) throw new Invalid({ [field]: problems }, undefined, 'password.too_weak');
}
