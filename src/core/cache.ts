// A small read cache for the hot path: the state of a token's user and whether a user
// manages the broker are read on nearly every request, and a database round trip costs
// more than the rest of the request. Every write to a watched table empties it (see
// src/db/change-feed.ts), and entries also expire, as a safety net.
import { inTransaction } from '../db/unit-of-work.js';

export class ReadCache {
  #generation = 0;
  readonly #entries = new Map<string, { generation: number; expiresAt: number; value: unknown }>();

  constructor(private readonly ttlMs = 30_000, private readonly maxEntries = 10_000) {}

  invalidate(): void {
    this.#generation += 1;
    this.#entries.clear();
  }

  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    // Inside a unit of work a read may see its own uncommitted writes: never cached.
    if (inTransaction()) return load();
    const hit = this.#entries.get(key);
    if (hit && hit.generation === this.#generation && hit.expiresAt > Date.now()) return hit.value as T;
    const generation = this.#generation;
    const value = await load();
    // A write during the load may have made the value stale already: keep it only if none came.
    if (generation === this.#generation) {
      if (this.#entries.size >= this.maxEntries) this.#entries.delete(this.#entries.keys().next().value!);
      this.#entries.set(key, { generation, expiresAt: Date.now() + this.ttlMs, value });
    }
    return value;
  }
}
