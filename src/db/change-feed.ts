// Tells in-process read caches which rows changed, on every node, per row.
//
// Triggers on the watched tables (migration 0011) NOTIFY `<table>:<key>,<key>,...` on
// CHANGE_CHANNEL for every statement that touches rows, naming each row by the column the
// caches key it by (a statement that touches too many rows for one payload says
// `<table>:*`). Triggers see every write, raw SQL included. Each node LISTENs on one
// connection and hands the changes to its caches.
//
// Notifications arrive after the commit, so a node could answer its next request from an
// entry that its own commit just made stale. `fence()` closes that gap: it NOTIFYs a
// marker of its own and resolves once the listener has seen it; PostgreSQL delivers
// notifications in commit order, so by then every change committed before the fence was
// handed to the caches. The unit of work fences after a commit that wrote a watched table
// (`WriteFencePlugin`), so a request that changed a row answers only once this node
// dropped what it cached about it. PGlite delivers notifications while the committing
// query returns, so there a fence has nothing to wait for.
import type {
  KyselyPlugin,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  UnknownRow,
} from 'kysely';
import { randomBytes } from 'node:crypto';
import { afterCommitOnce } from './unit-of-work.js';

/**
 * The one list of tables whose rows the read caches hold, each with the column that names
 * a row in notifications and cache tags (`users:<id>`, `sessions:<user_id>`, ...).
 * Migration 0011 puts the triggers on exactly these; a test checks the database agrees.
 * Adding a table takes a migration that calls `watchTableStatements` for it (0011 lists its own).
 */
export const WATCHED_TABLES = {
  users: 'id',
  sessions: 'user_id',
  roles: 'user_id',
  organizations: 'id',
  role_descriptions: 'organization_id',
  // The broker team's notes shown in a profile to its managers (0038).
  activities: 'user_id',
  // Not cached: followed by server-sent event streams (Accountcentral's notifications and
  // application status, src/core/notices), on every node (0029).
  notice_deliveries: 'user_id',
  application_statuses: 'application',
} as const;

export type WatchedTable = keyof typeof WATCHED_TABLES;
/** A row a cache entry depends on: `<table>:<key>` (`null` for a null key), or `<table>:*` for any row. */
export type RowTag = `${WatchedTable}:${string}`;

export const CHANGE_CHANNEL = 'account_portal_changes';
/** PostgreSQL refuses payloads of 8000 bytes and more; past this the trigger names the whole table. */
export const MAX_PAYLOAD = 7900;
const FENCE_PREFIX = 'fence:';
/** A fence not back by then means the LISTEN connection is stuck: callers read the database instead. */
const FENCE_TIMEOUT_MS = 5000;

/** What changed: some rows of a table (`'*'`: any), or everything (the feed was interrupted). */
export type Change = { table: WatchedTable; keys: string[] | '*' } | { table: '*' };

const watched = new Set<string>(Object.keys(WATCHED_TABLES));

/** Reads a notification payload; anything unknown empties everything, the safe reading. */
export function parsePayload(payload: string): Change {
  const colon = payload.indexOf(':');
  const table = payload.slice(0, colon);
  if (colon < 0 || !watched.has(table)) return { table: '*' };
  const rest = payload.slice(colon + 1);
  return { table: table as WatchedTable, keys: rest === '*' ? '*' : rest.split(',') };
}

/** The SQL that makes one table NOTIFY its changed rows (used by migration 0011). */
export function watchTableStatements(table: WatchedTable): string[] {
  const column = WATCHED_TABLES[table];
  return [
    `create trigger ${table}_notify_insert after insert on ${table} referencing new table as new_rows
      for each statement execute function account_portal_notify_rows('${column}')`,
    `create trigger ${table}_notify_update after update on ${table} referencing old table as old_rows new table as new_rows
      for each statement execute function account_portal_notify_rows('${column}')`,
    `create trigger ${table}_notify_delete after delete on ${table} referencing old table as old_rows
      for each statement execute function account_portal_notify_rows('${column}')`,
    `create trigger ${table}_notify_truncate after truncate on ${table}
      for each statement execute function account_portal_notify_rows('${column}')`,
  ];
}

/**
 * Statement-level with transition tables: one notification per statement, naming each
 * distinct key once (an update names the keys before and after, so a row that moves to
 * another user invalidates both).
 */
export const NOTIFY_ROWS_FUNCTION = `create or replace function account_portal_notify_rows() returns trigger
  language plpgsql as $$
  declare
    keys text;
    source text;
  begin
    if tg_op = 'TRUNCATE' then
      perform pg_notify('${CHANGE_CHANNEL}', tg_table_name || ':*');
      return null;
    end if;
    source := case tg_op
      when 'INSERT' then format('select %1$I as k from new_rows', tg_argv[0])
      when 'DELETE' then format('select %1$I as k from old_rows', tg_argv[0])
      else format('select %1$I as k from old_rows union select %1$I from new_rows', tg_argv[0]) end;
    execute format('select string_agg(distinct coalesce(k::text, ''null''), '','') from (%s) s', source) into keys;
    if keys is null then
      return null;
    end if;
    if octet_length(tg_table_name) + 1 + octet_length(keys) > ${MAX_PAYLOAD} then
      keys := '*';
    end if;
    perform pg_notify('${CHANGE_CHANNEL}', tg_table_name || ':' || keys);
    return null;
  end $$`;

type Listener = (change: Change) => void;

/** Sends a NOTIFY on CHANGE_CHANNEL (on the listening connection, so it needs no pool slot). */
export type SendNotify = (payload: string) => Promise<void>;

export class ChangeFeed {
  readonly #listeners = new Set<Listener>();
  readonly #node = randomBytes(6).toString('hex');
  #live = false;
  #send: SendNotify | null = null;
  #fences = 0;
  /** Callers waiting for a fence not sent yet, and the fence in flight (its marker and callers). */
  #queued: Array<{ resolve(): void; reject(error: Error): void }> = [];
  #inFlight: { marker: string; waiters: Array<{ resolve(): void; reject(error: Error): void }> } | null = null;
  readonly #timers = new Map<string, NodeJS.Timeout>();

  /**
   * @param synchronous the database delivers a commit's notifications before the commit
   *   returns (PGlite, in process): fences resolve at once.
   */
  constructor(readonly synchronous = false) {}

  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** True while changes flow in; caches must not serve entries while it is false. */
  get live(): boolean {
    return this.#live;
  }

  /** The listener (re)connected: everything cached before may have missed changes. */
  connected(send: SendNotify): void {
    this.#send = send;
    this.#emit({ table: '*' });
    this.#live = true;
    // A fence sent on the lost connection may never come back: the emptying above covers it.
    this.#settle(null);
    this.#pump();
  }

  /** The listener lost its connection: caches stop serving until it is back. */
  disconnected(): void {
    this.#live = false;
    this.#send = null;
    this.#emit({ table: '*' });
    this.#settle(new Error('the change feed is down'));
  }

  /** A notification arrived on CHANGE_CHANNEL. */
  notified(payload: string): void {
    if (payload.startsWith(FENCE_PREFIX)) {
      if (this.#inFlight && payload === this.#inFlight.marker) {
        this.#settleInFlight(null);
        this.#pump();
      }
      return; // another node's fence
    }
    this.#emit(parsePayload(payload));
  }

  /**
   * Resolves once every change committed before the call reached the subscribers. Calls
   * coalesce: all callers waiting while a fence is in flight share the next one. Rejects
   * while the feed is down (the caches are not serving then anyway).
   */
  fence(): Promise<void> {
    if (this.synchronous) return Promise.resolve();
    if (!this.#live) return Promise.reject(new Error('the change feed is down'));
    return new Promise((resolve, reject) => {
      this.#queued.push({ resolve, reject });
      this.#pump();
    });
  }

  #pump(): void {
    if (this.#inFlight || this.#queued.length === 0 || !this.#send) return;
    const marker = `${FENCE_PREFIX}${this.#node}:${++this.#fences}`;
    this.#inFlight = { marker, waiters: this.#queued };
    this.#queued = [];
    const fail = (error: Error) => {
      if (this.#inFlight?.marker !== marker) return;
      // Whatever was on its way may be lost with it: nothing cached so far is trusted.
      this.#emit({ table: '*' });
      this.#settleInFlight(error);
      this.#pump();
    };
    const timer = setTimeout(() => fail(new Error('the change feed did not answer a fence')), FENCE_TIMEOUT_MS);
    timer.unref();
    this.#send(marker).then(() => {}, fail);
    this.#timers.set(marker, timer);
  }

  #settleInFlight(error: Error | null): void {
    const waiters = this.#inFlight?.waiters ?? [];
    if (this.#inFlight) {
      clearTimeout(this.#timers.get(this.#inFlight.marker));
      this.#timers.delete(this.#inFlight.marker);
    }
    this.#inFlight = null;
    for (const w of waiters) {
      if (error) w.reject(error);
      else w.resolve();
    }
  }

  #settle(error: Error | null): void {
    this.#settleInFlight(error);
    if (error) {
      const queued = this.#queued;
      this.#queued = [];
      for (const w of queued) w.reject(error);
    }
  }

  #emit(change: Change): void {
    for (const listener of this.#listeners) listener(change);
  }
}

const WRITE_KINDS = new Set(['InsertQueryNode', 'UpdateQueryNode', 'DeleteQueryNode', 'MergeQueryNode']);
const WATCHED_WORD = new RegExp(`\\b(${Object.keys(WATCHED_TABLES).join('|')})\\b`, 'i');
const WRITE_WORD = /\b(insert|update|delete|merge|truncate)\b/i;

/** Every table a node names, wherever (a write with a sub-select may name more: a spare fence). */
function namesWatchedTable(node: unknown, depth = 0): boolean {
  if (!node || typeof node !== 'object' || depth > 40) return false;
  const n = node as { kind?: string; table?: { identifier?: { name?: string } } };
  if (n.kind === 'TableNode' && n.table?.identifier?.name && watched.has(n.table.identifier.name)) return true;
  for (const value of Object.values(node)) {
    if (Array.isArray(value)) {
      if (value.some((v) => namesWatchedTable(v, depth + 1))) return true;
    } else if (value && typeof value === 'object' && namesWatchedTable(value, depth + 1)) {
      return true;
    }
  }
  return false;
}

/**
 * Decides when this node must wait for its own changes to reach its caches (it does not
 * invalidate anything itself: the triggers do). A query that may write a watched table
 * fences after its unit of work commits, or right after it returns outside one (it
 * committed on its own). Raw SQL is judged by its words, generously: any write keyword
 * together with a watched table's name; a spare fence costs a round trip, a missing one
 * would let this node serve its own stale data until the notification arrives.
 */
export class WriteFencePlugin implements KyselyPlugin {
  readonly #writes = new WeakSet<QueryId>();

  constructor(private readonly feed: ChangeFeed, private readonly onFenceError: (error: unknown) => void = () => {}) {}

  transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
    const node = args.node as OperationNode;
    let writes = false;
    if (WRITE_KINDS.has(node.kind)) {
      writes = namesWatchedTable(node);
    } else if (node.kind === 'RawNode') {
      const text = (node as unknown as { sqlFragments: readonly string[] }).sqlFragments.join(' ');
      writes = WRITE_WORD.test(text) && WATCHED_WORD.test(text);
    }
    if (writes) this.#writes.add(args.queryId);
    return args.node;
  }

  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    if (this.#writes.has(args.queryId)) {
      this.#writes.delete(args.queryId);
      // Inside a unit of work the fence waits for the commit; outside, the statement committed.
      if (!afterCommitOnce(this, () => this.#fence())) await this.#fence();
    }
    return args.result;
  }

  async #fence(): Promise<void> {
    // A feed that is down has no fence to wait for, and the caches do not serve meanwhile.
    if (!this.feed.live) return;
    await this.feed.fence().catch(this.onFenceError);
  }
}
