// The durable job queue: work that must survive a restart and must not run inside a
// request. pg-boss 10 keeps the jobs in its own `pgboss` schema of the same database
// (PGlite included, through its `db` adapter: every statement goes through our Kysely
// instance, so on PGlite it waits its turn on the one connection like any other query).
import PgBoss from 'pg-boss';
import { CompiledQuery } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from '../db/database.js';
import { SCRIPT_PREFIX } from '../db/pglite-dialect.js';
import { MAIL_MAX_ATTEMPTS } from '../core/notify/mailer.js';
import { DEPLOYMENT_MAX_ATTEMPTS } from '../core/provisioning/deployments.js';
import { PROVISIONING_MAX_ATTEMPTS } from '../core/organizations/customer-provisioning.js';

/** Every kind of job and what it carries. Adding a kind adds a line here, in QUEUES and a handler. */
export interface JobPayloads {
  /** Someone asked for a reset link for this address; the worker looks it up. */
  'password-recovery': { email: string; ip: string | null; userAgent: string | null };
  /** Someone registered this address; the worker creates the account or mails its owner. */
  'registration': {
    email: string; fullName: string; username: string | null; ip: string | null; userAgent: string | null;
    /** get.chat registers with a password: its argon2 hash, sealed (src/core/identity/registration.ts). */
    sealedPasswordHash?: string | null;
  };
  /** Send one mail of the outbox (queued in the unit of work that wrote it). */
  'mail-delivery': { mailId: number };
  /** Erase the content of mails kept unsent longer than a link lives (scheduled). */
  'erase-expired-mail': Record<string, never>;
  /** Delete sessions that ended a while ago (scheduled). */
  'prune-sessions': Record<string, never>;
  /** Delete registrations never activated whose links have all expired (scheduled). */
  'prune-registrations': Record<string, never>;
  /** Delete send-limit counters whose window has ended (scheduled). */
  'sweep-send-limits': Record<string, never>;
  /** Delete request rate-limit windows that have ended (scheduled). */
  'sweep-rate-limits': Record<string, never>;
  /** Settle the charges left `created` (a crash, a processor out of reach) from the processor's record (at start and scheduled). */
  'recover-charges': Record<string, never>;
  /** Run one deployment (a stack's or an application's creation, change or deletion). */
  'deployment': { deploymentId: number };
  /** POST one webhook delivery to its receiver, signed. */
  'webhook-delivery': { deliveryId: number };
  /** Write one Accountcentral notification's deliveries to its recipients. */
  'notice-fanout': { noticeId: number };
  /** Import Accountcentral's news from the configured feed (NEWS_FEED_URL). */
  'news-import': Record<string, never>;
  /** Run one Accountcentral provisioning job (prepare or do a customer's deactivation). */
  'customer-provisioning': { jobId: string };
  /** Delete what has outlived its use or its retention: finished webhook deliveries, expired links and OAuth2 rows, old idempotency keys and security events, customer figures kept a month (scheduled). */
  'prune-records': Record<string, never>;
  /** The daily renewals for the moment the job runs (scheduled). */
  'renewals': Record<string, never>;
  /** Fold the ledger roll-up's rows of closed months into one per key (scheduled). */
  'fold-ledger-sums': Record<string, never>;
}
export type JobKind = keyof JobPayloads;
export type JobHandlers = { [K in JobKind]: (payload: JobPayloads[K]) => Promise<void> };

interface QueuePolicy {
  retryLimit: number;
  retryDelay: number;
  retryBackoff: boolean;
  expireInSeconds: number;
  policy?: 'standard' | 'stately';
  /** A cron expression (UTC): pg-boss's timekeeper queues one job of this kind each time. */
  cron?: string;
}

/** Retries with exponential backoff from 10 s, five times; a run taking over 5 min is retried. */
const DEFERRED: QueuePolicy = { retryLimit: 5, retryDelay: 10, retryBackoff: true, expireInSeconds: 300 };

/**
 * Maintenance: at most one job of a kind waiting and one running (`stately`), so a slow
 * sweep never piles up behind itself; a failed one is simply retried at its next turn.
 */
const MAINTENANCE: QueuePolicy = { retryLimit: 1, retryDelay: 60, retryBackoff: false, expireInSeconds: 600, policy: 'stately' };

export const QUEUES: { [K in JobKind]: QueuePolicy } = {
  'password-recovery': DEFERRED,
  'registration': DEFERRED,
  // From 30 s, doubling (with jitter) up to about an hour: a mail server down for a few
  // hours still gets the mail. The mailer itself gives up after MAIL_MAX_ATTEMPTS tries
  // (it counts them in the outbox row), before pg-boss would. SMTP timeouts are well under
  // the 2 min after which a run is presumed dead and retried.
  'mail-delivery': { retryLimit: MAIL_MAX_ATTEMPTS + 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 120 },
  'erase-expired-mail': { ...MAINTENANCE, cron: '*/10 * * * *' },
  'prune-sessions': { ...MAINTENANCE, cron: '17 * * * *' },
  'prune-registrations': { ...MAINTENANCE, cron: '23 * * * *' },
  'sweep-send-limits': { ...MAINTENANCE, cron: '*/15 * * * *' },
  'sweep-rate-limits': { ...MAINTENANCE, cron: '*/5 * * * *' },
  'recover-charges': { ...MAINTENANCE, cron: '*/10 * * * *' },
  // From 10 s, doubling, eight retries (about 40 min); a run past the deployer's own timeout is
  // presumed dead. The job counts its tries in its row and records the failure at the last.
  'deployment': { retryLimit: DEPLOYMENT_MAX_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true, expireInSeconds: 900 },
  // From 30 s, doubling with jitter, ten tries (about 8 hours): a receiver down for a while still gets it.
  'webhook-delivery': { retryLimit: 10, retryDelay: 30, retryBackoff: true, expireInSeconds: 120 },
  'notice-fanout': DEFERRED,
  // One import waiting at most: triggering again while one waits adds nothing.
  'news-import': { ...DEFERRED, policy: 'stately' },
  // The job counts its tries in its row and records FAILED at the last; a run is short (database work only).
  'customer-provisioning': { retryLimit: PROVISIONING_MAX_ATTEMPTS - 1, retryDelay: 10, retryBackoff: true, expireInSeconds: 300 },
  // Once a day, at a quiet hour; each table is deleted from in slices (src/core/batches.ts).
  'prune-records': { ...MAINTENANCE, cron: '37 3 * * *', expireInSeconds: 3600 },
  // Once a day; a run is idempotent for its moment, so a retry or a second run changes nothing.
  'renewals': { ...MAINTENANCE, cron: '7 2 * * *', expireInSeconds: 3600 },
  // Hourly: a month's rows are folded within the hour after it closes (and rows booked late into it after them).
  'fold-ledger-sums': { ...MAINTENANCE, cron: '41 * * * *' },
};

const KINDS = Object.keys(QUEUES) as JobKind[];

/** Whether pg-boss's queue row already holds every setting of `policy` (what updateQueue would write). */
function samePolicy(stored: PgBoss.QueueResult, policy: Omit<QueuePolicy, 'cron'>): boolean {
  return stored.policy === (policy.policy ?? 'standard')
    && stored.retryLimit === policy.retryLimit
    && stored.retryDelay === policy.retryDelay
    && stored.retryBackoff === policy.retryBackoff
    && stored.expireInSeconds === policy.expireInSeconds;
}

/** Whether pg-boss's schedule row already holds what schedule(kind, cron, {}, { tz: 'UTC' }) writes. */
function sameSchedule(stored: PgBoss.Schedule | undefined, cron: string): boolean {
  if (!stored) return false;
  const { timezone } = stored as PgBoss.Schedule & { timezone?: string };
  return stored.cron === cron && timezone === 'UTC'
    && JSON.stringify(stored.data ?? null) === '{}' && JSON.stringify(stored.options ?? null) === '{"tz":"UTC"}';
}

/**
 * pg-boss talks SQL through this adapter, so it uses our pool (or PGlite's one connection).
 * Each statement under way is kept in `pending`: pg-boss marks a job done without awaiting
 * the statement, so close() must wait for those before the database closes under them.
 */
function adapter(db: Db, pending: Set<Promise<unknown>>): PgBoss.Db {
  return {
    async executeSql(text: string, values: unknown[] = []) {
      // Without values pg-boss may send several statements at once (its schema scripts):
      // PGlite runs those only through its simple-query path, which the prefix selects.
      const query = values.length ? CompiledQuery.raw(text, values) : CompiledQuery.raw(SCRIPT_PREFIX + text);
      const running = db.executeQuery(query);
      pending.add(running);
      try {
        const result = await running;
        return { rows: result.rows as unknown[] };
      } finally {
        pending.delete(running);
      }
    },
  };
}

export interface EnqueueOptions {
  /** Run no sooner than this many milliseconds from now. */
  delayMs?: number;
}

export class JobQueue {
  readonly #boss: PgBoss;
  readonly #log: Logger;
  readonly #pollSeconds: number;
  readonly #afterCommit: (hook: () => void) => void;
  #handlers: JobHandlers | null = null;
  #opened: Promise<void> | null = null;
  /** This process's worker of each kind, woken when a job of that kind is committed here. */
  readonly #workers = new Map<JobKind, string>();

  readonly #schedule: boolean;
  /** pg-boss's statements under way (see `adapter`). */
  readonly #statements = new Set<Promise<unknown>>();
  #closing = false;

  constructor(db: Db, options: {
    log: Logger;
    pollIntervalMs: number;
    afterCommit?: (hook: () => void) => void;
    /**
     * Run pg-boss's timekeeper here, which queues the scheduled (cron) jobs. Every node
     * may: they agree through the database on who fires each minute. Off in tests, which
     * call the maintenance handlers themselves with a moved clock.
     */
    schedule?: boolean;
  }) {
    this.#log = options.log;
    this.#afterCommit = options.afterCommit ?? ((hook) => hook());
    this.#pollSeconds = Math.max(0.5, options.pollIntervalMs / 1000);
    this.#schedule = options.schedule ?? false;
    this.#boss = new PgBoss({
      db: adapter(db, this.#statements),
      schedule: this.#schedule,
      // Finished jobs hold what was submitted (an e-mail address someone typed): archived
      // after an hour, deleted a day later.
      archiveCompletedAfterSeconds: 3600,
      archiveFailedAfterSeconds: 7 * 86400,
      deleteAfterHours: 24,
      maintenanceIntervalSeconds: 300,
    });
    this.#boss.on('error', (error: unknown) => this.#log.error({ err: error }, 'job queue error'));
  }

  /** Creates or upgrades pg-boss's schema and the queues; enqueueing works from then on. */
  open(): Promise<void> {
    this.#opened ??= (async () => {
      await this.#boss.start();
      const existing = new Map((await this.#boss.getQueues()).map((q) => [q.name, q]));
      // Likewise the cron rows: one read instead of an upsert per scheduled kind at each start.
      const schedules = this.#schedule ? new Map((await this.#boss.getSchedules()).map((s) => [s.name, s])) : new Map<string, PgBoss.Schedule>();
      for (const kind of KINDS) {
        const { cron, ...policy } = QUEUES[kind];
        const stored = existing.get(kind);
        // The policy is kept in pg-boss's queue row: updated, so a change here reaches
        // existing databases (the policy kind itself is fixed at creation). A row that
        // already says the same is left alone: a restart then writes nothing here.
        if (!stored) await this.#boss.createQueue(kind, { name: kind, ...policy });
        else if (!samePolicy(stored, policy)) await this.#boss.updateQueue(kind, { name: kind, ...policy });
        if (this.#schedule && cron && !sameSchedule(schedules.get(kind), cron)) await this.#boss.schedule(kind, cron, {}, { tz: 'UTC' });
      }
    })();
    return this.#opened;
  }

  async enqueue<K extends JobKind>(kind: K, payload: JobPayloads[K], options: EnqueueOptions = {}): Promise<void> {
    await this.open();
    const startAfter = options.delayMs ? new Date(Date.now() + options.delayMs) : undefined;
    // Inside a unit of work the job row is part of it (the adapter's queries join the
    // transaction): a change that rolls back queues nothing.
    await this.#boss.send(kind, payload, startAfter ? { startAfter } : {});
    if (!startAfter) {
      this.#afterCommit(() => {
        const worker = this.#workers.get(kind);
        if (worker) this.#boss.notifyWorker(worker);
      });
    }
  }

  /** Starts one worker per kind; each polls the queue and runs its handler, one job at a time. */
  async work(handlers: JobHandlers): Promise<void> {
    await this.open();
    this.#handlers = handlers;
    for (const kind of KINDS) {
      const worker = await this.#boss.work(kind, { pollingIntervalSeconds: this.#pollSeconds },
        async (jobs: PgBoss.Job<JobPayloads[typeof kind]>[]) => {
          for (const job of jobs) await this.#run(kind, job.data);
          // pg-boss waits a polling interval after every batch, even a full one: a backlog
          // (a burst of mails) would drain one job per interval. A worker that found work
          // looks again at once; an empty fetch waits as usual.
          const self = this.#workers.get(kind);
          if (self) this.#boss.notifyWorker(self);
        });
      this.#workers.set(kind, worker);
    }
  }

  /** Stops polling (jobs under way finish); the jobs left wait in the database. */
  async stopWorking(): Promise<void> {
    for (const kind of KINDS) await this.#boss.offWork(kind);
    this.#workers.clear();
  }

  /** Handlers under way: close() waits for them, so none runs on after the database closed. */
  readonly #inFlight = new Set<Promise<void>>();

  async #run<K extends JobKind>(kind: K, payload: JobPayloads[K]): Promise<void> {
    const handler = this.#handlers?.[kind];
    if (!handler) throw new Error(`no handler for job ${kind}`);
    // A fetch under way when close() began can still hand over a job: it is left to the
    // next start (pg-boss counts it failed and retries it) rather than run on a closing node.
    if (this.#closing) throw new Error(`job ${kind} not started: the queue is closing`);
    const running = handler(payload);
    this.#inFlight.add(running);
    try {
      await running;
    } catch (error) {
      // Logged without the payload, which holds what someone typed.
      this.#log.warn({ err: error, job: kind }, 'job failed; it will be retried');
      throw error;
    } finally {
      this.#inFlight.delete(running);
    }
  }

  /**
   * Runs every job waiting, due or not, here and now, and returns once none is waiting or
   * running. Tests wait on it instead of sleeping.
   */
  async idle(): Promise<void> {
    if (!this.#handlers) throw new Error('idle() needs the workers started (work())');
    for (;;) {
      let ran = 0;
      for (const kind of KINDS) {
        const jobs = (await this.#boss.fetch<JobPayloads[typeof kind]>(kind, { batchSize: 20, ignoreStartAfter: true })) ?? [];
        for (const job of jobs) {
          ran += 1;
          try {
            await this.#run(kind, job.data);
            await this.#boss.complete(kind, job.id);
          } catch (error) {
            await this.#boss.fail(kind, job.id, { message: String((error as Error).message ?? error) });
          }
        }
      }
      if (ran) continue;
      let waiting = 0;
      for (const kind of KINDS) waiting += await this.#boss.getQueueSize(kind, { before: 'completed' });
      if (waiting === 0) return;
      // A worker holds one: wait for it, a little at a time.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Stops the workers, waiting for jobs under way; what is left runs after the next start. */
  async close(): Promise<void> {
    if (!this.#opened) return;
    await this.#opened.catch(() => {});
    this.#closing = true;
    await this.#boss.stop({ graceful: true, wait: true, timeout: 8000 });
    // pg-boss stops waiting after its timeout (a loaded machine, a slow SMTP server) and
    // marks the job failed, to be retried; the handler itself is still running. And it
    // marks a finished job done without awaiting that statement. Let both end before the
    // database closes under them, within a bound so a hung send cannot hold shutdown
    // forever. Each round may start another statement (a handler's last one, the job's
    // completion), so drain until nothing is left.
    const deadline = Date.now() + 30_000;
    while ((this.#inFlight.size || this.#statements.size) && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#inFlight, ...this.#statements]),
        new Promise((resolve) => { timer = setTimeout(resolve, deadline - Date.now()); }),
      ]);
      clearTimeout(timer);
      // Let a continuation that was waiting on them issue its next statement.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
}
