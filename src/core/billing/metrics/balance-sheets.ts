// The broker's balance sheets: named reports whose lines each show, month by month, the
// balance of the ledger accounts their selector names, over every organization. The lines
// are the broker's to write (add, rename, re-select, move, remove); ranks stay 1..n.
import { sql, type Selectable } from 'kysely';
import type { Caller, Core } from '../../context.js';
import type { BalanceLinesTable, LedgerAccount } from '../../../db/schema.js';
import type { Db } from '../../../db/database.js';
import { authorizeSite } from '../../access/policy.js';
import { Invalid, NotFound } from '../../errors.js';
import type { Page } from '../../pagination.js';
import type { MetricsQuery, MetricsTable, Point, Series } from './figures.js';
import { monthPeriods, timezoneOf } from './periods.js';
import { sumsBefore } from './sums.js';

export type BalanceLine = Pick<Selectable<BalanceLinesTable>, 'title' | 'selector' | 'rank'>;

export interface BalanceLineInput {
  title: string;
  selector?: string | null;
  /** Where the line goes (1 is first); the end when absent or past it. */
  rank?: number;
}

export interface BalanceSeries extends Series {
  selector: string;
}

/** Every account of the ledger: a selector is resolved against these names. */
const ACCOUNTS: readonly LedgerAccount[] = [
  'Funds', 'Withdraw', 'Refund', 'Chargeback', 'Canceled', 'Writeoff', 'Receivable', 'Backlog', 'Income', 'Offline', 'Expenses',
  'Payable', 'Liability', 'Refunded', 'settled',
];

export const MAX_TITLE = 255;
export const MAX_SELECTOR = 255;

/** The accounts a selector names: those containing it, ignoring case (every account for an empty one). */
export function accountsSelected(selector: string): LedgerAccount[] {
  const needle = selector.trim().toLowerCase();
  return ACCOUNTS.filter((account) => account.toLowerCase().includes(needle));
}

/** The unit of the site's reports: the one most of its plans are priced in. */
async function siteUnit(core: Core): Promise<string> {
  const row = await core.db.selectFrom('plans').select('unit').groupBy('unit')
    .orderBy((eb) => eb.fn.countAll(), 'desc').orderBy('unit').limit(1).executeTakeFirst();
  return row?.unit ?? 'usd';
}

async function linesOf(db: Db, report: string): Promise<BalanceLine[]> {
  return db.selectFrom('balance_lines').select(['title', 'selector', 'rank']).where('report', '=', report).orderBy('rank').execute();
}

/**
 * The report's table: per line, the balance of its accounts (summed over every
 * organization: into them minus out of them) at each of the 13 dates ending at `endsAt`.
 * The accounts the lines select are summed once each (whole months from the roll-up, the
 * rest from the rows: ./sums.ts), then added up per line.
 */
export async function balanceSheet(core: Core, caller: Caller, report: string, query: MetricsQuery = {}): Promise<MetricsTable<BalanceSeries>> {
  await authorizeSite(core, caller, 'billing.ledger.read');
  const dates = monthPeriods(query.endsAt ?? core.now(), timezoneOf(query.timezone, null));
  const unit = await siteUnit(core);
  const lines = await linesOf(core.db, report);
  const selected = new Map(lines.map((line) => [line.rank, accountsSelected(line.selector)]));
  const accounts = [...new Set([...selected.values()].flat())];
  const sums = await sumsBefore(core.db, { organizationId: null, accounts, unit, kind: 'balance' }, dates);
  const table = lines.map((line): BalanceSeries => {
    const mine = selected.get(line.rank) ?? [];
    const values = dates.map((date, index): Point => [date, mine.reduce((total, account) => total + (sums.get(account)?.[index] ?? 0), 0)]);
    return { key: line.title, selector: line.selector, values };
  });
  return { title: `Balances: ${report}`, unit, scale: 0.01, table };
}

/** The report's lines in rank order (one page: a report has few lines). */
export async function listBalanceLines(core: Core, caller: Caller, report: string): Promise<Page<BalanceLine>> {
  await authorizeSite(core, caller, 'billing.ledger.read');
  const lines = await linesOf(core.db, report);
  return { count: lines.length, results: lines };
}

export async function getBalanceLine(core: Core, caller: Caller, report: string, rank: number): Promise<BalanceLine> {
  await authorizeSite(core, caller, 'billing.ledger.read');
  return lineAt(core.db, report, rank);
}

async function lineAt(db: Db, report: string, rank: number): Promise<BalanceLine> {
  const line = await db.selectFrom('balance_lines').select(['title', 'selector', 'rank'])
    .where('report', '=', report).where('rank', '=', rank).executeTakeFirst();
  if (!line) throw new NotFound('balance_line', `The report "${report}" has no line at rank ${rank}.`);
  return line;
}

function checkedFields(input: BalanceLineInput): { title: string; selector: string } {
  const title = input.title.trim();
  const selector = (input.selector ?? '').trim();
  const errors: Record<string, string[]> = {};
  if (!title || title.length > MAX_TITLE) errors.title = [`A title of 1 to ${MAX_TITLE} characters.`];
  if (selector.length > MAX_SELECTOR) errors.selector = [`At most ${MAX_SELECTOR} characters.`];
  if (Object.keys(errors).length) throw new Invalid(errors);
  return { title, selector };
}

/** Serializes the changes of one report's lines (ranks are read, then shifted). */
async function lockReport(tx: Db, report: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`balance_lines:${report}`}))`.execute(tx);
}

async function countLines(tx: Db, report: string): Promise<number> {
  const row = await tx.selectFrom('balance_lines').select((eb) => eb.fn.countAll<string>().as('n')).where('report', '=', report).executeTakeFirstOrThrow();
  return Number(row.n);
}

/** Moves the line at `from` to `to` (both within 1..count), shifting those between. */
async function moveLine(tx: Db, report: string, from: number, to: number): Promise<void> {
  if (from === to) return;
  // Park the moving line out of the way (ranks are >= 1), shift the others, then place it.
  await tx.updateTable('balance_lines').set({ rank: 0x7fffffff }).where('report', '=', report).where('rank', '=', from).execute();
  if (to < from) {
    await tx.updateTable('balance_lines').set((eb) => ({ rank: eb('rank', '+', 1) }))
      .where('report', '=', report).where('rank', '>=', to).where('rank', '<', from).execute();
  } else {
    await tx.updateTable('balance_lines').set((eb) => ({ rank: eb('rank', '-', 1) }))
      .where('report', '=', report).where('rank', '>', from).where('rank', '<=', to).execute();
  }
  await tx.updateTable('balance_lines').set({ rank: to }).where('report', '=', report).where('rank', '=', 0x7fffffff).execute();
}

/** Adds a line at `rank` (the lines from there move down), or at the end. */
export async function createBalanceLine(core: Core, caller: Caller, report: string, input: BalanceLineInput): Promise<BalanceLine> {
  await authorizeSite(core, caller, 'site.administer');
  const fields = checkedFields(input);
  return core.transact(async (tx) => {
    await lockReport(tx, report);
    const count = await countLines(tx, report);
    const rank = Math.min(input.rank ?? count + 1, count + 1);
    await tx.insertInto('balance_lines').values({ report, ...fields, rank: count + 1 }).execute();
    await moveLine(tx, report, count + 1, rank);
    return lineAt(tx, report, rank);
  });
}

/** Changes a line's title and selector, and moves it when `rank` differs (past the end: last). */
export async function updateBalanceLine(core: Core, caller: Caller, report: string, rank: number, input: BalanceLineInput): Promise<BalanceLine> {
  await authorizeSite(core, caller, 'site.administer');
  const fields = checkedFields(input);
  return core.transact(async (tx) => {
    await lockReport(tx, report);
    await lineAt(tx, report, rank);
    const count = await countLines(tx, report);
    await tx.updateTable('balance_lines').set(fields).where('report', '=', report).where('rank', '=', rank).execute();
    const to = Math.min(input.rank ?? rank, count);
    await moveLine(tx, report, rank, to);
    return lineAt(tx, report, to);
  });
}

/** Removes a line; those after it move up. */
export async function deleteBalanceLine(core: Core, caller: Caller, report: string, rank: number): Promise<void> {
  await authorizeSite(core, caller, 'site.administer');
  await core.transact(async (tx) => {
    await lockReport(tx, report);
    await lineAt(tx, report, rank);
    await tx.deleteFrom('balance_lines').where('report', '=', report).where('rank', '=', rank).execute();
    await tx.updateTable('balance_lines').set((eb) => ({ rank: eb('rank', '-', 1) }))
      .where('report', '=', report).where('rank', '>', rank).execute();
  });
}

export interface LineMove {
  oldpos: number;
  newpos: number;
}

/** Applies moves in order (each as DjaoApp's drag and drop sends them); all or none. */
export async function moveBalanceLines(core: Core, caller: Caller, report: string, moves: readonly LineMove[]): Promise<Page<BalanceLine>> {
  await authorizeSite(core, caller, 'site.administer');
  return core.transact(async (tx) => {
    await lockReport(tx, report);
    const count = await countLines(tx, report);
    moves.forEach((move, index) => {
      for (const field of ['oldpos', 'newpos'] as const) {
        if (!Number.isSafeInteger(move[field]) || move[field] < 1 || move[field] > count) {
          throw new Invalid(`${index}.${field}`, count ? `A rank of the report's lines: from 1 to ${count}.` : 'The report has no lines.');
        }
      }
    });
    for (const move of moves) await moveLine(tx, report, move.oldpos, move.newpos);
    const lines = await linesOf(tx, report);
    return { count: lines.length, results: lines };
  });
}
