// DjaoApp's list conventions: `?page=`, `?page_size=`, `?q=`, repeatable `?o=` (a '-'
// reverses), `?ot=asc|desc`, `?start_at=`/`?ends_at=`, answered as
// `{count, next, previous, results}` with absolute next/previous links.
import { Type, type Static, type TSchema } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { Config } from '../../config.js';
import { Invalid } from '../../core/errors.js';
import { MAX_PAGE, parseOrder, type ListQuery, type ListSpec, type Page } from '../../core/pagination.js';

/** page_size above MAX_PAGE_SIZE is capped, as DjaoApp does; far above it is an error. */
const MAX_PAGE_SIZE_ACCEPTED = 10_000;

export const ListParams = Type.Object({
  page: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE, description: 'A page number within the paginated result set.' })),
  page_size: Type.Optional(Type.Integer({ minimum: 1, maximum: MAX_PAGE_SIZE_ACCEPTED, description: 'Number of results per page (larger values are capped at the MAX_PAGE_SIZE setting).' })),
  q: Type.Optional(Type.String({ maxLength: 200, description: 'A search term matched against the searchable fields.' })),
  o: Type.Optional(Type.Array(Type.String({ maxLength: 100 }), {
    description: 'Field to order by; repeat for a complete ordering; prefix with - to reverse.',
  })),
  ot: Type.Optional(Type.Union([Type.Literal('asc'), Type.Literal('desc')], { description: 'Ordering direction.' })),
  start_at: Type.Optional(Type.String({ format: 'date-time', description: 'Only records created at or after this time.' })),
  ends_at: Type.Optional(Type.String({ format: 'date-time', description: 'Only records created before this time.' })),
});
export type ListParams = Static<typeof ListParams>;

export function toListQuery(params: ListParams, spec: ListSpec, config: Config): ListQuery {
  const pageSize = Math.min(params.page_size ?? config.pageSize, config.maxPageSize);
  const startAt = params.start_at ? new Date(params.start_at) : undefined;
  const endsAt = params.ends_at ? new Date(params.ends_at) : undefined;
  if (startAt && endsAt && startAt > endsAt) throw new Invalid('ends_at', 'Must be after start_at.');
  return {
    page: params.page ?? 1,
    pageSize,
    q: params.q || undefined,
    order: parseOrder(params.o, params.ot, spec),
    startAt,
    endsAt,
  };
}

function pageUrl(request: FastifyRequest, config: Config, page: number): string {
  const url = new URL(request.url, config.baseUrl);
  if (page <= 1) url.searchParams.delete('page');
  else url.searchParams.set('page', String(page));
  return url.toString();
}

export function pageEnvelope<T, R>(
  request: FastifyRequest,
  config: Config,
  list: ListQuery,
  page: Page<T>,
  shape: (row: T) => R,
): { count: number; next: string | null; previous: string | null; results: R[] } {
  const last = Math.max(1, Math.ceil(page.count / list.pageSize));
  return {
    count: page.count,
    next: list.page < last ? pageUrl(request, config, list.page + 1) : null,
    previous: list.page > 1 ? pageUrl(request, config, Math.min(list.page - 1, last)) : null,
    results: page.results.map(shape),
  };
}

/** A page of `item`s; `description` says what the list holds (it describes the answer in OpenAPI). */
export function PageOf<T extends TSchema>(item: T, description: string) {
  return Type.Object({
    count: Type.Integer({ description: 'Total number of items in the dataset.' }),
    next: Type.Union([Type.String(), Type.Null()], { description: 'URL to the next page of results.' }),
    previous: Type.Union([Type.String(), Type.Null()], { description: 'URL to the previous page of results.' }),
    results: Type.Array(item, { description: 'Items in the current page.' }),
  }, { description });
}
