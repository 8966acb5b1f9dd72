// Prometheus metrics at /metrics. Each app has its own registry, so several apps in one
// process (tests, benchmarks) never collide. Metrics are for the operator only: they are
// served on a separate listener (METRICS_PORT) or with a bearer token (METRICS_TOKEN),
// never to anyone who asks.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, Histogram, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

type Observe = (seconds: number) => void;

export class Metrics {
  readonly registry = new Registry();
  readonly #duration: Histogram<'method' | 'route' | 'status'>;
  /**
   * The histogram's series bound once each, by method, route template and status: observing
   * through a labels object rebuilds and checks those labels on every request. Bounded by
   * the routes and statuses the app has (every URL that matches none is 'unmatched').
   */
  readonly #series = new Map<string, Map<string, Map<number, Observe>>>();

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    this.#duration = new Histogram({
      name: 'http_request_duration_seconds',
      // Its _count series is the number of requests, by route and status.
      help: 'Time to answer an HTTP request, by route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [this.registry],
    });
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  render(): Promise<string> {
    return this.registry.metrics();
  }

  instrument(app: FastifyInstance): void {
    app.addHook('onResponse', (request, reply, done) => {
      // The route template, never the raw URL: raw URLs carry slugs and one-time keys.
      this.#observer(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode)(reply.elapsedTime / 1000);
      done();
    });
  }

  #observer(method: string, route: string, status: number): Observe {
    let byRoute = this.#series.get(method);
    if (!byRoute) this.#series.set(method, byRoute = new Map());
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, byStatus = new Map());
    let observe = byStatus.get(status);
    if (!observe) {
      const bound = this.#duration.labels({ method, route, status: String(status) });
      byStatus.set(status, observe = (seconds) => bound.observe(seconds));
    }
    return observe;
  }
}

/** `Authorization: Bearer <METRICS_TOKEN>`, compared in constant time (hashes of equal length). */
export function metricsAuthorized(header: string | undefined, token: string): boolean {
  const match = /^Bearer\s+(.+)$/i.exec(header ?? '');
  if (!match) return false;
  const digest = (value: string) => createHash('sha256').update(value).digest();
  return timingSafeEqual(digest(match[1]!.trim()), digest(token));
}

export interface MetricsListener {
  address: AddressInfo;
  close(): Promise<void>;
}

/** The separate metrics listener: GET /metrics and nothing else, with the token when one is set. */
export async function listenForMetrics(
  metrics: Metrics,
  options: { host: string; port: number; token: string | null },
): Promise<MetricsListener> {
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    const answer = (status: number, body: string, type = 'application/json', extra: Record<string, string> = {}) => {
      response.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra });
      response.end(body);
    };
    if (path !== '/metrics' || (request.method !== 'GET' && request.method !== 'HEAD')) {
      return answer(404, JSON.stringify({ detail: 'Not found.' }));
    }
    if (options.token && !metricsAuthorized(request.headers.authorization, options.token)) {
      return answer(401, JSON.stringify({ detail: 'Metrics need the METRICS_TOKEN bearer token.' }), 'application/json', { 'www-authenticate': 'Bearer' });
    }
    metrics.render().then(
      (text) => answer(200, text, metrics.contentType),
      () => answer(500, JSON.stringify({ detail: 'Internal server error.' })),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  return {
    address: server.address() as AddressInfo,
    close: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
