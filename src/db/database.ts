// Opens the database: PostgreSQL through `pg` when DATABASE_URL is set, otherwise the
// embedded PGlite on disk. Both speak the same SQL, so one set of migrations serves both.
import { chmodSync, cpSync, linkSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import { EMBEDDED_DB_CACHE_MB, type Config } from '../config.js';
import { PGliteDialect } from './pglite-dialect.js';
import { templateDirectory } from './pglite-template.js';
import { CHANGE_CHANNEL, ChangeFeed, WriteFencePlugin } from './change-feed.js';
import type { Database } from './schema.js';
import { UnitOfWorkDialect, type UnitOfWork } from './unit-of-work.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  /** Transactions that every query of `db` joins while they run (src/db/unit-of-work.ts). */
  unitOfWork: UnitOfWork;
  kind: 'postgres' | 'pglite';
  /** Names the rows that read caches may hold when they change, here or on another node. */
  changes: ChangeFeed;
  /** Where session-level work runs (the migrations' advisory lock): `db` unless DATABASE_DIRECT_URL is set. */
  direct: Db;
  close(): Promise<void>;
}

const INT8 = 20;
// Row ids and counts are int8; every id we make fits in a JS number, so both drivers
// hand them back as numbers rather than strings or bigints.
const parseInt8 = (value: string) => Number(value);

export interface PostgresOptions {
  /** The pool's size (DATABASE_POOL_SIZE). */
  max?: number;
  /** How long a query may wait for a free connection (DATABASE_POOL_WAIT_MS); 0: for ever. */
  poolWaitMs?: number;
  /** Each statement's longest run (DATABASE_STATEMENT_TIMEOUT_MS); 0: no limit. */
  statementTimeoutMs?: number;
  /** LISTEN and the migrations go here instead of `url` (DATABASE_DIRECT_URL). */
  directUrl?: string | null;
}

export async function openPostgres(
  url: string,
  { max = 10, directUrl = null, poolWaitMs = 0, statementTimeoutMs = 0 }: PostgresOptions = {},
): Promise<DatabaseHandle> {
  const pg = (await import('pg')).default;
  // Both pools read int8 the same way, and an idle client that loses its connection is
  // replaced by its pool: the 'error' event needs a listener, or it would end the process.
  // The pool is bounded in time as well as size: a query that cannot get a connection soon,
  // or whose statement runs too long (a lock held elsewhere, a query gone wrong), is refused
  // with 503 (`unavailableFromDatabase` in core/errors.ts) instead of holding its client and a
  // connection for ever while the next ones pile up behind it. The statement limit is sent
  // when a connection opens; a transaction pooler (PgBouncer, which a DATABASE_DIRECT_URL
  // implies) refuses such a parameter, so there the limit is the database role's to set.
  const statementLimit = statementTimeoutMs && !directUrl ? { statement_timeout: statementTimeoutMs } : {};
  const limits = { connectionTimeoutMillis: poolWaitMs, ...statementLimit };
  const newPool = (connectionString: string, size: number, idleTimeoutMillis?: number, bounded = false) => {
    const made = new pg.Pool({
      connectionString,
      max: size,
      idleTimeoutMillis,
      ...(bounded ? limits : {}),
      // A per-pool parser, so pg's process-wide defaults stay untouched.
      types: {
        getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
          oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
      },
    });
    made.on('error', () => {});
    return made;
  };
  const changes = new ChangeFeed();
  const dialect = new UnitOfWorkDialect(new PostgresDialect({ pool: newPool(url, max, undefined, true) }));
  const db = new Kysely<Database>({ dialect, plugins: [new WriteFencePlugin(changes)] });
  // One connection is enough for the migrations, closed soon after they ran.
  const direct = directUrl ? new Kysely<Database>({ dialect: new PostgresDialect({ pool: newPool(directUrl, 1, 1000) }) }) : db;
  const listener = listenForChanges(directUrl ?? url, changes);
  return {
    db,
    unitOfWork: dialect.unitOfWork,
    kind: 'postgres',
    changes,
    direct,
    async close() {
      await listener.close();
      if (direct !== db) await direct.destroy();
      await db.destroy();
    },
  };
}

/**
 * Keeps one connection LISTENing for the commits of every node (this one included). While
 * it is down the caches do not serve (ChangeFeed.live), and each (re)connection empties them.
 * The same connection sends this node's fences (change-feed.ts), so a fence needs no pool slot.
 */
function listenForChanges(url: string, changes: ChangeFeed): { close(): Promise<void> } {
  let client: import('pg').Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  // A failed connect and an error event can both ask to reconnect: one retry at a time.
  const reconnect = () => {
    changes.disconnected();
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect().catch(reconnect);
    }, 1000);
  };
  const connect = async () => {
    const pg = (await import('pg')).default;
    const next = new pg.Client({ connectionString: url });
    next.on('notification', (message) => {
      if (client === next && message.channel === CHANGE_CHANNEL) changes.notified(message.payload ?? '');
    });
    next.on('error', () => {
      if (client === next) client = null;
      next.end().catch(() => {});
      reconnect();
    });
    await next.connect();
    if (closed) {
      await next.end();
      return;
    }
    await next.query(`listen ${CHANGE_CHANNEL}`);
    client = next;
    changes.connected(async (payload) => {
      await next.query('select pg_notify($1, $2)', [CHANGE_CHANNEL, payload]);
    });
  };
  const ready = connect().catch(reconnect);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      const last = client;
      client = null;
      changes.disconnected();
      await last?.end().catch(() => {});
    },
  };
}

/** Another process holds the data folder: the message names the folder and its PID. */
export class DataDirLocked extends Error {}

interface LockHolder {
  pid: number;
  host: string;
  command: string;
  since: string;
}

function readHolder(path: string): { raw: string; holder: LockHolder | null } | null {
  let raw: string;
  try {
    raw = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  try {
    const holder = JSON.parse(raw) as LockHolder;
    return { raw, holder: Number.isInteger(holder.pid) ? holder : null };
  } catch {
    return { raw, holder: null };
  }
}

function isAlive(holder: LockHolder): boolean {
  // A process on another machine (a shared folder) cannot be checked: it counts as alive.
  if (holder.host !== hostname()) return true;
  try {
    process.kill(holder.pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * PGlite is one process's database: a second process on the same folder writes over the
 * first one's files, and one of them loses its writes. So the first process takes
 * DATA_DIR/lock, made atomically (a hard link of a complete file fails if the lock
 * exists), and every other process is refused at once. A lock whose process has died is
 * taken over; the lock is removed on close and on exit.
 */
export function lockDataDir(dataDir: string, command = process.argv.slice(2).join(' ') || 'account-portal'): () => void {
  mkdirSync(dataDir, { recursive: true });
  const path = join(dataDir, 'lock');
  const mine = JSON.stringify({ pid: process.pid, host: hostname(), command, since: new Date().toISOString() } satisfies LockHolder) + '\n';
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, mine, { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 3; attempt++) {
      try {
        linkSync(tmp, path);
        const release = () => {
          process.off('exit', release);
          if (readHolder(path)?.raw === mine) unlinkSync(path);
        };
        process.on('exit', release);
        return release;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const current = readHolder(path);
      if (!current) continue;
      if (current.holder && current.holder.pid !== process.pid && !isAlive(current.holder)) {
        // Stale: move it aside, and put it back if what we moved was someone's fresh lock.
        const aside = `${path}.${process.pid}.stale`;
        renameSync(path, aside);
        if (readFileSync(aside, 'utf8') === current.raw) {
          unlinkSync(aside);
          continue;
        }
        try { linkSync(aside, path); } catch { /* a third process took it meanwhile; it holds the folder */ }
        unlinkSync(aside);
        continue;
      }
      const who = current.holder
        ? `process ${current.holder.pid}${current.holder.host !== hostname() ? ` on ${current.holder.host}` : ''} (${current.holder.command}, since ${current.holder.since})`
        : 'another process';
      throw new DataDirLocked(
        `the data folder ${dataDir} is in use by ${who}; stop it first (the embedded database allows one process; ` +
        `if that process is gone, remove ${path})`,
      );
    }
    throw new DataDirLocked(`the data folder ${dataDir} is being taken by another process; try again`);
  } finally {
    unlinkSync(tmp);
  }
}

/** Present in the database folder while a template is copied into it: the copy is not complete. */
const COPYING = '.copying-template';

/**
 * A new data folder is a copy of this build's template folder (pglite-template.ts), made in
 * place (DATA_DIR/db may be a mount point or a link, which a rename would replace). A marker
 * is written first and removed last: a start that died during the copy left it, and the
 * next start clears the folder and copies again rather than open a partial database.
 */
function copyTemplate(template: string, path: string): void {
  writeFileSync(join(path, COPYING), '');
  cpSync(template, path, { recursive: true });
  unlinkSync(join(path, COPYING));
}

/** Whether the template may be copied into the folder: it is empty, or held an unfinished copy, now cleared. */
function clearedForTemplate(path: string): boolean {
  const files = readdirSync(path);
  if (!files.includes(COPYING)) return files.length === 0;
  for (const file of files) rmSync(join(path, file), { recursive: true, force: true });
  return true;
}

/**
 * `loadDataDir`: a dump to start a new database from (the tests' in-memory databases);
 * `template`: the folder a new data folder copies (this build's by default).
 * `cacheMb`: PostgreSQL's shared_buffers. PGlite zeroes it at every start (about 4 ms per
 * MB here), and the operating system caches the folder's files as well, so a small cache
 * is most of the start saved for little lost on reads.
 */
export async function openPGlite(
  dataDir: string | null,
  loadDataDir?: Blob,
  options: { cacheMb?: number; template?: string } = {},
): Promise<DatabaseHandle> {
  const cacheMb = options.cacheMb ?? EMBEDDED_DB_CACHE_MB;
  const { PGlite } = await import('@electric-sql/pglite');
  let path: string | undefined;
  let unlock = () => {};
  if (dataDir) {
    unlock = lockDataDir(dataDir);
    path = join(dataDir, 'db');
    try {
      mkdirSync(path, { recursive: true });
      // The database's files are the owner's alone, as PostgreSQL requires of its folder
      // (PGlite makes its files readable and writable by all).
      try { chmodSync(path, 0o700); } catch { /* a folder the operator owns and set up otherwise */ }
      // A new (empty) folder starts from this build's migrated template when it has one.
      // (Only then is the template looked for: its key hashes every migration file.)
      const template = loadDataDir || !clearedForTemplate(path) ? undefined : options.template ?? templateDirectory();
      if (template) copyTemplate(template, path);
    } catch (error) {
      unlock();
      throw error;
    }
  }
  let client: import('@electric-sql/pglite').PGlite;
  try {
    client = await PGlite.create(path, {
      parsers: { [INT8]: parseInt8 },
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${cacheMb}MB`],
      ...(loadDataDir ? { loadDataDir } : {}),
    });
  } catch (error) {
    unlock();
    throw error;
  }
  // PGlite runs in this process and hands a commit's notifications over before the
  // committing query returns (test/service/read-cache.test.ts checks it): the same triggers
  // and listener as on PostgreSQL, and fences with nothing to wait for.
  const changes = new ChangeFeed(true);
  await client.listen(CHANGE_CHANNEL, (payload) => changes.notified(payload));
  changes.connected(async () => {});
  const dialect = new UnitOfWorkDialect(new PGliteDialect(client));
  const db = new Kysely<Database>({ dialect, plugins: [new WriteFencePlugin(changes)] });
  return {
    db,
    unitOfWork: dialect.unitOfWork,
    kind: 'pglite',
    changes,
    direct: db,
    async close() {
      try {
        await db.destroy();
      } finally {
        unlock();
      }
    },
  };
}

export function openDatabase(
  config: Pick<Config, 'databaseUrl' | 'dataDir'>
    & Partial<Pick<Config, 'databasePoolSize' | 'databaseDirectUrl' | 'databasePoolWaitMs' | 'databaseStatementTimeoutMs' | 'embeddedCacheMb'>>,
): Promise<DatabaseHandle> {
  return config.databaseUrl
    ? openPostgres(config.databaseUrl, {
      max: config.databasePoolSize,
      directUrl: config.databaseDirectUrl,
      poolWaitMs: config.databasePoolWaitMs,
      statementTimeoutMs: config.databaseStatementTimeoutMs,
    })
    : openPGlite(config.dataDir, undefined, { cacheMb: config.embeddedCacheMb });
}

export async function isReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
