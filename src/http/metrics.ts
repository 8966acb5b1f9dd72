// Prometheus metrics at /metrics. Each app has its own registry, so several apps in one
// process (tests, benchmarks) never collide.
import { Registry, Histogram, collectDefaultMetrics } from 'prom-client';
import type { FastifyInstance } from 'fastify';

export class Metrics {
  readonly registry = new Registry();
  readonly #duration: Histogram<'method' | 'route' | 'status'>;

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
      const route = request.routeOptions.url ?? 'unmatched';
      this.#duration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });
  }
}
