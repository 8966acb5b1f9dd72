// The one query helper every list uses, whatever the surface: search, date range,
// ordering and a page window. Each list's ListSpec (its orderings, searched columns and
// date column) lives beside the core function that lists it; surfaces only name it, turn
// their own parameters into a ListQuery and the result into their own envelope.
import { sql, type SelectQueryBuilder, type Expression, type SqlBool } from 'kysely';
import { Invalid } from './errors.js';

/** The last page number a list accepts: far beyond any real list, and (page - 1) x size stays exact. */
export const MAX_PAGE = 1_000_000;

export interface ListQuery {
  /** 1-based page number. */
  page: number;
  pageSize: number;
  q?: string;
  /**
   * The ordering the client asked for, by the list's public field names ('-' prefix for
   * descending); empty for the list's default. The list's spec validates it.
   */
  order: string[];
  startAt?: Date;
  endsAt?: Date;
  /** Field filters (get.chat's `field[op]=value`), each on a field the list's spec offers. */
  filters?: readonly Filter[];
  /** Soft-deleted rows, where the list has them: hidden (the default), shown with the rest, or alone. */
  deleted?: 'hide' | 'all' | 'only';
}

export type FilterOp = 'eq' | 'ne' | 'in' | 'nin' | 'lt' | 'lte' | 'gt' | 'gte' | 'ss';
export type FilterScalar = string | number | boolean | Date | null;
export interface Filter {
  field: string;
  op: FilterOp;
  /** A list for `in` and `nin`, one value otherwise; `null` with eq/ne means "is (not) null". */
  value: FilterScalar | readonly FilterScalar[];
}

export interface FilterableField {
  column: ListColumn;
  type: 'integer' | 'string' | 'boolean' | 'datetime';
}

const OPS_OF_TYPE: Record<FilterableField['type'], readonly FilterOp[]> = {
  integer: ['eq', 'ne', 'in', 'nin', 'lt', 'lte', 'gt', 'gte'],
  datetime: ['eq', 'ne', 'lt', 'lte', 'gt', 'gte'],
  string: ['eq', 'ne', 'in', 'nin', 'ss'],
  boolean: ['eq', 'ne'],
};

/** A column reference ("users.email"), or an SQL expression for a value computed per row. */
export type ListColumn = string | Expression<unknown>;

export interface ListSpec {
  /** Public name of a sortable field -> SQL column reference or expression. */
  orderable: Record<string, ListColumn>;
  /** Columns `q` is matched against (case-insensitive substring). */
  searchable: ListColumn[];
  /** Column the [start_at, ends_at) range applies to. */
  dateColumn?: string;
  /** Ordering when none is asked for. */
  defaultOrder: string[];
  /** A unique column, appended to make the order total so pages never overlap. */
  tieBreaker: string;
  /** Fields a list may be filtered on by name (the surface decides which operators it shows). */
  filterable?: Record<string, FilterableField>;
  /** The soft-delete column: rows where it is set are hidden unless ListQuery.deleted says otherwise. */
  deletedColumn?: string;
}

export interface Page<T> {
  count: number;
  results: T[];
}

/** The names in `order` ("-created_at", "slug") that `spec` cannot order by. */
export function unknownOrderFields(order: readonly string[], spec: ListSpec): string[] {
  // Own keys only: `in` would accept "constructor" or "toString" from Object.prototype.
  return order.filter((v) => !Object.hasOwn(spec.orderable, v.replace(/^-/, '')));
}

/** Refuses an ordering the list does not offer: each list's spec, beside its function, is the one authority. */
export function assertOrderable(order: readonly string[], spec: ListSpec): void {
  const unknown = unknownOrderFields(order, spec);
  if (unknown.length) {
    throw new Invalid('order', `Cannot order by ${unknown.join(', ')}. Allowed: ${Object.keys(spec.orderable).join(', ')}.`, 'list.order_unknown');
  }
}

/** Parses `o` values ("-created_at", "full_name") and `ot` into a validated order list. */
export function parseOrder(o: string[] | string | undefined, ot: string | undefined, spec: ListSpec): string[] {
  const raw = (Array.isArray(o) ? o : o ? [o] : []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  if (ot !== undefined && ot !== 'asc' && ot !== 'desc') throw new Invalid('ot', 'Expected "asc" or "desc".');
  const unknown = unknownOrderFields(raw, spec);
  if (unknown.length) {
    throw new Invalid('o', `Cannot order by ${unknown.join(', ')}. Allowed: ${Object.keys(spec.orderable).join(', ')}.`);
  }
  if (raw.length === 0) return spec.defaultOrder;
  // `ot=desc` reverses fields given without their own sign, the way DjaoApp reads it.
  return ot === 'desc' ? raw.map((v) => (v.startsWith('-') ? v : `-${v}`)) : raw;
}

function columnOf(column: ListColumn): Expression<unknown> {
  return typeof column === 'string' ? sql.ref(column) : column;
}

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Applies a list's search and date range to `query`, without ordering or window: what a
 * page counts, and what a list's totals (a statement's balance) are summed over.
 */
export function filterList<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  list: Pick<ListQuery, 'q' | 'startAt' | 'endsAt' | 'filters' | 'deleted'>,
  spec: ListSpec,
): SelectQueryBuilder<DB, TB, O> {
  let filtered = query;
  if (list.q && spec.searchable.length) {
    const pattern = `%${escapeLike(list.q.trim())}%`;
    const ors = spec.searchable.map((col) => sql<SqlBool>`${columnOf(col)} ilike ${pattern}`);
    filtered = filtered.where(sql<SqlBool>`(${sql.join(ors, sql` or `)})` as Expression<SqlBool>) as typeof filtered;
  }
  if (spec.dateColumn && list.startAt) filtered = filtered.where(sql<SqlBool>`${sql.ref(spec.dateColumn)} >= ${list.startAt}`) as typeof filtered;
  if (spec.dateColumn && list.endsAt) filtered = filtered.where(sql<SqlBool>`${sql.ref(spec.dateColumn)} < ${list.endsAt}`) as typeof filtered;
  for (const condition of filterConditions(list.filters ?? [], spec)) filtered = filtered.where(condition) as typeof filtered;
  if (spec.deletedColumn) {
    const deleted = list.deleted ?? 'hide';
    if (deleted === 'hide') filtered = filtered.where(sql<SqlBool>`${sql.ref(spec.deletedColumn)} is null`) as typeof filtered;
    if (deleted === 'only') filtered = filtered.where(sql<SqlBool>`${sql.ref(spec.deletedColumn)} is not null`) as typeof filtered;
  }
  return filtered;
}

const COMPARISON: Partial<Record<FilterOp, string>> = { lt: '<', lte: '<=', gt: '>', gte: '>=' };

/**
 * The SQL conditions of `filters`, each checked against the spec: an unknown field, an
 * operator its type does not take, or a value of the wrong type is a 400 naming `field[op]`.
 */
export function filterConditions(filters: readonly Filter[], spec: ListSpec): Expression<SqlBool>[] {
  return filters.map((filter) => {
    const name = `${filter.field}[${filter.op}]`;
    const field = spec.filterable && Object.hasOwn(spec.filterable, filter.field) ? spec.filterable[filter.field]! : null;
    if (!field) throw new Invalid(name, `Cannot filter on ${filter.field}.`, 'list.filter_unknown');
    if (!OPS_OF_TYPE[field.type].includes(filter.op)) throw new Invalid(name, `${filter.field} cannot be filtered with ${filter.op}.`, 'list.filter_unknown');
    const column = columnOf(field.column);
    const values = Array.isArray(filter.value) ? filter.value : [filter.value];
    for (const value of values) {
      if (value !== null && !fitsType(value, field.type)) throw new Invalid(name, `Expected ${field.type === 'datetime' ? 'a date-time' : `a ${field.type}`}.`);
    }
    const single = values[0] ?? null;
    switch (filter.op) {
      case 'eq': return single === null ? sql<SqlBool>`${column} is null` : sql<SqlBool>`${column} = ${single}`;
      case 'ne': return single === null ? sql<SqlBool>`${column} is not null` : sql<SqlBool>`${column} is distinct from ${single}`;
      case 'in':
      case 'nin': {
        const present = values.filter((v) => v !== null);
        const hasNull = present.length < values.length;
        const inList = present.length ? sql<SqlBool>`${column} in (${sql.join(present)})` : sql<SqlBool>`false`;
        const match = hasNull ? sql<SqlBool>`(${inList} or ${column} is null)` : inList;
        return filter.op === 'in' ? match : sql<SqlBool>`not coalesce(${match}, false)`;
      }
      case 'ss': {
        if (typeof single !== 'string') throw new Invalid(name, 'Expected a string.');
        return sql<SqlBool>`${column} ilike ${`%${escapeLike(single)}%`}`;
      }
      default: {
        if (single === null) throw new Invalid(name, 'Expected a value.');
        return sql<SqlBool>`${column} ${sql.raw(COMPARISON[filter.op]!)} ${single}`;
      }
    }
  });
}

function fitsType(value: FilterScalar, type: FilterableField['type']): boolean {
  switch (type) {
    case 'integer': return typeof value === 'number' && Number.isSafeInteger(value);
    case 'string': return typeof value === 'string';
    case 'boolean': return typeof value === 'boolean';
    case 'datetime': return value instanceof Date && !Number.isNaN(value.getTime());
  }
}

/** Applies search, range, order and window to `query`; counts the whole match. */
export async function paginate<DB, TB extends keyof DB, O>(
  query: SelectQueryBuilder<DB, TB, O>,
  list: ListQuery,
  spec: ListSpec,
): Promise<Page<O>> {
  // Surfaces bound these in their schemas and check the ordering in their own parameter
  // names; this guards any that forgets, before SQL sees them.
  assertOrderable(list.order, spec);
  if (!Number.isSafeInteger(list.page) || list.page < 1 || list.page > MAX_PAGE) throw new Invalid('page', `Expected an integer from 1 to ${MAX_PAGE}.`);
  if (!Number.isSafeInteger(list.pageSize) || list.pageSize < 1) throw new Invalid('page_size', 'Expected a positive integer.');
  const filtered = filterList(query, list, spec);

  const countRow = await (filtered as unknown as SelectQueryBuilder<DB, TB, object>)
    .clearSelect()
    .clearOrderBy()
    .select(sql<number>`count(*)`.as('count'))
    .executeTakeFirst() as { count: number | string } | undefined;

  let ordered = filtered;
  const order = list.order.length ? list.order : spec.defaultOrder;
  for (const field of [...order, spec.tieBreaker]) {
    const desc = field.startsWith('-');
    const name = field.replace(/^-/, '');
    // Only the spec's names reach SQL (the tie-breaker is the spec's own column).
    const column = Object.hasOwn(spec.orderable, name) ? spec.orderable[name]! : name;
    ordered = ordered.orderBy(columnOf(column), desc ? 'desc' : 'asc') as typeof ordered;
  }
  const results = await ordered.limit(list.pageSize).offset((list.page - 1) * list.pageSize).execute();
  return { count: Number(countRow?.count ?? 0), results };
}
