// The ledger export read by the real ledger-cli (/usr/bin/ledger): a ledger built through the
// API (checkouts in two currencies, a declined card, a partial refund) and the core (renewals'
// income recognition), exported and fed to `ledger`, which refuses any transaction that does
// not balance; its account totals must equal the service's own balances (balances()).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService, type TestService } from '../support/service.js';
import { assertLedgerInvariants } from '../support/ledger.js';
import { addToCart, makeBuyer, makePlan, makeProvider } from './checkout-helpers.js';
import { exportLedger, formatAmount, commodityOf } from '../../src/core/billing/ledger-export.js';
import { balances, book, move, type LedgerAccount } from '../../src/core/billing/ledger.js';
import { runRenewals } from '../../src/core/billing/renewals/index.js';

const LEDGER = process.env.LEDGER_PATH ?? '/usr/bin/ledger';
let s: TestService;
let dir: string;
before(async () => {
  s = await startService();
  dir = mkdtempSync(join(tmpdir(), 'ap-ledger-export-'));
});
after(async () => {
  await assertLedgerInvariants(s);
  await s.stop();
  rmSync(dir, { recursive: true, force: true });
});

function ledgerCli(file: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(LEDGER, ['-f', file, ...args], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

/** The journal as written by the export, in a file; `chunks` counts its writes. */
async function exportToFile(name: string, since?: Date): Promise<{ file: string; count: number; chunks: number; text: string }> {
  const parts: string[] = [];
  const count = await exportLedger(s.core.db, { since, now: new Date(), write: (chunk) => { parts.push(chunk); } });
  const file = join(dir, name);
  const text = parts.join('');
  writeFileSync(file, text);
  return { file, count, chunks: parts.length, text };
}

/** ledger-cli's total of every account, per commodity: `slug:Account` → commodity → cents. */
async function ledgerTotals(file: string, commodities: string[]): Promise<Map<string, Map<string, number>>> {
  const totals = new Map<string, Map<string, number>>();
  for (const commodity of commodities) {
    const res = await ledgerCli(file, 'balance', '--flat', '--empty', '--no-total', '--limit', `commodity=="${commodity}"`,
      '-F', '%(account)\t%(quantity(scrub(display_total)))\n');
    assert.equal(res.code, 0, res.stderr);
    for (const line of res.stdout.split('\n').filter(Boolean)) {
      const [account, quantity] = line.split('\t');
      const cents = Math.round(Number(quantity) * 100);
      if (!totals.has(account!)) totals.set(account!, new Map());
      totals.get(account!)!.set(commodity, cents);
    }
  }
  return totals;
}

/** Every account the ledger touched (since `since`), with the service's balance of it per unit. */
async function serviceBalances(since?: Date): Promise<Map<string, Map<string, number>>> {
  const touched = await s.core.db.selectFrom('ledger_transactions as t')
    .innerJoin('organizations as o', (join) => join.on((eb) => eb.or([eb('o.id', '=', eb.ref('t.orig_organization_id')), eb('o.id', '=', eb.ref('t.dest_organization_id'))])))
    .select(['o.id', 'o.slug', 't.orig_organization_id', 't.orig_account', 't.dest_organization_id', 't.dest_account'])
    .$if(since !== undefined, (q) => q.where('t.created_at', '>=', since!))
    .execute();
  const accounts = new Map<string, { organizationId: number; account: LedgerAccount }>();
  for (const row of touched) {
    if (row.orig_organization_id === row.id) accounts.set(`${row.slug}:${row.orig_account}`, { organizationId: row.id, account: row.orig_account });
    if (row.dest_organization_id === row.id) accounts.set(`${row.slug}:${row.dest_account}`, { organizationId: row.id, account: row.dest_account });
  }
  const result = new Map<string, Map<string, number>>();
  for (const [name, account] of accounts) {
    const perUnit = await balances(s.core, { ...account, since });
    result.set(name, new Map([...perUnit].map(([unit, amount]) => [commodityOf(unit), amount])));
  }
  return result;
}

function assertSameTotals(fromLedger: Map<string, Map<string, number>>, fromService: Map<string, Map<string, number>>): void {
  const nonZero = (m: Map<string, Map<string, number>>) => new Map([...m]
    .map(([account, perUnit]) => [account, new Map([...perUnit].filter(([, amount]) => amount !== 0))] as const)
    .filter(([, perUnit]) => perUnit.size > 0));
  const a = nonZero(fromLedger);
  const b = nonZero(fromService);
  assert.deepEqual([...a.keys()].sort(), [...b.keys()].sort(), 'the same accounts hold money');
  for (const [account, perUnit] of b) assert.deepEqual(a.get(account), perUnit, `the total of ${account}`);
}

const checkout = (slug: string, token: string, processorToken = 'tok_visa') =>
  s.request({ method: 'POST', url: `/api/billing/${slug}/checkout/`, token, body: { processor_token: processorToken } });

test('amounts are exact with 2 decimals; units become commodities', () => {
  assert.deepEqual([0, 5, -5, 100, -12345, 9_007_199_254_740_991].map((c) => formatAmount(c)),
    ['0.00', '0.05', '-0.05', '1.00', '-123.45', '90071992547409.91']);
  assert.deepEqual([commodityOf('usd'), commodityOf('eur')], ['USD', 'EUR']);
});

test('a year of checkouts, a declined card, a refund and income recognition: ledger-cli balances every transaction and its totals are the service\'s', async () => {
  const provider = await makeProvider(s);
  const monthly = await makePlan(s, provider, { periodAmount: 2500 });
  const euro = await makePlan(s, provider, { periodAmount: 1999, unit: 'eur' });
  const charges: string[] = [];
  for (let i = 0; i < 3; i += 1) {
    const { user, org } = await makeBuyer(s);
    await addToCart(s, user, i === 2 ? euro : monthly);
    const placed = await checkout(org.slug, user.token);
    assert.equal(placed.statusCode, 200, placed.body);
    charges.push(placed.json().processor_key);
  }
  // A declined card leaves the order as a balance due.
  const declined = await makeBuyer(s);
  await addToCart(s, declined.user, monthly);
  assert.equal((await checkout(declined.org.slug, declined.user.token, 'tok_chargeDeclined')).statusCode, 400);
  // The provider gives part of the first charge back.
  const refund = await s.request({
    method: 'POST', url: `/api/billing/charges/${charges[0]}/refund/`, token: s.admin.token, body: { lines: [{ num: 0, refunded_amount: 700 }] },
  });
  assert.equal(refund.statusCode, 200, refund.body);
  // A few months on: renewals recognize income (Backlog to Income) and renew.
  await runRenewals(s.core, new Date(s.clock.now.getTime() + 75 * 86_400_000));

  const rows = Number((await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n')).executeTakeFirstOrThrow()).n);
  const { file, count, text } = await exportToFile('year.ledger');
  assert.equal(count, rows, 'one transaction per ledger row');
  assert.match(text, new RegExp(`^\\d{4}/\\d{2}/\\d{2} \\* \\(\\d+\\) .+\\n    ; created_at: .+\\n(    ; event_id: .+\\n)?    ${provider.slug}:\\w+    -?\\d+\\.\\d{2} (USD|EUR)\\n`, 'm'));

  // ledger-cli reads the whole journal (it exits non-zero on any unbalanced transaction)...
  const printed = await ledgerCli(file, 'print');
  assert.equal(printed.code, 0, printed.stderr);
  assert.equal(printed.stderr, '');
  const nonZeroRows = Number((await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n'))
    .where((eb) => eb.or([eb('orig_amount', '!=', 0), eb('dest_amount', '!=', 0)])).executeTakeFirstOrThrow()).n);
  assert.equal(printed.stdout.match(/^\d{4}\/\d{2}\/\d{2} /gm)?.length ?? 0, nonZeroRows, 'every transaction with an amount was read');
  // ... and its totals per account and currency are the service's balances.
  assertSameTotals(await ledgerTotals(file, ['USD', 'EUR']), await serviceBalances());
});

test('ledger-cli refuses a journal with an unbalanced transaction (the check above is a real one)', async () => {
  const { text } = await exportToFile('good.ledger');
  const broken = text.replace(/^( {4}\S+:\w+ {4})(\d+\.\d{2})( USD)$/m, (_all, head: string, amount: string, tail: string) => `${head}${formatAmount(Math.round(Number(amount) * 100) + 1)}${tail}`);
  assert.notEqual(broken, text, 'one posting was changed');
  const file = join(dir, 'broken.ledger');
  writeFileSync(file, broken);
  const res = await ledgerCli(file, 'balance');
  assert.notEqual(res.code, 0);
  assert.match(res.stderr, /does not balance/);
});

test('--since exports only later rows, and their totals are the balances since then', async () => {
  const cut = new Date(s.clock.now.getTime() + 1000);
  s.clock.advance(5);
  const provider = await makeProvider(s);
  const plan = await makePlan(s, provider, { periodAmount: 4200 });
  const { user, org } = await makeBuyer(s);
  await addToCart(s, user, plan);
  assert.equal((await checkout(org.slug, user.token)).statusCode, 200);

  const later = Number((await s.core.db.selectFrom('ledger_transactions').select((eb) => eb.fn.countAll<string>().as('n'))
    .where('created_at', '>=', cut).executeTakeFirstOrThrow()).n);
  assert.ok(later > 0);
  const { file, count } = await exportToFile('since.ledger', cut);
  assert.equal(count, later);
  assert.equal((await ledgerCli(file, 'print')).code, 0);
  assertSameTotals(await ledgerTotals(file, ['USD', 'EUR']), await serviceBalances(cut));
});

test('the export streams: a ledger of several pages is written page by page', async () => {
  const provider = await makeProvider(s);
  const buyer = await makeBuyer(s);
  // 2,500 rows booked straight through the ledger's core, between accounts no invariant
  // of the suite watches (no balance due, no sign rule), with awkward descriptions.
  const rows = Array.from({ length: 2500 }, (_, i) => move(100 + i, 'usd', { organizationId: provider.id, account: 'Offline' },
    { organizationId: buyer.org.id, account: 'Expenses' }, `Order ${i}\twith  odd\nspacing`, null));
  await s.core.transact(() => book(s.core, rows));
  const { file, count, chunks } = await exportToFile('big.ledger');
  assert.ok(count >= 2500);
  assert.ok(chunks >= 4, `written in ${chunks} chunks: a header and one per page of rows`);
  const res = await ledgerCli(file, 'print');
  assert.equal(res.code, 0, res.stderr);
  assert.match(res.stdout, /Order 0 with odd spacing/);
  assertSameTotals(await ledgerTotals(file, ['USD', 'EUR']), await serviceBalances());
});

test('a group buy\'s claim code (its event id, the beneficiary\'s credential) is never written out', async () => {
  const provider = await makeProvider(s);
  const buyer = await makeBuyer(s);
  const code = 'cpn_0123456789abcdefclaimcode';
  await s.core.transact(() => book(s.core, [move(700, 'usd', { organizationId: provider.id, account: 'Offline' },
    { organizationId: buyer.org.id, account: 'Expenses' }, 'Seat bought for a colleague', code)]));
  const { file, text } = await exportToFile('claims.ledger');
  assert.ok(!text.includes('0123456789abcdefclaimcode'), 'the claim code is not in the journal');
  assert.match(text, /; event_id: cpn_\[redacted\]/);
  assert.equal((await ledgerCli(file, 'print')).code, 0);
});
