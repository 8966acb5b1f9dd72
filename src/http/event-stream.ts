// Server-sent events (text/event-stream): a core stream written as events, with a comment
// line as heartbeat so proxies keep an idle connection open. The answer goes through
// Fastify's reply (its onSend hook adds the usual headers, the request is logged), and ends
// when the core stream ends (the caller's session ended), the client goes away, or the
// service stops (open streams would otherwise hold `close` until their clients leave).
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HEARTBEAT } from '../core/notices/follow.js';

export interface StreamEvent {
  /** The event's id: what a reconnecting EventSource sends back as `Last-Event-ID`. */
  id?: string;
  data: unknown;
}

const open = new WeakMap<object, Set<AbortController>>();

/** Makes `app` end its open streams before it closes; call once in the plugin that serves them. */
export function endStreamsOnClose(app: FastifyInstance): void {
  const streams = new Set<AbortController>();
  open.set(app, streams);
  app.addHook('preClose', (done) => {
    for (const controller of streams) controller.abort();
    done();
  });
}

/** An AbortController that the service's close aborts; the route hands its signal to the core. */
export function streamController(app: FastifyInstance): AbortController {
  const controller = new AbortController();
  const streams = open.get(app);
  if (!streams) throw new Error('endStreamsOnClose(app) was not called for this plugin');
  streams.add(controller);
  controller.signal.addEventListener('abort', () => streams.delete(controller), { once: true });
  return controller;
}

function frame(event: StreamEvent): string {
  // JSON has no raw newline, so the data is one `data:` line.
  return `${event.id !== undefined ? `id: ${event.id}\n` : ''}data: ${JSON.stringify(event.data)}\n\n`;
}

/**
 * Answers `events` as an event stream. `controller` is the one whose signal the core stream
 * watches: aborted when the client disconnects.
 */
export function sendEventStream<T>(
  reply: FastifyReply,
  controller: AbortController,
  events: AsyncIterable<T | typeof HEARTBEAT>,
  shape: (item: T) => StreamEvent,
): FastifyReply {
  const body = new PassThrough();
  reply.raw.on('close', () => controller.abort());
  void (async () => {
    try {
      // A first line at once: the client sees the stream open before anything happens.
      body.write(': stream open\n\n');
      for await (const item of events) {
        if (body.destroyed) break;
        // A client that reads slower than events come is waited for, not buffered for.
        if (!body.write(item === HEARTBEAT ? ': heartbeat\n\n' : frame(shape(item as T)))) {
          await once(body, 'drain', { signal: controller.signal });
        }
      }
    } catch (error) {
      if (!controller.signal.aborted) reply.log.error({ err: error }, 'event stream failed');
    } finally {
      controller.abort();
      body.end();
    }
  })();
  return reply
    .code(200)
    .type('text/event-stream; charset=utf-8')
    .header('cache-control', 'no-cache, no-transform')
    .header('x-accel-buffering', 'no')
    .send(body);
}
