// Work that must not delay an answer: when how long an answer takes would tell something
// (recovering a password for an address that has an account), the answer goes first and
// the work follows. Failures are logged; shutdown waits for what is under way.
import type { Logger } from 'pino';

export class BackgroundWork {
  readonly #pending = new Set<Promise<void>>();

  constructor(private readonly log: Logger) {}

  run(name: string, work: () => Promise<void>): void {
    const running: Promise<void> = new Promise<void>((resolve) => setImmediate(resolve))
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
