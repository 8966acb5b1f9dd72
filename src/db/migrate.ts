// Runs the migrations in order, each once, recorded in schema_migrations. Migrations are
// imported statically so the same list works from sources and from the compiled build.
import { sql, type Kysely } from 'kysely';
import * as m0001 from './migrations/0001_identity.js';
import * as m0002 from './migrations/0002_user_profile.js';
import * as m0003 from './migrations/0003_change_notifications.js';
import * as m0004 from './migrations/0004_sessions.js';
import * as m0005 from './migrations/0005_login_safety.js';
import * as m0006 from './migrations/0006_address_changes.js';
import * as m0007 from './migrations/0007_permissions.js';
import * as m0008 from './migrations/0008_join_requests.js';
import * as m0010 from './migrations/0010_send_limits.js';
import * as m0011 from './migrations/0011_row_notifications.js';
import * as m0012 from './migrations/0012_rate_limits.js';
import * as m0013 from './migrations/0013_billing.js';
import * as m0016 from './migrations/0016_processors.js';
import * as m0018 from './migrations/0018_ledger.js';
import * as m0019 from './migrations/0019_getchat.js';
import * as m0022 from './migrations/0022_deployments.js';
import * as m0023 from './migrations/0023_webhook_attempts.js';
import * as m0024 from './migrations/0024_themes.js';
import * as m0025 from './migrations/0025_team_accounts.js';
import * as m0026 from './migrations/0026_team_capabilities.js';
import * as m0027 from './migrations/0027_customer_provisioning.js';
import * as m0028 from './migrations/0028_dkim.js';
import * as m0029 from './migrations/0029_notices.js';
import * as m0030 from './migrations/0030_embedthis_accounts.js';
import * as m0031 from './migrations/0031_password_history.js';
import * as m0032 from './migrations/0032_renewals.js';
import * as m0033 from './migrations/0033_metrics.js';
import * as m0034 from './migrations/0034_legal.js';
import * as m0035 from './migrations/0035_scale_indexes.js';
import * as m0036 from './migrations/0036_balance_rollup.js';
import * as m0037 from './migrations/0037_retention.js';
import * as m0038 from './migrations/0038_watch_activities.js';

interface Migration {
  name: string;
  migrate(db: Kysely<unknown>): Promise<void>;
}

export const migrations: Migration[] = [
  { name: '0001_identity', migrate: m0001.migrate },
  { name: '0002_user_profile', migrate: m0002.migrate },
  { name: '0003_change_notifications', migrate: m0003.migrate },
  { name: '0004_sessions', migrate: m0004.migrate },
  { name: '0005_login_safety', migrate: m0005.migrate },
  { name: '0006_address_changes', migrate: m0006.migrate },
  { name: '0007_permissions', migrate: m0007.migrate },
  { name: '0008_join_requests', migrate: m0008.migrate },
  { name: '0010_send_limits', migrate: m0010.migrate },
  { name: '0011_row_notifications', migrate: m0011.migrate },
  { name: '0012_rate_limits', migrate: m0012.migrate },
  { name: '0013_billing', migrate: m0013.migrate },
  { name: '0016_processors', migrate: m0016.migrate },
  { name: '0018_ledger', migrate: m0018.migrate },
  { name: '0019_getchat', migrate: m0019.migrate },
  { name: '0022_deployments', migrate: m0022.migrate },
  { name: '0023_webhook_attempts', migrate: m0023.migrate },
  { name: '0024_themes', migrate: m0024.migrate },
  { name: '0025_team_accounts', migrate: m0025.migrate },
  { name: '0026_team_capabilities', migrate: m0026.migrate },
  { name: '0027_customer_provisioning', migrate: m0027.migrate },
  { name: '0028_dkim', migrate: m0028.migrate },
  { name: '0029_notices', migrate: m0029.migrate },
  { name: '0030_embedthis_accounts', migrate: m0030.migrate },
  { name: '0031_password_history', migrate: m0031.migrate },
  { name: '0032_renewals', migrate: m0032.migrate },
  { name: '0033_metrics', migrate: m0033.migrate },
  { name: '0034_legal', migrate: m0034.migrate },
  { name: '0035_scale_indexes', migrate: m0035.migrate },
  { name: '0036_balance_rollup', migrate: m0036.migrate },
  { name: '0037_retention', migrate: m0037.migrate },
  { name: '0038_watch_activities', migrate: m0038.migrate },
];

/** Applies what is missing; safe to run from several processes at once (advisory lock). */
export async function migrateToLatest<T>(db: Kysely<T>): Promise<string[]> {
  const raw = db as unknown as Kysely<unknown>;
  return raw.connection().execute(async (conn) => {
    // A migration (an index on a large table) and the wait for another node's may take longer
    // than DATABASE_STATEMENT_TIMEOUT_MS allows: no limit on this connection meanwhile, and the
    // pool's own limit given back whatever happens.
    await sql`set statement_timeout = 0`.execute(conn);
    try {
      return await migrateLocked(conn);
    } finally {
      await sql`reset statement_timeout`.execute(conn);
    }
  });
}

/** The migrations not yet applied, under the lock that keeps other nodes from running them too. */
async function migrateLocked(conn: Kysely<unknown>): Promise<string[]> {
  await sql`select pg_advisory_lock(72130511)`.execute(conn);
  try {
    await sql`create table if not exists schema_migrations (
      name text primary key, applied_at timestamptz not null default now())`.execute(conn);
    const done = await sql<{ name: string }>`select name from schema_migrations`.execute(conn);
    const applied = new Set(done.rows.map((r) => r.name));
    const ran: string[] = [];
    for (const migration of migrations) {
      if (applied.has(migration.name)) continue;
      await conn.transaction().execute(async (tx) => {
        await migration.migrate(tx);
        await sql`insert into schema_migrations (name) values (${migration.name})`.execute(tx);
      });
      ran.push(migration.name);
    }
    return ran;
  } finally {
    await sql`select pg_advisory_unlock(72130511)`.execute(conn);
  }
}

/**
 * What the database lacks: `applied` is how many migrations it ran (0 when it was never
 * migrated), `pending` how many it still needs. Commands that only read check it first, so
 * they say "migrate first" instead of failing on a missing table.
 */
export async function migrationState<T>(db: Kysely<T>): Promise<{ applied: number; pending: number }> {
  const table = await sql<{ name: string | null }>`select to_regclass('schema_migrations')::text as name`.execute(db);
  const applied = table.rows[0]?.name
    ? new Set((await sql<{ name: string }>`select name from schema_migrations`.execute(db)).rows.map((r) => r.name))
    : new Set<string>();
  return { applied: applied.size, pending: migrations.filter((m) => !applied.has(m.name)).length };
}
