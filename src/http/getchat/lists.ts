// get.chat's list conventions, turned into the core's ListQuery and back into its envelope:
// `limit` (default 20), `page` (from 1), `sort=+field,-field` (default `+id`), filters
// `field[eq|ne|in|nin|lt|lte|gt|gte|ss]`, soft-deleted rows hidden unless `deleted_at[eq]`
// or `deleted_at[ne]` says otherwise, and the deprecated `paginated=false` answering a bare
// array. Answers: `{data, pagination: {total, limit, page, pages, count}, filters, sort}`.
import { Type, type TObject, type TSchema } from '@fastify/type-provider-typebox';
import type { Config } from '../../config.js';
import { Invalid } from '../../core/errors.js';
import {
  MAX_PAGE, unknownOrderFields, type Filter, type FilterOp, type FilterScalar, type FilterableField, type ListQuery, type ListSpec, type Page,
} from '../../core/pagination.js';

export type FieldType = FilterableField['type'];
/** The filters a list shows, by field: its type and the operators the seed lists for it. */
export type FilterDeclaration = Record<string, { type: FieldType; ops: readonly FilterOp[]; description?: string }>;

export interface ListOptions {
  /** The list has the deprecated `paginated` parameter (default false: a bare array). */
  paginated?: boolean;
  /** The list has soft-deleted rows (the `deleted_at[eq]`/`[ne]` parameters). */
  softDelete?: boolean;
}

/** A bare array (paginated=false) holds at most this many rows: "unlimited" with a floor under it. */
export const UNPAGINATED_MAX = 1000;
const DEFAULT_LIMIT = 20;

function scalarSchema(type: FieldType, description: string): TSchema {
  switch (type) {
    case 'integer': return Type.Integer({ description });
    case 'boolean': return Type.Boolean({ description });
    case 'datetime': return Type.String({ format: 'date-time', description });
    case 'string': return Type.String({ maxLength: 1000, description });
  }
}

/** The query-string schema of a list: the common parameters and its filters. */
export function listQuery(filters: FilterDeclaration, options: ListOptions = {}): TObject {
  const properties: Record<string, TSchema> = {
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, default: DEFAULT_LIMIT, description: 'How many items a page holds (capped at the MAX_PAGE_SIZE setting).' })),
    page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, default: 1, description: 'Page number, from 1.' })),
    sort: Type.Optional(Type.Array(Type.String({ maxLength: 200 }), { description: 'Sorting order by fields: `+id`, `-created_at`; repeat or separate with commas. Default `+id`.' })),
  };
  if (options.softDelete) {
    properties['deleted_at[eq]'] = Type.Optional(Type.String({ maxLength: 40, description: 'Works in reverse: `null` (or empty) clears the default and shows every record, deleted ones included.' }));
    properties['deleted_at[ne]'] = Type.Optional(Type.String({ maxLength: 40, description: '`null` (or empty) shows only deleted records.' }));
  }
  if (options.paginated) {
    properties.paginated = Type.Optional(Type.Boolean({ default: false, deprecated: true, description: 'Deprecated, will always be true: false answers a bare array (up to 1000 items) instead of the paginated envelope.' }));
  }
  for (const [field, { type, ops, description }] of Object.entries(filters)) {
    for (const op of ops) {
      const text = description ?? `Filter on ${field} (${op}).`;
      properties[`${field}[${op}]`] = Type.Optional(op === 'in' || op === 'nin'
        ? Type.Array(Type.String({ maxLength: 1000 }), { description: `${text} A list: repeat the parameter or separate with commas.` })
        : scalarSchema(type, text));
    }
  }
  return Type.Object(properties, { additionalProperties: false });
}

export interface GetChatList {
  list: ListQuery;
  /** A bare array was asked for (paginated=false). */
  bare: boolean;
  /** The filters applied, echoed in the answer. */
  filters: Record<string, unknown>;
  sort: string[];
}

function convert(raw: string, type: FieldType, name: string): FilterScalar {
  const text = raw.trim();
  if (text === 'null') return null;
  switch (type) {
    case 'integer': {
      if (!/^-?\d{1,16}$/.test(text) || !Number.isSafeInteger(Number(text))) throw new Invalid(name, 'Expected whole numbers.');
      return Number(text);
    }
    case 'boolean': {
      if (text !== 'true' && text !== 'false') throw new Invalid(name, 'Expected true or false.');
      return text === 'true';
    }
    case 'datetime': {
      const date = new Date(text);
      if (Number.isNaN(date.getTime())) throw new Invalid(name, 'Expected date-times.');
      return date;
    }
    case 'string': return text;
  }
}

/** Reads a list's query string (already validated by `listQuery`'s schema) into the core's ListQuery. */
export function toListQuery(query: Record<string, unknown>, declared: FilterDeclaration, spec: ListSpec, config: Config, options: ListOptions = {}): GetChatList {
  const sortInput = Array.isArray(query.sort) ? (query.sort as string[]) : [];
  const sort = sortInput.flatMap((v) => v.split(',')).map((v) => v.trim()).filter(Boolean);
  const order = sort.map((v) => (v.startsWith('-') ? v : v.replace(/^\+/, '')));
  const unknown = unknownOrderFields(order, spec);
  if (unknown.length) throw new Invalid('sort', `Cannot sort by ${unknown.map((v) => v.replace(/^-/, '')).join(', ')}. Allowed: ${Object.keys(spec.orderable).join(', ')}.`);

  const filters: Filter[] = [];
  const echo: Record<string, unknown> = {};
  for (const [field, { type, ops }] of Object.entries(declared)) {
    for (const op of ops) {
      const name = `${field}[${op}]`;
      const value = query[name];
      if (value === undefined) continue;
      if (op === 'in' || op === 'nin') {
        const values = (value as string[]).flatMap((v) => v.split(',')).filter((v) => v.trim() !== '').map((v) => convert(v, type, name));
        filters.push({ field, op, value: values });
        echo[name] = values;
      } else {
        const scalar = type === 'datetime' && typeof value === 'string' ? convert(value, type, name) : value as FilterScalar;
        filters.push({ field, op, value: scalar });
        echo[name] = value;
      }
    }
  }

  let deleted: ListQuery['deleted'] = 'hide';
  if (options.softDelete) {
    const eq = query['deleted_at[eq]'];
    const ne = query['deleted_at[ne]'];
    const isNull = (v: unknown) => typeof v === 'string' && (v.trim() === '' || v.trim() === 'null');
    if (eq !== undefined && !isNull(eq)) throw new Invalid('deleted_at[eq]', 'Only null is accepted: it shows every record, deleted ones included.');
    if (ne !== undefined && !isNull(ne)) throw new Invalid('deleted_at[ne]', 'Only null is accepted: it shows only deleted records.');
    if (ne !== undefined) deleted = 'only';
    else if (eq !== undefined) deleted = 'all';
    if (deleted === 'hide') echo['deleted_at[eq]'] = null;
    if (deleted === 'only') echo['deleted_at[ne]'] = null;
  }
  const bare = options.paginated === true && query.paginated !== true;
  if (options.paginated) echo.paginated = !bare;

  const limit = Math.min(typeof query.limit === 'number' ? query.limit : DEFAULT_LIMIT, config.maxPageSize);
  const page = typeof query.page === 'number' ? query.page : 1;
  return {
    list: { page: bare ? 1 : page, pageSize: bare ? UNPAGINATED_MAX : limit, order, filters, deleted },
    bare,
    filters: echo,
    sort: sort.length ? sort : ['+id'],
  };
}

/** The answer of a list: the paginated envelope, or the bare array the deprecated `paginated=false` asks for. */
export function listAnswer<T, R>(asked: GetChatList, page: Page<T>, shape: (row: T) => R): R[] | {
  data: R[]; pagination: { total: number; limit: number; page: number; pages: number; count: number }; filters: Record<string, unknown>; sort: string[];
} {
  const data = page.results.map(shape);
  if (asked.bare) return data;
  return {
    data,
    pagination: {
      total: page.count,
      limit: asked.list.pageSize,
      page: asked.list.page,
      pages: Math.ceil(page.count / asked.list.pageSize),
      count: data.length,
    },
    filters: asked.filters,
    sort: asked.sort,
  };
}

/** The schema of a list's answer: the envelope, or (with `bare`) also the bare array. */
export function ListOf<T extends TSchema>(item: T, description: string, bare = false): TSchema {
  const envelope = Type.Object({
    data: Type.Array(item, { description: 'Items of the current page.' }),
    pagination: Type.Object({
      total: Type.Integer({ description: 'Items matching, over every page.' }),
      limit: Type.Integer({ description: 'Items per page.' }),
      page: Type.Integer({ description: 'This page\'s number, from 1.' }),
      pages: Type.Integer({ description: 'How many pages there are.' }),
      count: Type.Integer({ description: 'Items on this page.' }),
    }),
    filters: Type.Record(Type.String(), Type.Unknown(), { description: 'The filters applied (the default `deleted_at[eq]: null` included).' }),
    sort: Type.Array(Type.String(), { description: 'The sorting applied.' }),
  }, { description });
  return bare ? Type.Union([envelope, Type.Array(item, { description: 'paginated=false: the items alone.' })], { description }) : envelope;
}
