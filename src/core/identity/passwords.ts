// Password hashing (argon2id at OWASP's recommended parameters) and the password policy.
import { availableParallelism } from 'node:os';
import { hash, verify } from '@node-rs/argon2';
import { createRequire } from 'node:module';
import { Invalid, Unavailable } from '../errors.js';
import { PASSWORD_HASH_MAX_WAIT_MS } from '../../config.js';

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
 *
 * The line is bounded by the wait it promises. A hash that would start later than
 * `maxWaitMs` from now is refused at once (Unavailable, 503 with Retry-After) instead of
 * queued: under a flood of logins an unbounded line grows without end, every login in it
 * waits longer than its client does, and the hashes of clients that gave up still run.
 * One line per process, whatever the number of services in it: they share the cores.
 */
export class HashLine {
  #running = 0;
  readonly #waiting: Array<() => void> = [];
  /** How long one hash takes here, in ms: a moving average of the last ones. */
  #hashMs: number;
  /** The most one hash's measure counts for: a late event loop is not a slow hash. */
  readonly #longestSample: number;

  constructor(
    /** How long a hash may wait for its turn; 0 refuses every hash that would wait. */
    public maxWaitMs: number,
    /** A first guess of one hash's time, until some are measured (OWASP's parameters take 15–25 ms on a server core). */
    expectedHashMs = 25,
    private readonly slots: () => number = availableParallelism,
  ) {
    this.#hashMs = expectedHashMs;
    this.#longestSample = expectedHashMs * 8;
  }

  /** Hashes running and waiting now. */
  get load(): { running: number; waiting: number } {
    return { running: this.#running, waiting: this.#waiting.length };
  }

  /** When a new hash would start, in ms from now, if it joined the line. */
  expectedWaitMs(): number {
    const slots = this.slots();
    if (this.#running < slots) return 0;
    return Math.ceil((this.#waiting.length + 1) / slots) * this.#hashMs;
  }

  /**
   * Throws the refusal a hash asked for now would get. A request that will hash calls it
   * before its other work: under a flood, refusals must cost next to nothing, or refusing
   * takes the core the hashes need (measured: docs/benchmarks/flood.md).
   */
  refuseWhenFull(): void {
    const waitMs = this.expectedWaitMs();
    if (waitMs > this.maxWaitMs) {
      throw new Unavailable('The service is too busy to check passwords now. Try again shortly.', Math.max(1, Math.ceil(waitMs / 1000)));
    }
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#running < this.slots()) this.#running += 1;
    else {
      this.refuseWhenFull();
      await new Promise<void>((turn) => this.#waiting.push(turn));
    }
    const started = performance.now();
    try {
      return await work();
    } finally {
      // A slow machine makes the line shorter: the wait promised is what counts. A sample is
      // capped, since the event loop's own backlog (a flood) is timed with the hash.
      this.#hashMs += (Math.min(performance.now() - started, this.#longestSample) - this.#hashMs) / 8;
      // The slot goes straight to the next in line, or is freed.
      const next = this.#waiting.shift();
      if (next) next();
      else this.#running -= 1;
    }
  }
}

/** The process's line; `createCore` sets its bound from PASSWORD_HASH_MAX_WAIT_MS. */
export const passwordHashLine = new HashLine(PASSWORD_HASH_MAX_WAIT_MS);

export function hashPassword(password: string): Promise<string> {
  return passwordHashLine.run(() => hash(password, ARGON2_OPTIONS));
}

/**
 * A hash (of random bytes nobody kept) checked when the account does not exist, so that
 * answering "no such account" costs as much time as a wrong password. A constant rather
 * than hashed at first use: the first unknown login after a start would otherwise cost a
 * hash more. Its parameters must stay those of ARGON2_OPTIONS (a test checks).
 */
export const DECOY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$DE4+xtBPiDXIpqz5xpNuZQ$93Rkc1tp6q8GWAQ0c9iJ2GEpkW2GZPVCZ7+72V5rjjQ';

/**
 * Whether `password` is the one `stored` was made from. With no stored hash (no such account,
 * or none with a password) it checks the decoy and answers false, in the same time. A full
 * line throws Unavailable before the check: never taken for a wrong password.
 */
export function verifyPassword(stored: string | null | undefined, password: string): Promise<boolean> {
  return passwordHashLine.run(async () => {
    const matches = await verify(stored || DECOY_HASH, password).catch(() => false);
    return matches && !!stored;
  });
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
