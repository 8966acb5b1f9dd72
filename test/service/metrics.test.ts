// /metrics is for the operator: a bearer token (METRICS_TOKEN) or a separate listener
// (METRICS_PORT); with neither it is not served.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';

const TOKEN = 'metrics-token-0123456789abcdef';
const started: TestService[] = [];
after(async () => { for (const s of started) await s.stop(); });
async function start(env: Record<string, string> = {}): Promise<TestService> {
  const s = await startService(env);
  started.push(s);
  return s;
}

test('without METRICS_TOKEN or METRICS_PORT, /metrics is not served (404)', async () => {
  const s = await start();
  const res = await s.request({ method: 'GET', url: '/metrics' });
  assert.equal(res.statusCode, 404);
  assert.doesNotMatch(res.body, /nodejs_|http_request/);
});

test('with METRICS_TOKEN, /metrics needs that bearer token', async () => {
  const s = await start({ METRICS_TOKEN: TOKEN });
  await s.request({ method: 'GET', url: '/health' });
  for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(1)}`, `Basic ${TOKEN}`, `Bearer ${s.admin.token}`]) {
    const res = await s.request({ method: 'GET', url: '/metrics', headers: authorization ? { authorization } : {} });
    assert.equal(res.statusCode, 401, String(authorization));
    assert.doesNotMatch(res.body, /nodejs_|http_request/);
  }
  const res = await s.request({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.statusCode, 200);
  assert.match(res.body, /http_request_duration_seconds_count\{method="GET",route="\/health",status="200"\} [1-9]/);
});

test('with METRICS_PORT, /metrics is served on its own listener only (with the token when set)', async () => {
  const s = await start({ PORT: '0', METRICS_PORT: '0', METRICS_TOKEN: TOKEN });
  const { metrics } = await s.listen();
  assert.ok(metrics);
  const url = `http://127.0.0.1:${metrics.address.port}/metrics`;
  assert.equal((await s.request({ method: 'GET', url: '/metrics' })).statusCode, 404, 'not on the public port');
  const withToken = await s.request({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.notEqual(withToken.statusCode, 200, 'not even with the token');
  assert.doesNotMatch(withToken.body, /nodejs_|http_request/);
  assert.equal((await fetch(url)).status, 401);
  const res = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(res.status, 200);
  assert.match(await res.text(), /process_cpu_user_seconds_total/);
  assert.equal((await fetch(url.replace('/metrics', '/api/auth/'))).status, 404, 'nothing else there');
});

test('request durations are a Prometheus histogram: cumulative buckets, +Inf equal to the count, a sum', async () => {
  const s = await start({ METRICS_TOKEN: TOKEN });
  for (let i = 0; i < 5; i++) await s.request({ method: 'GET', url: '/health' });
  await s.request({ method: 'GET', url: '/api/no-such-route/' });
  const res = await s.request({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.match(res.body, /# TYPE http_request_duration_seconds histogram/);
  const series = (name: string, labels: string) => res.body.split('\n')
    .filter((line) => line.startsWith(`http_request_duration_seconds_${name}{`) && line.includes(labels))
    .map((line) => ({ line, value: Number(line.slice(line.lastIndexOf(' ') + 1)) }));
  const health = 'method="GET",route="/health",status="200"';
  const buckets = series('bucket', health);
  assert.equal(buckets.length, 11, 'ten bounds and +Inf');
  assert.match(buckets[0]!.line, /le="0\.001"/);
  assert.match(buckets[10]!.line, /le="\+Inf"/);
  for (let i = 1; i < buckets.length; i++) assert.ok(buckets[i]!.value >= buckets[i - 1]!.value, 'cumulative');
  const [count] = series('count', health);
  assert.ok(count && count.value >= 5);
  assert.equal(buckets[10]!.value, count.value);
  assert.ok(series('sum', health)[0]!.value > 0);
  // A URL that matches no route is counted under one series, never under its raw path.
  assert.equal(series('count', 'route="unmatched",status="404"').length, 1);
  assert.doesNotMatch(res.body, /no-such-route/);
});
