// A new data folder starts from a template: the embedded database as it is once every
// migration has run, dumped at build time (`npm run build`). Creating the cluster (initdb)
// and running every migration was most of a first start; unpacking the dump is a fraction
// of it. The template's name holds a hash of the migrations, of the code they use and of
// the PGlite version, so a template from other migrations is never used: the folder is then
// created and migrated as before. Either way, migrateToLatest still runs after the open.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Kysely } from 'kysely';
import type { Database } from './schema.js';

const here = dirname(fileURLToPath(import.meta.url));

function pgliteVersion(): string {
  let dir = dirname(createRequire(import.meta.url).resolve('@electric-sql/pglite'));
  for (;;) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name?: string; version?: string };
      if (manifest.name === '@electric-sql/pglite') return manifest.version ?? '?';
    }
    if (dirname(dir) === dir) return '?';
    dir = dirname(dir);
  }
}

/** Changes whenever a migration, what they import, or PGlite changes (in this build: .js or .ts). */
export function templateKey(): string {
  const hash = createHash('sha256').update(pgliteVersion());
  const migrations = join(here, 'migrations');
  for (const file of readdirSync(migrations).sort()) {
    if (!/\.(js|ts)$/.test(file)) continue;
    hash.update(file).update(readFileSync(join(migrations, file)));
  }
  for (const file of readdirSync(here).sort()) {
    // The migration list, and the change feed whose trigger migration 0011 installs.
    if (/^(migrate|change-feed)\.(js|ts)$/.test(file)) hash.update(file).update(readFileSync(join(here, file)));
  }
  return hash.digest('hex').slice(0, 16);
}

/** Where the template for these migrations is: next to this module unless told. */
export function templatePath(dir = here, key = templateKey()): string {
  return join(dir, `pglite-template-${key}.tar.gz`);
}

/** The template for a new data folder, when this build has one for its migrations. */
export function readTemplate(dir = here): Blob | undefined {
  const path = templatePath(dir);
  return existsSync(path) ? new Blob([readFileSync(path)]) : undefined;
}

/**
 * Migrates a database in memory, runs `prepare` on it (the build creates the job queue's
 * schema there too), and dumps it into `dir`; templates of other migrations there are removed.
 */
export async function writeTemplate(dir = here, prepare?: (db: Kysely<Database>) => Promise<void>): Promise<string> {
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('./pglite-dialect.js');
  const { migrateToLatest } = await import('./migrate.js');
  const client = await PGlite.create();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  try {
    await migrateToLatest(db);
    await prepare?.(db);
    const dump = await client.dumpDataDir('gzip');
    const path = templatePath(dir);
    const tmp = `${path}.${process.pid}`;
    writeFileSync(tmp, Buffer.from(await dump.arrayBuffer()));
    renameSync(tmp, path);
    for (const file of readdirSync(dir)) {
      if (/^pglite-template-.*\.tar\.gz$/.test(file) && join(dir, file) !== path) rmSync(join(dir, file), { force: true });
    }
    return path;
  } finally {
    await db.destroy();
  }
}
