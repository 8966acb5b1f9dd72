// Indexes for lists at a million users (issue 14, `npm run bench -- --scale`):
// - Search (`q`, a case-insensitive substring: `ilike '%q%'`) on users and organizations
//   read every row; a trigram GIN index answers it from the index on PostgreSQL. One
//   multi-column index per table serves the OR over the searched columns (a BitmapOr on
//   the same index). PGlite has no pg_trgm: there the search keeps scanning, which is what
//   an embedded database of that size does anyway.
// - The default orders (users and organizations by slug, then id) walked a sort over the
//   whole table for a page; a btree in that order makes the first pages read 25 rows.
//   The unique indexes on lower(slug) cannot serve `order by slug`.
import { sql, type Kysely } from 'kysely';

const everywhere: string[] = [
  'create index users_slug_order_idx on users (slug, id) where deleted_at is null',
  'create index organizations_slug_order_idx on organizations (slug, id)',
];

const withTrigrams: string[] = [
  'create extension if not exists pg_trgm',
  `create index users_search_trgm_idx on users using gin (
    slug gin_trgm_ops, email gin_trgm_ops, full_name gin_trgm_ops, nick_name gin_trgm_ops)`,
  `create index organizations_search_trgm_idx on organizations using gin (
    slug gin_trgm_ops, full_name gin_trgm_ops, email gin_trgm_ops, phone gin_trgm_ops,
    street_address gin_trgm_ops, locality gin_trgm_ops, region gin_trgm_ops, postal_code gin_trgm_ops,
    country gin_trgm_ops)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of everywhere) await sql.raw(statement).execute(db);
  // pg_trgm where it is installed already, or available and ours to create (a trusted
  // extension: CREATE on the database suffices). A role without that right still starts the
  // service; its searches scan, as on PGlite, until an operator installs the extension.
  const trigrams = await sql<{ found: number }>`select 1 as found from pg_available_extensions
    where name = 'pg_trgm' and (installed_version is not null or has_database_privilege(current_database(), 'CREATE'))`.execute(db);
  if (trigrams.rows.length === 0) return;
  for (const statement of withTrigrams) await sql.raw(statement).execute(db);
}
