// A new data folder starts from a template: the embedded database as it is once every
// migration has run, made at build time (`npm run build`) as a folder that a first start
// copies. Creating the cluster (initdb) and running every migration was most of a first
// start; PGlite's own unpacking of a dump (a tar read through web streams) still took
// 1.4 s of it, a file copy takes 0.25 s. The template's name holds a hash of the
// migrations, of the code they use and of the PGlite version, so a template from other
// migrations is never used: the folder is then created and migrated as before. Either
// way, migrateToLatest still runs after the open.
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, renameSync, rmSync } from 'node:fs';
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

/** Where the template folder for these migrations is: next to this module unless told. */
export function templatePath(dir = here, key = templateKey()): string {
  return join(dir, `pglite-template-${key}`);
}

/** The template folder for a new data folder, when this build has one for its migrations. */
export function templateDirectory(dir = here): string | undefined {
  const path = templatePath(dir);
  return existsSync(join(path, 'PG_VERSION')) ? path : undefined;
}

/**
 * Migrates a new database in a folder, runs `prepare` on it (the build creates the job
 * queue's schema there too), closes it cleanly and moves it into place in `dir`; templates
 * of other migrations there are removed.
 */
export async function writeTemplate(dir = here, prepare?: (db: Kysely<Database>) => Promise<void>): Promise<string> {
  const path = templatePath(dir);
  // The same key is the same migrations: a template already there is kept, never replaced
  // under a service that may be copying it.
  if (templateDirectory(dir) === path) {
    restrictModes(path);
    removeOtherTemplates(dir, path);
    return path;
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const { PGliteDialect } = await import('./pglite-dialect.js');
  const { migrateToLatest } = await import('./migrate.js');
  const partial = `${path}.${process.pid}`;
  rmSync(partial, { recursive: true, force: true });
  const client = await PGlite.create(partial);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client) });
  try {
    await migrateToLatest(db);
    await prepare?.(db);
  } finally {
    await db.destroy();
  }
  // PGlite makes its files writable by all; nobody but the builder may change what every
  // new data folder starts from.
  restrictModes(partial);
  rmSync(path, { recursive: true, force: true });
  renameSync(partial, path);
  removeOtherTemplates(dir, path);
  return path;
}

function restrictModes(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) restrictModes(child);
    else chmodSync(child, 0o644);
  }
  chmodSync(path, 0o755);
}

/** This build's folder stays; other migrations' folders and the older .tar.gz dumps go. */
function removeOtherTemplates(dir: string, path: string): void {
  for (const file of readdirSync(dir)) {
    if (/^pglite-template-[0-9a-f]{16}(\.tar\.gz)?$/.test(file) && join(dir, file) !== path) rmSync(join(dir, file), { recursive: true, force: true });
  }
}
