// Idempotency keys on requests that move money (checkout, refunds, offline payments):
// a client that did not hear the answer sends the same request again with the same
// `Idempotency-Key` and gets the first answer back, without a second charge. The key
// belongs to one caller (its scope); the same key on another request is refused, as is a
// replay while the first request is still running. The answer is recorded once the first
// request has answered; the HTTP layer (src/http/idempotency.ts) does the recording.
import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { Core } from '../context.js';
import { Conflict } from '../errors.js';
import { deleteOlderThan } from '../batches.js';

/** A claim left `started` this long belongs to a process that died: another request may take it over. */
export const IDEMPOTENCY_STALE_SECONDS = 10 * 60;
/** Keys are kept a day, as Stripe does: after that the same key is a new request. */
export const IDEMPOTENCY_RETENTION_SECONDS = 24 * 60 * 60;

export interface IdempotentRequest {
  /** Whose key: `user:<id>`. Two callers never share a key. */
  scope: string;
  key: string;
  /** What the request is (method, path, body): `requestHash`. */
  requestHash: string;
}

export interface RecordedAnswer {
  statusCode: number;
  body: string;
  headers: Record<string, string>;
}

export type IdempotencyClaim =
  | { kind: 'claimed'; id: number }
  | { kind: 'replay'; answer: RecordedAnswer };

/** A JSON value with its object keys sorted: two bodies that mean the same hash the same. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical((value as Record<string, unknown>)[k])]));
  }
  return value;
}

/** The fingerprint of a request: method, path with query and body. */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(JSON.stringify([method.toUpperCase(), url, canonical(body ?? null)])).digest('hex');
}

/**
 * Claims a key for a request, or finds the answer to replay. One statement decides between
 * racing requests: the insert wins, or takes over a row that expired or whose process died
 * (same request, still `started` after IDEMPOTENCY_STALE_SECONDS); any other finds the row.
 */
export async function claimIdempotencyKey(core: Core, request: IdempotentRequest): Promise<IdempotencyClaim> {
  const now = core.now();
  const expired = new Date(now.getTime() - IDEMPOTENCY_RETENTION_SECONDS * 1000);
  const stale = new Date(now.getTime() - IDEMPOTENCY_STALE_SECONDS * 1000);
  const { rows } = await sql<{ id: number }>`
    insert into idempotency_keys (scope, key, request_hash, state, created_at)
    values (${request.scope}, ${request.key}, ${request.requestHash}, 'started', ${now})
    on conflict (scope, key) do update set
      request_hash = excluded.request_hash, state = 'started', status_code = null,
      response_body = null, response_headers = null, created_at = excluded.created_at
    where idempotency_keys.created_at < ${expired}
       or (idempotency_keys.state = 'started' and idempotency_keys.created_at < ${stale}
           and idempotency_keys.request_hash = excluded.request_hash)
    returning id`.execute(core.db);
  if (rows[0]) return { kind: 'claimed', id: Number(rows[0].id) };

  const found = await core.db.selectFrom('idempotency_keys')
    .select(['request_hash', 'state', 'status_code', 'response_body', 'response_headers'])
    .where('scope', '=', request.scope).where('key', '=', request.key)
    .executeTakeFirst();
  if (!found) {
    // Released between the two statements (the first request failed): the caller may retry.
    throw new Conflict('A request with this Idempotency-Key just failed; send it again.', 'idempotency.in_progress');
  }
  if (found.request_hash !== request.requestHash) {
    throw new Conflict('This Idempotency-Key was used for another request; use a new key for a new request.', 'idempotency.key_reused');
  }
  if (found.state !== 'done' || found.status_code === null) {
    throw new Conflict('A request with this Idempotency-Key is still being processed; retry once it has answered.', 'idempotency.in_progress');
  }
  return {
    kind: 'replay',
    answer: {
      statusCode: found.status_code,
      body: found.response_body ?? '',
      headers: found.response_headers ? JSON.parse(found.response_headers) as Record<string, string> : {},
    },
  };
}

/** Keeps the first answer of a claimed key, for replays. */
export async function recordIdempotentAnswer(core: Core, id: number, answer: RecordedAnswer): Promise<void> {
  await core.db.updateTable('idempotency_keys')
    .set({ state: 'done', status_code: answer.statusCode, response_body: answer.body, response_headers: JSON.stringify(answer.headers) })
    .where('id', '=', id).where('state', '=', 'started')
    .execute();
}

/**
 * Lets a claimed key go when its request failed for a reason a retry may not meet (a
 * server error): the next request with it runs as if it were the first.
 */
export async function releaseIdempotencyKey(core: Core, id: number): Promise<void> {
  await core.db.deleteFrom('idempotency_keys').where('id', '=', id).where('state', '=', 'started').execute();
}

/**
 * Part of the daily `prune-records` job: deletes keys older than IDEMPOTENCY_RETENTION_SECONDS.
 * Such a key is already free to reuse (claimIdempotencyKey takes it over); this only keeps
 * the table from growing with every request that ever sent one.
 */
export async function pruneIdempotencyKeys(core: Core): Promise<number> {
  const before = new Date(core.now().getTime() - IDEMPOTENCY_RETENTION_SECONDS * 1000);
  return deleteOlderThan(core.db, 'idempotency_keys', 'created_at', before);
}
