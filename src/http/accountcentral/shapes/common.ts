// The envelopes every Accountcentral route answers in.
import type { Core } from '../../../core/context.js';

/** `{timestamp, result, resultCode: 'OK'}`: the operation was done. */
export function resultJson(core: Core, result: string): { timestamp: number; result: string; resultCode: string } {
  return { timestamp: core.now().getTime(), result, resultCode: 'OK' };
}

/** A core list page (1-based `page`, `count`) as the seed's `{page, elements}`, numbered from 0. */
export function pagedJson<T, E>(
  list: { count: number; results: readonly T[] },
  query: { page: number; size: number },
  shape: (item: T) => E,
): { page: { size: number; number: number; totalElements: number; totalPages: number }; elements: E[] } {
  return {
    page: { size: query.size, number: query.page, totalElements: list.count, totalPages: Math.ceil(list.count / query.size) },
    elements: list.results.map(shape),
  };
}

/** The seed's 0-based `page` and `size` as the core's 1-based list window. */
export function listWindow(query: { page?: number; size?: number }): { page: number; size: number; core: { page: number; pageSize: number } } {
  const page = query.page ?? 0;
  const size = query.size ?? 20;
  return { page, size, core: { page: page + 1, pageSize: size } };
}
