// One subscription (or organization) the run cannot handle must not hold back the others:
// each item's work is its own unit of work, and a failure is recorded and the run goes on.
// The run fails at its end (RenewalsIncomplete), so the job is retried; being idempotent,
// the retry only does what is still missing.

export interface RenewalFailure {
  step: 'extend' | 'charge' | 'outcome' | 'recognize' | 'notice';
  /** What the step was working on (`subscription 12`, `organization 7`). */
  subject: string;
  message: string;
}

/** Runs one item's work; on failure, records it and answers undefined. */
export async function apart<T>(failures: RenewalFailure[], step: RenewalFailure['step'], subject: string, work: () => Promise<T>): Promise<T | undefined> {
  try {
    return await work();
  } catch (error) {
    failures.push({ step, subject, message: error instanceof Error ? error.message : String(error) });
    return undefined;
  }
}

/** A run that did everything it could, except for the items it names; retried by the job. */
export class RenewalsIncomplete extends Error {
  constructor(readonly failures: readonly RenewalFailure[]) {
    super(`renewals: ${failures.length} item(s) failed: ${failures.slice(0, 5).map((f) => `${f.step} ${f.subject}: ${f.message}`).join('; ')}`);
    this.name = 'RenewalsIncomplete';
  }
}
