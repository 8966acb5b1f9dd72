// Who may call each Accountcentral operation. Every operation of /openapi.json under
// /accountcentral must have exactly one row (matrix/*.ts, one file per area): a new route
// without one fails the first test. Each row is called by the five kinds of caller
// (world.ts): the customer's manager, a team user, a user of another customer, the broker's
// staff and nobody; the status each gets is exact.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { AC_CALLERS, acWorld, type AcWorld } from './world.js';
import type { MatrixRow } from './matrix/rows.js';
import { ROWS as SELF } from './matrix/self.js';
import { ROWS as TEAM } from './matrix/team.js';
import { ROWS as CUSTOMERS } from './matrix/customers.js';
import { ROWS as DKIM } from './matrix/dkim.js';
import { ROWS as NOTIFICATIONS } from './matrix/notifications.js';

const ROWS: MatrixRow[] = [...SELF, ...TEAM, ...CUSTOMERS, ...DKIM, ...NOTIFICATIONS];

let s: TestService;
let w: AcWorld;
before(async () => {
  s = await startService();
  w = await acWorld(s);
});
after(async () => { await s.stop(); });

test('every Accountcentral operation has exactly one row, and every row an operation', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    if (!path.startsWith('/accountcentral/')) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) ops.push(`${method.toUpperCase()} ${path}`);
  }
  const rows = ROWS.map((row) => row.op);
  assert.deepEqual(rows.filter((op, i) => rows.indexOf(op) !== i), [], 'operations with two rows');
  assert.deepEqual(ops.filter((op) => !rows.includes(op)).sort(), [], 'operations without a row');
  assert.deepEqual(rows.filter((op) => !ops.includes(op)).sort(), [], 'rows without an operation');
});

test('each caller gets the status its row says', async () => {
  const wrong: string[] = [];
  for (const row of ROWS) {
    const [method, template] = row.op.split(' ') as [string, string];
    for (const caller of AC_CALLERS) {
      let status: number;
      if (row.call) status = await row.call(w, caller);
      else {
        const params = (await row.params?.(w, caller)) ?? {};
        const path = template.replace(/\{(\w+)\}/g, (_, name: string) => {
          const value = params[name];
          if (value === undefined) throw new Error(`${row.op}: no value for {${name}}`);
          return encodeURIComponent(String(value));
        });
        const query = row.query?.(w, caller);
        const res = await w.call(caller, method, query ? `${path}?${query}` : path, await row.body?.(w, caller));
        status = res.statusCode;
        if (status >= 400 && !(typeof res.json().message === 'string' && typeof res.json().data?.code === 'string')) {
          wrong.push(`${row.op} as ${caller}: error not in the seed's message body: ${res.body.slice(0, 200)}`);
        }
        if (status !== row.expect[caller]) wrong.push(`${row.op} as ${caller}: ${status}, expected ${row.expect[caller]}: ${res.body.slice(0, 200)}`);
        continue;
      }
      if (status !== row.expect[caller]) wrong.push(`${row.op} as ${caller}: ${status}, expected ${row.expect[caller]}`);
    }
  }
  assert.deepEqual(wrong, []);
});
