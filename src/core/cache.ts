// A small read cache for the hot path: the state of a token's user and whether a user
// manages the broker are read on nearly every request, and a database round trip costs
// more than the rest of the request.
//
// Each entry names the rows it was read from (`users:<id>`, `sessions:<user_id>`, ...;
// see WATCHED_TABLES in src/db/change-feed.ts), and a change to one of those rows, on any
// node, drops it; other entries stay. Entries also expire, as a safety net. While the
// change feed is down nothing is served from the cache: every read goes to the database.
// The guarantees (own node, other nodes, the auth path) are in docs/architecture.md.
import type { Change, RowTag, WatchedTable } from '../db/change-feed.js';
import { inTransaction } from '../db/unit-of-work.js';

/** What the cache needs from the change feed (src/db/change-feed.ts). */
export interface ChangeSource {
  readonly live: boolean;
  /** Changes reach the subscribers before the write returns (PGlite, in process): no fence to wait for. */
  readonly synchronous?: boolean;
  fence(): Promise<void>;
  subscribe(listener: (change: Change) => void): () => void;
}

interface Entry {
  value: unknown;
  tags: readonly RowTag[];
  expiresAt: number;
}

export interface GetOptions {
  /**
   * Serve a hit only once every change committed before this call (on any node) has reached
   * this cache: what authentication and authorization read. Costs one coalesced round trip
   * on PostgreSQL, none on PGlite.
   */
  fenced?: boolean;
}

function tableOf(tag: RowTag): WatchedTable {
  return tag.slice(0, tag.indexOf(':')) as WatchedTable;
}

function affects(change: Change, tags: readonly RowTag[]): boolean {
  if (change.table === '*') return true;
  for (const tag of tags) {
    if (tableOf(tag) !== change.table) continue;
    const key = tag.slice(tag.indexOf(':') + 1);
    if (change.keys === '*' || key === '*' || change.keys.includes(key)) return true;
  }
  return false;
}

export class ReadCache {
  readonly #entries = new Map<string, Entry>();
  /** Entry keys by tag (`users:7`, and `users:*` for entries that depend on any user row). */
  readonly #byTag = new Map<RowTag, Set<string>>();
  /** Entry keys by table, for a change that names the whole table. */
  readonly #byTable = new Map<WatchedTable, Set<string>>();
  /** Loads in progress, each with the changes that arrived meanwhile. */
  readonly #loading = new Set<Change[]>();

  constructor(
    private readonly source: ChangeSource,
    private readonly ttlMs = 30_000,
    private readonly maxEntries = 10_000,
  ) {
    source.subscribe((change) => this.invalidate(change));
  }

  /**
   * The changes behind the cache, as they arrive from every node: for what follows rows
   * rather than caching them (server-sent event streams). Returns the unsubscribe.
   */
  follow(listener: (change: Change) => void): () => void {
    return this.source.subscribe(listener);
  }

  get size(): number {
    return this.#entries.size;
  }

  has(key: string): boolean {
    return this.#entries.has(key);
  }

  /**
   * The cached value of `key`, or `load()`'s, kept under the tags `tags(value)` names.
   * A value that a change to one of its rows overtook while it loaded is answered but not kept.
   */
  get<T>(key: string, load: () => Promise<T>, tags: (value: T) => readonly RowTag[], options: GetOptions = {}): Promise<T> {
    // Inside a unit of work a read may see its own uncommitted writes: never cached.
    if (!this.source.live || inTransaction()) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.expiresAt > Date.now()) {
      // The hit path is the hot path: no async frame, no await, when there is nothing to wait for.
      if (!options.fenced || this.source.synchronous) return Promise.resolve(hit.value as T);
      return this.#fencedHit(key, hit as Entry & { value: T }, load, tags);
    }
    return this.#load(key, load, tags);
  }

  async #fencedHit<T>(key: string, hit: Entry & { value: T }, load: () => Promise<T>, tags: (value: T) => readonly RowTag[]): Promise<T> {
    const fenced = await this.source.fence().then(() => true, () => false);
    if (fenced && this.#entries.get(key) === hit) return hit.value;
    return this.#load(key, load, tags);
  }

  async #load<T>(key: string, load: () => Promise<T>, tags: (value: T) => readonly RowTag[]): Promise<T> {
    const changes: Change[] = [];
    this.#loading.add(changes);
    let value: T;
    try {
      value = await load();
    } finally {
      this.#loading.delete(changes);
    }
    const entryTags = tags(value);
    if (this.source.live && !changes.some((change) => affects(change, entryTags))) this.#store(key, value, entryTags);
    return value;
  }

  /** Drops the entries that depend on the rows a change names. */
  invalidate(change: Change): void {
    for (const changes of this.#loading) changes.push(change);
    if (change.table === '*') {
      this.#entries.clear();
      this.#byTag.clear();
      this.#byTable.clear();
      return;
    }
    const doomed = new Set<string>();
    const collect = (keys: Set<string> | undefined) => { for (const key of keys ?? []) doomed.add(key); };
    if (change.keys === '*') {
      collect(this.#byTable.get(change.table));
    } else {
      collect(this.#byTag.get(`${change.table}:*`));
      for (const key of change.keys) collect(this.#byTag.get(`${change.table}:${key}`));
    }
    for (const key of doomed) this.#drop(key);
  }

  #store(key: string, value: unknown, tags: readonly RowTag[]): void {
    this.#drop(key);
    if (this.#entries.size >= this.maxEntries) this.#drop(this.#entries.keys().next().value!);
    this.#entries.set(key, { value, tags, expiresAt: Date.now() + this.ttlMs });
    for (const tag of tags) {
      let keys = this.#byTag.get(tag);
      if (!keys) this.#byTag.set(tag, (keys = new Set()));
      keys.add(key);
      const table = tableOf(tag);
      let inTable = this.#byTable.get(table);
      if (!inTable) this.#byTable.set(table, (inTable = new Set()));
      inTable.add(key);
    }
  }

  #drop(key: string): void {
    const entry = this.#entries.get(key);
    if (!entry) return;
    this.#entries.delete(key);
    for (const tag of entry.tags) {
      const keys = this.#byTag.get(tag);
      keys?.delete(key);
      if (keys?.size === 0) this.#byTag.delete(tag);
      const inTable = this.#byTable.get(tableOf(tag));
      inTable?.delete(key);
      if (inTable?.size === 0) this.#byTable.delete(tableOf(tag));
    }
  }
}
