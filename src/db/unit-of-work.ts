// The unit of work at the driver level. `transact(fn)` runs fn in one transaction on one
// connection, and while fn runs every query of this Kysely instance, wherever it is
// issued, goes to that connection (AsyncLocalStorage carries the transaction through
// fn's awaits). So code inside a unit of work cannot reach the pool by mistake: on
// PGlite, whose one connection the transaction holds, that used to deadlock; on
// PostgreSQL it silently wrote outside the transaction. A nested `transact` joins the
// outer one, so core functions compose ("grant a role + book a ledger row + queue a
// webhook" commit or roll back together) without threading a handle through every call.
import { AsyncLocalStorage } from 'node:async_hooks';
import { CompiledQuery } from 'kysely';
import type {
  DatabaseConnection,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  DatabaseIntrospector,
  QueryCompiler,
  TransactionSettings,
} from 'kysely';

type Hook = () => void | Promise<void>;

interface Scope {
  connection: DatabaseConnection;
  /** Savepoints opened so far, for naming the next one. */
  depth: number;
  /** False once the transaction ended: work the unit left running goes to the pool. */
  open: boolean;
  afterCommit: Hook[];
  /** Owners of the hooks `afterCommitOnce` registered (one hook per owner and unit). */
  once?: Map<object, Hook>;
}

const scopes = new AsyncLocalStorage<Scope>();
/**
 * Units of work running now. While none runs, the storage is disabled: on Node 20 an enabled
 * AsyncLocalStorage makes every promise and tick of every request pay for context tracking
 * (about a tenth of a cached read's CPU), and only a unit of work needs it. `run()` enables it
 * again; entries left on old async resources name closed scopes, which `activeScope` ignores.
 */
let unitsRunning = 0;

function activeScope(): Scope | undefined {
  const scope = scopes.getStore();
  return scope?.open ? scope : undefined;
}

/** True while the current async context runs inside a unit of work. */
export function inTransaction(): boolean {
  return activeScope() !== undefined;
}

/**
 * Inside a unit of work, runs hook after the outermost commit, once per unit however often
 * `owner` asks, and answers true; outside one, answers false and does nothing (the caller's
 * statement committed on its own). The change feed's write fence uses it.
 */
export function afterCommitOnce(owner: object, hook: Hook): boolean {
  const scope = activeScope();
  if (!scope) return false;
  scope.once ??= new Map();
  if (!scope.once.has(owner)) {
    scope.once.set(owner, hook);
    scope.afterCommit.push(hook);
  }
  return true;
}

/** Kysely's own `db.transaction()` inside a unit of work: one would commit the other's half. */
export class NestedTransaction extends Error {
  constructor() {
    super('a transaction was opened inside a unit of work: use transact(), which joins the open one');
  }
}

/** Reports hook failures; a failed hook must not turn a committed change into an error. */
export type HookErrorReporter = (error: unknown) => void;

class UnitOfWorkDriver implements Driver {
  #initialized: Promise<void> | null = null;

  constructor(private readonly inner: Driver, private readonly reportHookError: HookErrorReporter) {}

  // Kysely initializes its driver lazily, on the first query; a unit of work may come first.
  init(): Promise<void> {
    this.#initialized ??= this.inner.init();
    return this.#initialized;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    return activeScope()?.connection ?? this.inner.acquireConnection();
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    // The unit of work releases its connection itself, when it ends.
    if (activeScope()?.connection === connection) return;
    return this.inner.releaseConnection(connection);
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    if (activeScope()) throw new NestedTransaction();
    return this.inner.beginTransaction(connection, settings);
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.inner.rollbackTransaction(connection);
  }

  destroy(): Promise<void> {
    return this.inner.destroy();
  }

  async transact<T>(fn: () => Promise<T>): Promise<T> {
    const outer = activeScope();
    if (outer) return this.#nested(outer, fn);
    await this.init();
    const connection = await this.inner.acquireConnection();
    const scope: Scope = { connection, depth: 0, open: true, afterCommit: [] };
    let result: T;
    unitsRunning += 1;
    try {
      await this.inner.beginTransaction(connection, {});
      try {
        result = await scopes.run(scope, fn);
        await this.inner.commitTransaction(connection);
      } catch (error) {
        await this.inner.rollbackTransaction(connection).catch(() => {});
        throw error;
      }
    } finally {
      if (scope.open) {
        scope.open = false;
        if (--unitsRunning === 0) scopes.disable();
      }
      await this.inner.releaseConnection(connection);
    }
    for (const hook of scope.afterCommit) {
      try {
        await hook();
      } catch (error) {
        this.reportHookError(error);
      }
    }
    return result;
  }

  /**
   * A unit inside another runs under a savepoint: if it fails, its writes (and the hooks
   * it registered) are undone and the outer unit may catch the error and go on. Without
   * it, a caught failure would commit half of the inner unit, and on PostgreSQL a failed
   * statement (a unique violation) would abort the whole transaction.
   */
  async #nested<T>(scope: Scope, fn: () => Promise<T>): Promise<T> {
    const name = `unit_${++scope.depth}`;
    const hooks = scope.afterCommit.length;
    await scope.connection.executeQuery(CompiledQuery.raw(`savepoint ${name}`));
    try {
      const result = await fn();
      await scope.connection.executeQuery(CompiledQuery.raw(`release savepoint ${name}`));
      return result;
    } catch (error) {
      await scope.connection.executeQuery(CompiledQuery.raw(`rollback to savepoint ${name}`)).catch(() => {});
      scope.afterCommit.length = hooks;
      // A once-hook undone with the savepoint may be asked for again by the outer unit.
      for (const [owner, hook] of scope.once ?? []) if (!scope.afterCommit.includes(hook)) scope.once!.delete(owner);
      throw error;
    }
  }

  afterCommit(hook: Hook): void {
    const scope = activeScope();
    if (scope) {
      scope.afterCommit.push(hook);
      return;
    }
    // Outside a unit of work every statement commits on its own: the change is in.
    void Promise.resolve().then(hook).catch(this.reportHookError);
  }
}

/** Wraps a dialect so its Kysely instance runs units of work (see `UnitOfWork`). */
export class UnitOfWorkDialect implements Dialect {
  #driver: UnitOfWorkDriver | null = null;

  constructor(private readonly inner: Dialect, private readonly reportHookError: HookErrorReporter = () => {}) {}

  createDriver(): Driver {
    this.#driver = new UnitOfWorkDriver(this.inner.createDriver(), this.reportHookError);
    return this.#driver;
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createIntrospector(db: Kysely<any>): DatabaseIntrospector { // eslint-disable-line @typescript-eslint/no-explicit-any -- Kysely's own signature
    return this.inner.createIntrospector(db);
  }

  /** The driver exists once Kysely was built with this dialect. */
  get unitOfWork(): UnitOfWork {
    const driver = this.#driver;
    if (!driver) throw new Error('the Kysely instance of this dialect has not been created yet');
    return {
      transact: (fn) => driver.transact(fn),
      afterCommit: (hook) => driver.afterCommit(hook),
    };
  }
}

export interface UnitOfWork {
  /** Runs fn in one transaction (joining the open one, if any); after-commit hooks run once it commits. */
  transact<T>(fn: () => Promise<T>): Promise<T>;
  /** Runs hook after the current unit of work commits (dropped if it rolls back); at once outside one. */
  afterCommit(hook: Hook): void;
}
