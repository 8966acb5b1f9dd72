// `Idempotency-Key` for the routes that move money. A route opts in with
// `config: { idempotent: true }`; `addIdempotency(app)`, called in a surface before its
// routes are registered, gives each such route the header in its schema (so OpenAPI shows
// it), a preHandler that claims the key (or answers the recorded replay) and an onSend
// hook that records the first answer. Rules: src/core/billing/idempotency.ts.
// Only a logged-in caller's request is keyed (a key is scoped to its user); without the
// header, a route behaves as it always does.
import type { FastifyInstance, FastifyReply, FastifyRequest, onSendHookHandler, preHandlerHookHandler } from 'fastify';
import { Type } from '@fastify/type-provider-typebox';
import {
  claimIdempotencyKey, recordIdempotentAnswer, releaseIdempotencyKey, requestHash,
} from '../core/billing/idempotency.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The route moves money: it honours `Idempotency-Key`. */
    idempotent?: boolean;
  }
  interface FastifyRequest {
    /** The key this request claimed (its answer is recorded on send), or that it replayed. */
    idempotency?: { id: number } | 'replayed';
  }
}

const HEADER = 'idempotency-key';
/** Headers kept with an answer and sent again with its replay. */
const KEPT_HEADERS = ['content-type', 'location'];

export const IdempotencyHeaders = Type.Object({
  [HEADER]: Type.Optional(Type.String({
    minLength: 1, maxLength: 255, pattern: '^[\\x21-\\x7e]+$',
    description: 'A key the client chooses (a UUID) for this request. Sent again with the same request, it answers the first '
      + 'answer (with `Idempotent-Replayed: true`) and moves no money twice; with another request, 409. Kept 24 hours.',
  })),
});

function keyOf(request: FastifyRequest): string | undefined {
  const value = request.headers[HEADER];
  return typeof value === 'string' ? value : undefined;
}

const claim: preHandlerHookHandler = async function claim(request: FastifyRequest, reply: FastifyReply) {
  const key = keyOf(request);
  const caller = request.caller;
  if (key === undefined || caller.kind !== 'user') return;
  const core = request.server.core;
  const found = await claimIdempotencyKey(core, {
    scope: `user:${caller.userId}`,
    key,
    requestHash: requestHash(request.method, request.url, request.body),
  });
  if (found.kind === 'claimed') {
    request.idempotency = { id: found.id };
    return;
  }
  request.idempotency = 'replayed';
  reply.code(found.answer.statusCode).headers({ ...found.answer.headers, 'idempotent-replayed': 'true' });
  return reply.send(found.answer.body);
};

const record: onSendHookHandler<unknown> = async function record(request, reply, payload) {
  const claimed = request.idempotency;
  if (!claimed || claimed === 'replayed') return payload;
  const core = request.server.core;
  try {
    if (reply.statusCode >= 500 || (payload !== null && payload !== undefined && typeof payload !== 'string')) {
      // A server error is not an answer to keep: the retry runs again.
      await releaseIdempotencyKey(core, claimed.id);
    } else {
      const headers: Record<string, string> = {};
      for (const name of KEPT_HEADERS) {
        const value = reply.getHeader(name);
        if (value !== undefined) headers[name] = String(value);
      }
      await recordIdempotentAnswer(core, claimed.id, { statusCode: reply.statusCode, body: payload ?? '', headers });
    }
  } catch (error) {
    // The answer still goes out; the key stays claimed until it is stale.
    request.log.error({ err: error }, 'idempotency key not recorded');
  }
  return payload;
};

function asArray<T>(value: T | T[] | undefined): T[] {
  return value === undefined ? [] : Array.isArray(value) ? value : [value];
}

/**
 * Gives every route registered after it, in this instance and below, that says
 * `idempotent`, the key's handling; `conflict` is the surface's schema of its 409 answer,
 * added to a route that does not list one.
 */
export function addIdempotency(app: FastifyInstance, conflict: unknown): void {
  app.addHook('onRoute', (route) => {
    if (!route.config?.idempotent) return;
    const schema = route.schema ?? {};
    if (schema.headers) throw new Error(`${route.url}: an idempotent route's headers schema is the Idempotency-Key's`);
    const response = (schema.response ?? {}) as Record<string, unknown>;
    route.schema = { ...schema, headers: IdempotencyHeaders, response: { ...response, 409: response[409] ?? conflict } };
    route.preHandler = [...asArray(route.preHandler), claim];
    route.onSend = [...asArray(route.onSend), record as onSendHookHandler];
  });
}
