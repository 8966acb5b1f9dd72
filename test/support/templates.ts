// A migrated database to copy for each test file: migrating once and copying is far
// faster than migrating per file. PGlite copies a dumped data folder; PostgreSQL
// copies a template database.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync, renameSync } from 'node:fs';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Changes whenever a migration changes, so stale templates are never used. */
export function migrationsHash(): string {
  const dir = join(root, 'src/db/migrations');
  const hash = createHash('sha256');
  for (const file of readdirSync(dir).sort()) hash.update(file).update(readFileSync(join(dir, file)));
  hash.update(readFileSync(join(root, 'src/db/migrate.ts')));
  // Migration 0011 takes its trigger from here.
  hash.update(readFileSync(join(root, 'src/db/change-feed.ts')));
  return hash.digest('hex').slice(0, 12);
}

export function pgliteTemplatePath(): string {
  return join(root, '.cache', `pglite-template-${migrationsHash()}.tar.gz`);
}

export function postgresTemplateName(): string {
  return `ap_template_${migrationsHash()}`;
}

export async function preparePGliteTemplate(): Promise<string> {
  const path = pgliteTemplatePath();
  if (existsSync(path)) return path;
  const { PGlite } = await import('@electric-sql/pglite');
  const { Kysely } = await import('kysely');
  const { PGliteDialect } = await import('../../src/db/pglite-dialect.js');
  const { migrateToLatest } = await import('../../src/db/migrate.js');
  const client = await PGlite.create();
  const db = new Kysely<never>({ dialect: new PGliteDialect(client) });
  await migrateToLatest(db);
  const dump = await client.dumpDataDir('gzip');
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}`;
  writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
  renameSync(tmp, path);
  await db.destroy();
  return path;
}

export async function preparePostgresTemplate(url: string): Promise<string> {
  const name = postgresTemplateName();
  const pg = (await import('pg')).default;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const exists = await admin.query('select 1 from pg_database where datname = $1', [name]);
    if (exists.rowCount) return name;
    // Old templates from earlier migrations are removed so they do not pile up; only those
    // built over a day ago, since checkouts of other branches may be testing with theirs now.
    const old = await admin.query(`select datname from pg_database
      where datname like 'ap_template_%' and datname not like '%\\_building\\_%'
        and coalesce(nullif(shobj_description(oid, 'pg_database'), ''), '0')::bigint < $1`, [Date.now() - 86_400_000]);
    for (const row of old.rows as { datname: string }[]) {
      await admin.query(`update pg_database set datistemplate = false where datname = '${row.datname}'`).catch(() => {});
      await admin.query(`drop database if exists "${row.datname}"`).catch(() => {});
    }
    const building = `${name}_building_${process.pid}`;
    await admin.query(`create database "${building}"`);
    const { openPostgres } = await import('../../src/db/database.js');
    const { migrateToLatest } = await import('../../src/db/migrate.js');
    const handle = await openPostgres(withDatabase(url, building), { max: 2 });
    await migrateToLatest(handle.db);
    await handle.close();
    await admin.query(`alter database "${building}" rename to "${name}"`);
    await admin.query(`comment on database "${name}" is '${Date.now()}'`);
    return name;
  } finally {
    await admin.end();
  }
}

export function withDatabase(url: string, database: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
