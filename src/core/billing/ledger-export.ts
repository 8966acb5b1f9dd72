// The ledger in ledger-cli's journal format (https://ledger-cli.org), for an accountant's
// own tools: one transaction per ledger row, `organization:Account` for account names, the
// row's destination credited and its origin debited, so `ledger balance` adds up to what
// balances() answers for each account. Rows are read a page at a time, in id order, and
// written as they come: the export never holds the ledger in memory.
import { sql } from 'kysely';
import { CLAIM_PREFIX } from './claims.js';
import type { Db } from '../../db/database.js';

/** Rows read per query: small enough to stream, large enough to keep the round trips few. */
const PAGE_ROWS = 1000;

export interface LedgerExportOptions {
  /** Only rows created at or after this moment. */
  since?: Date;
  /** Writes a chunk of the journal; may wait (backpressure) before the next one is made. */
  write(chunk: string): void | Promise<void>;
  /** The moment named in the header (the export's own time). */
  now: Date;
}

interface ExportRow {
  id: number;
  created_at: Date;
  descr: string;
  event_id: string | null;
  orig_slug: string;
  orig_account: string;
  orig_amount: number | string;
  orig_unit: string;
  dest_slug: string;
  dest_account: string;
  dest_amount: number | string;
  dest_unit: string;
}

/** Minor units (cents) as `-1234.56`, exactly: no floating point on the way. */
export function formatAmount(cents: number | bigint): string {
  const value = BigInt(cents);
  const negative = value < 0n;
  const magnitude = negative ? -value : value;
  const units = magnitude / 100n;
  const fraction = (magnitude % 100n).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${units}.${fraction}`;
}

/** The unit as a ledger-cli commodity: upper case letters only (`usd` → `USD`). */
export function commodityOf(unit: string): string {
  const letters = unit.toUpperCase().replace(/[^A-Z]/g, '');
  return letters || 'UNIT';
}

/**
 * A payee or comment on one line: ledger-cli reads two spaces, a tab or a new line as the
 * end of a field, so whitespace runs become one space.
 */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function dateOf(at: Date): string {
  const y = at.getUTCFullYear();
  const m = String(at.getUTCMonth() + 1).padStart(2, '0');
  const d = String(at.getUTCDate()).padStart(2, '0');
  return `${y}/${m}/${d}`;
}

/** One ledger row as a balanced ledger-cli transaction. */
export function journalEntry(row: ExportRow): string {
  const origAccount = `${row.orig_slug}:${row.orig_account}`;
  const destAccount = `${row.dest_slug}:${row.dest_account}`;
  const lines = [
    `${dateOf(row.created_at)} * (${row.id}) ${oneLine(row.descr) || 'Ledger row'}`,
    `    ; created_at: ${row.created_at.toISOString()}`,
  ];
  // A group buy's event id is its claim code, the beneficiary's credential: never written out.
  if (row.event_id) lines.push(`    ; event_id: ${row.event_id.startsWith(CLAIM_PREFIX) ? `${CLAIM_PREFIX}[redacted]` : oneLine(row.event_id)}`);
  lines.push(`    ${destAccount}    ${formatAmount(BigInt(row.dest_amount))} ${commodityOf(row.dest_unit)}`);
  lines.push(`    ${origAccount}    ${formatAmount(-BigInt(row.orig_amount))} ${commodityOf(row.orig_unit)}`);
  return `${lines.join('\n')}\n\n`;
}

/**
 * Writes the journal, oldest row id first; returns how many transactions were written.
 * Dates are UTC days; each transaction carries the row's id as its code and its exact time
 * and event as metadata.
 */
export async function exportLedger(db: Db, options: LedgerExportOptions): Promise<number> {
  const { since, write, now } = options;
  await write(`; Account Portal ledger, exported ${now.toISOString()}${since ? `, rows created since ${since.toISOString()}` : ''}.\n`
    + '; Accounts are organization:Account; amounts in each currency with 2 decimals.\n\n');
  let after = 0;
  let written = 0;
  for (;;) {
    const page = await sql<ExportRow>`
      select t.id, t.created_at, t.descr, t.event_id,
             o.slug as orig_slug, t.orig_account, t.orig_amount, t.orig_unit,
             d.slug as dest_slug, t.dest_account, t.dest_amount, t.dest_unit
        from ledger_transactions t
        join organizations o on o.id = t.orig_organization_id
        join organizations d on d.id = t.dest_organization_id
       where t.id > ${after} ${since ? sql`and t.created_at >= ${since}` : sql``}
       order by t.id
       limit ${PAGE_ROWS}`.execute(db);
    if (!page.rows.length) break;
    await write(page.rows.map((row) => journalEntry({ ...row, created_at: new Date(row.created_at) })).join(''));
    written += page.rows.length;
    after = Number(page.rows[page.rows.length - 1]!.id);
    if (page.rows.length < PAGE_ROWS) break;
  }
  return written;
}
