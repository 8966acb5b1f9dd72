// Who may call each EmbedThis operation. Every operation of /openapi.json under /embedthis
// has exactly one row: a new route without one fails the first test. Each row is called by
// the five kinds of caller (world.ts): the account's admin (a manager), a user of it
// (a member), a user of another account, the broker's staff (`support`) and nobody; the
// status each gets is exact, and every refusal is in EmbedThis's envelope.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startService, type TestService } from '../support/service.js';
import { ET_CALLERS, etWorld, type EtCaller, type EtWorld } from './world.js';

type Expect = Record<EtCaller, number>;

interface Row {
  op: string;
  expect: Expect;
  body: (w: EtWorld, caller: EtCaller) => unknown | Promise<unknown>;
  query?: string;
}

/** Anyone signed in. */
const SIGNED_IN: Expect = { anonymous: 401, user: 200, admin: 200, other: 200, staff: 200 };
/** `user` reads: members of the account (and the staff); another account's user does not see it. */
const READ: Expect = { anonymous: 401, user: 200, admin: 200, other: 404, staff: 200 };
/** `admin` changes: its managers (and the staff); its users may see it but not change it. */
const CHANGE: Expect = { anonymous: 401, user: 403, admin: 200, other: 404, staff: 200 };

const fresh = async (w: EtWorld) => String((await w.account()).id);
const a = (w: EtWorld) => String(w.A.id);

const ROWS: Row[] = [
  { op: 'POST /embedthis/account/aaaa', expect: READ, body: (w) => ({ id: a(w) }) },
  { op: 'POST /embedthis/account/create', expect: SIGNED_IN, body: (w, caller) => ({ email: w.userOf(caller)?.email ?? 'x@example.org', name: `Made by ${caller}` }) },
  { op: 'POST /embedthis/account/close', expect: { anonymous: 401, user: 403, admin: 403, other: 404, staff: 200 }, body: async (w) => ({ id: await fresh(w) }) },
  { op: 'POST /embedthis/account/get', expect: READ, body: (w) => ({ id: a(w) }) },
  { op: 'POST /embedthis/account/find', expect: SIGNED_IN, body: () => ({}), query: 'limit=5' },
  { op: 'POST /embedthis/account/getId', expect: SIGNED_IN, body: () => ({ size: 12 }) },
  { op: 'POST /embedthis/account/init', expect: SIGNED_IN, body: () => ({}) },
  { op: 'POST /embedthis/account/make', expect: SIGNED_IN, body: () => ({ name: 'Draft' }) },
  { op: 'POST /embedthis/account/remove', expect: { anonymous: 401, user: 403, admin: 204, other: 404, staff: 204 }, body: async (w) => ({ id: await fresh(w) }) },
  // Suspension is decided from above the account: not by its own managers.
  { op: 'POST /embedthis/account/suspend', expect: { anonymous: 401, user: 403, admin: 403, other: 404, staff: 200 }, body: async (w) => ({ id: await fresh(w), suspended: true }) },
  { op: 'POST /embedthis/account/updateBilling', expect: CHANGE, body: (w) => ({ id: a(w), company: 'Matrix Ltd' }) },
  { op: 'POST /embedthis/account/updateIdentity', expect: CHANGE, body: (w) => ({ id: a(w), name: 'Matrix account' }) },
  { op: 'POST /embedthis/account/updateMetrics', expect: CHANGE, body: (w) => ({ id: a(w), metrics: { devices: 1 } }) },
  { op: 'POST /embedthis/account/updatePayment', expect: CHANGE, body: (w) => ({ id: a(w), renewing: true }) },
];

/** The payment terms themselves: the broker's staff only. */
const TERMS: Expect = { anonymous: 401, user: 403, admin: 403, other: 404, staff: 200 };

let s: TestService;
let w: EtWorld;
before(async () => {
  s = await startService();
  w = await etWorld(s);
});
after(async () => { await s.stop(); });

test('every EmbedThis operation has exactly one row, and every row an operation', async () => {
  const doc = (await s.request({ method: 'GET', url: '/openapi.json' })).json();
  const ops: string[] = [];
  for (const [path, item] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
    if (!path.startsWith('/embedthis/')) continue;
    for (const method of ['get', 'post', 'put', 'patch', 'delete']) if (item[method]) ops.push(`${method.toUpperCase()} ${path}`);
  }
  const rows = ROWS.map((row) => row.op);
  assert.deepEqual(rows.filter((op, i) => rows.indexOf(op) !== i), [], 'operations with two rows');
  assert.deepEqual(ops.filter((op) => !rows.includes(op)).sort(), [], 'operations without a row');
  assert.deepEqual(rows.filter((op) => !ops.includes(op)).sort(), [], 'rows without an operation');
  assert.equal(ops.length, 14, 'the seed\'s 14 operations');
});

test('each caller gets the status its row says, errors in EmbedThis\'s envelope', async () => {
  const wrong: string[] = [];
  for (const row of ROWS) {
    const op = row.op.split('/').pop()!;
    for (const caller of ET_CALLERS) {
      const res = await w.call(caller, op, await row.body(w, caller), row.query);
      if (res.statusCode !== row.expect[caller]) wrong.push(`${row.op} as ${caller}: ${res.statusCode}, expected ${row.expect[caller]}: ${res.body.slice(0, 200)}`);
      if (res.statusCode >= 400) {
        const body = res.json();
        if (typeof body.error !== 'string' || typeof body.code !== 'string' || typeof body.fields !== 'object') {
          wrong.push(`${row.op} as ${caller}: not {error, code, fields}: ${res.body.slice(0, 200)}`);
        }
      }
    }
  }
  assert.deepEqual(wrong, []);
});

test('the payment terms (credit, terms, wire, canWire, agreement): the broker\'s staff only', async () => {
  const wrong: string[] = [];
  for (const field of [{ credit: 10 }, { terms: 15 }, { canWire: true }, { agreement: true }]) {
    for (const caller of ET_CALLERS) {
      const org = await w.account();
      const res = await w.call(caller, 'updatePayment', { id: String(org.id), ...field });
      if (res.statusCode !== TERMS[caller]) wrong.push(`${JSON.stringify(field)} as ${caller}: ${res.statusCode}, expected ${TERMS[caller]}`);
    }
  }
  assert.deepEqual(wrong, []);
});
