// How a surface names a row: DjaoApp by slug (in its paths), get.chat and Accountcentral by
// integer id. Core functions take a `Ref` and hand it to that entity's one resolver
// (`findUser`, `findOrganization`, `findDescription`), so none of them assumes either form.
import { sql, type Expression, type SqlBool } from 'kysely';

export type Ref = { readonly id: number } | { readonly slug: string };

/** How a reference reads in a message: `"acme"` or `#12`. */
export function describeRef(ref: Ref): string {
  return 'id' in ref ? `#${ref.id}` : `"${ref.slug}"`;
}

/** A key naming the row a reference points at, for caches: `id:12` or `slug:acme` (slugs are case-insensitive). */
export function refKey(ref: Ref): string {
  return 'id' in ref ? `id:${ref.id}` : `slug:${ref.slug.toLowerCase()}`;
}

/**
 * The condition selecting the row `ref` names in `table`: its id, or its slug compared
 * case-insensitively. An id no row can have (not a safe integer) matches nothing, rather
 * than reaching the database as a malformed bigint.
 */
export function refMatches(table: string, ref: Ref): Expression<SqlBool> {
  if ('id' in ref) {
    return Number.isSafeInteger(ref.id) ? sql<SqlBool>`${sql.ref(`${table}.id`)} = ${ref.id}` : sql<SqlBool>`false`;
  }
  return sql<SqlBool>`lower(${sql.ref(`${table}.slug`)}) = ${ref.slug.toLowerCase()}`;
}
