// The site's theme (DjaoApp's /api/themes/): the files of the uploaded archive, in the
// database so that every node serving the site serves the same look and sends the same
// mails. One row per file; an upload replaces them all, a reset deletes them.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table theme_files (
    -- 'site.css', 'assets/<path>' or 'email/<template>.txt|.html' (checked at upload).
    path text primary key,
    content bytea not null,
    content_type text not null,
    -- A hash of the content: the HTTP ETag, and what tells a cached copy is current.
    etag text not null,
    updated_at timestamptz not null
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
