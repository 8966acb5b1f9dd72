// Prometheus metrics at /metrics. Each app has its own registry, so several apps in one
// process (tests, benchmarks) never collide. Metrics are for the operator only: they are
// served on a separate listener (METRICS_PORT) or with a bearer token (METRICS_TOKEN),
// never to anyone who asks.
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry, collectDefaultMetrics, type Histogram } from 'prom-client';
import type { FastifyInstance } from 'fastify';

const DURATION_BOUNDS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

/** One method × route × status series: per-bucket counts (not yet cumulative), sum and count. */
class DurationSeries {
  readonly counts = new Float64Array(DURATION_BOUNDS.length);
  sum = 0;
  count = 0;
  constructor(readonly labels: Readonly<Record<'method' | 'route' | 'status', string>>) {}

  observe(seconds: number): void {
    let bucket = 0;
    while (bucket < DURATION_BOUNDS.length && seconds > DURATION_BOUNDS[bucket]!) bucket += 1;
    if (bucket < DURATION_BOUNDS.length) this.counts[bucket]! += 1;
    this.sum += seconds;
    this.count += 1;
  }
}

interface SampleValue { labels: Record<string, string | number>; value: number; metricName: string }

/**
 * `http_request_duration_seconds`, kept by hand and exported through prom-client's registry:
 * prom-client's own histogram re-validates and hashes the labels on every observation, even
 * through a bound series, and that was the largest cost left in answering a request. The
 * exposition is the same (cumulative `le` buckets with `+Inf`, `_sum`, `_count`).
 */
class RequestDurations {
  readonly name = 'http_request_duration_seconds';
  // Its _count series is the number of requests, by route and status.
  readonly help = 'Time to answer an HTTP request, by route template and status';
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  #series: DurationSeries[] = [];

  series(labels: DurationSeries['labels']): DurationSeries {
    const series = new DurationSeries(labels);
    this.#series.push(series);
    return series;
  }

  get(): Promise<{ name: string; help: string; type: string; aggregator: string; values: SampleValue[] }> {
    const values: SampleValue[] = [];
    for (const series of this.#series) {
      let cumulative = 0;
      DURATION_BOUNDS.forEach((le, i) => {
        cumulative += series.counts[i]!;
        values.push({ labels: { ...series.labels, le }, value: cumulative, metricName: `${this.name}_bucket` });
      });
      values.push({ labels: { ...series.labels, le: '+Inf' }, value: series.count, metricName: `${this.name}_bucket` });
      values.push({ labels: { ...series.labels }, value: series.sum, metricName: `${this.name}_sum` });
      values.push({ labels: { ...series.labels }, value: series.count, metricName: `${this.name}_count` });
    }
    return Promise.resolve({ name: this.name, help: this.help, type: this.type, aggregator: this.aggregator, values });
  }

  reset(): void {
    for (const series of this.#series) {
      series.counts.fill(0);
      series.sum = 0;
      series.count = 0;
    }
  }
}

export class Metrics {
  readonly registry = new Registry();
  readonly #duration = new RequestDurations();
  /**
   * The series by method, route template and status, found without building a key. Bounded by
   * the routes and statuses the app has (every URL that matches none is 'unmatched').
   */
  readonly #series = new Map<string, Map<string, Map<number, DurationSeries>>>();

  constructor(defaults = true) {
    if (defaults) collectDefaultMetrics({ register: this.registry });
    // The registry reads a metric through get() and reset() only; its type names prom-client's classes.
    this.registry.registerMetric(this.#duration as unknown as Histogram);
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
      this.#seriesOf(request.method, request.routeOptions.url ?? 'unmatched', reply.statusCode).observe(reply.elapsedTime / 1000);
      done();
    });
  }

  #seriesOf(method: string, route: string, status: number): DurationSeries {
    let byRoute = this.#series.get(method);
    if (!byRoute) this.#series.set(method, byRoute = new Map());
    let byStatus = byRoute.get(route);
    if (!byStatus) byRoute.set(route, byStatus = new Map());
    let series = byStatus.get(status);
    if (!series) byStatus.set(status, series = this.#duration.series({ method, route, status: String(status) }));
    return series;
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
