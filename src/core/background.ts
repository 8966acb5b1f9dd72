// Work that must not delay an answer: when how long an answer takes would tell something
// (recovering a password for an address that has an account), the answer goes first and
// the work follows. Failures are logged; shutdown waits for what is under way.
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';

export class BackgroundWork {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  /**
   * Starts `work` after the current request, or after `delayMs` (a range draws a random
   * delay: on the embedded database every write waits its turn, so work started right
   * after an answer would slow the very next request and tell what the answer hid).
   */
  run(name: string, work: () => Promise<void>, delayMs: number | [number, number] = 0): void {
    const delay = Array.isArray(delayMs) ? delayMs[0] + randomInt(Math.max(1, delayMs[1] - delayMs[0])) : delayMs;
    const running: Promise<void> = new Promise<void>((resolve) => (delay > 0 ? setTimeout(resolve, delay) : setImmediate(resolve)))
      .then(work)
      .catch((error: unknown) => this.log.error({ err: error, work: name }, 'background work failed'))
      .finally(() => this.#pending.delete(running));
    this.#pending.add(running);
  }

  /** Resolves once everything started so far has finished. */
  async idle(): Promise<void> {
    while (this.#pending.size) await Promise.all(this.#pending);
  }
}
