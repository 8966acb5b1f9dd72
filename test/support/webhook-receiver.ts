// A real webhook receiver for tests: node:http on 127.0.0.1, recording every POST and
// answering what the test says. Tests await the deliveries they expect (no polling).
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** What the receiver does with a request: answer a status, or hold it without answering. */
export type Reply = number | 'hang';

export class WebhookReceiver {
  readonly received: Received[] = [];
  /** Answers in order, then `fallback` for every later request. */
  replies: Reply[] = [];
  fallback: Reply = 200;
  #server: Server | null = null;
  #waiters: { count: number; resolve: () => void }[] = [];
  #hanging = new Set<() => void>();

  async start(): Promise<string> {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        this.received.push({ path: request.url ?? '/', headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        for (const waiter of [...this.#waiters]) {
          if (this.received.length >= waiter.count) {
            this.#waiters.splice(this.#waiters.indexOf(waiter), 1);
            waiter.resolve();
          }
        }
        const reply = this.replies.shift() ?? this.fallback;
        if (reply === 'hang') {
          const end = () => response.destroy();
          this.#hanging.add(end);
          response.on('close', () => this.#hanging.delete(end));
          return;
        }
        response.writeHead(reply, { 'content-type': 'text/plain' }).end(reply < 300 ? 'ok' : `nope ${reply}`);
      });
    });
    await new Promise<void>((resolve) => this.#server!.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  get port(): number {
    return (this.#server!.address() as AddressInfo).port;
  }

  /** Resolves once `count` requests in all have arrived. */
  waitFor(count: number): Promise<void> {
    if (this.received.length >= count) return Promise.resolve();
    return new Promise((resolve) => this.#waiters.push({ count, resolve }));
  }

  async stop(): Promise<void> {
    for (const end of this.#hanging) end();
    this.#server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.#server ? this.#server.close(() => resolve()) : resolve()));
  }
}
