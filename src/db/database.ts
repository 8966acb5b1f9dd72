// Opens the database: PostgreSQL through `pg` when DATABASE_URL is set, otherwise the
// embedded PGlite on disk. Both speak the same SQL, so one set of migrations serves both.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Config } from '../config.js';
import { PGliteDialect } from './pglite-dialect.js';
import { CHANGE_CHANNEL, ChangeFeed, ChangeFeedPlugin } from './change-feed.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;

export interface DatabaseHandle {
  db: Db;
  kind: 'postgres' | 'pglite';
  /** Fires when rows that read caches may hold were written, here or on another node. */
  changes: ChangeFeed;
  close(): Promise<void>;
}

const INT8 = 20;
// Row ids and counts are int8; every id we make fits in a JS number, so both drivers
// hand them back as numbers rather than strings or bigints.
const parseInt8 = (value: string) => Number(value);

export async function openPostgres(url: string, max = 10): Promise<DatabaseHandle> {
  const pg = (await import('pg')).default;
  const pool = new pg.Pool({
    connectionString: url,
    max,
    // A per-pool parser, so pg's process-wide defaults stay untouched.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8 ? parseInt8 : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client that loses its connection is replaced by the pool; nothing to do.
  pool.on('error', () => {});
  const changes = new ChangeFeed();
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }), plugins: [new ChangeFeedPlugin(changes)] });
  const listener = listenForChanges(url, changes);
  return {
    db,
    kind: 'postgres',
    changes,
    async close() {
      await listener.close();
      await db.destroy();
    },
  };
}

/**
 * Keeps one connection LISTENing for the commits of other nodes (and of this one). While
 * it is down nothing can be trusted, so each (re)connection also empties the caches.
 */
function listenForChanges(url: string, changes: ChangeFeed): { close(): Promise<void> } {
  let client: import('pg').Client | null = null;
  let closed = false;
  let timer: NodeJS.Timeout | null = null;
  // A failed connect and an error event can both ask to reconnect: one retry at a time.
  const reconnect = () => {
    changes.changed();
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = null;
      void connect().catch(reconnect);
    }, 1000);
  };
  const connect = async () => {
    const pg = (await import('pg')).default;
    const next = new pg.Client({ connectionString: url });
    next.on('notification', () => changes.changed());
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
    changes.changed();
  };
  const ready = connect().catch(reconnect);
  return {
    async close() {
      closed = true;
      if (timer) clearTimeout(timer);
      await ready;
      await client?.end().catch(() => {});
    },
  };
}

export async function openPGlite(dataDir: string | null, loadDataDir?: Blob): Promise<DatabaseHandle> {
  const { PGlite } = await import('@electric-sql/pglite');
  let path: string | undefined;
  if (dataDir) {
    path = join(dataDir, 'db');
    mkdirSync(path, { recursive: true });
  }
  const client = await PGlite.create(path, {
    parsers: { [INT8]: parseInt8 },
    ...(loadDataDir ? { loadDataDir } : {}),
  });
  const changes = new ChangeFeed();
  const db = new Kysely<Database>({ dialect: new PGliteDialect(client), plugins: [new ChangeFeedPlugin(changes)] });
  return { db, kind: 'pglite', changes, close: () => db.destroy() };
}

export function openDatabase(config: Pick<Config, 'databaseUrl' | 'dataDir'>): Promise<DatabaseHandle> {
  return config.databaseUrl ? openPostgres(config.databaseUrl) : openPGlite(config.dataDir);
}

export async function isReachable(db: Db): Promise<boolean> {
  try {
    await sql`select 1`.execute(db);
    return true;
  } catch {
    return false;
  }
}
