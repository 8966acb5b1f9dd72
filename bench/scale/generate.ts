// The scale dataset on PostgreSQL, made by set-based SQL (INSERT ... SELECT generate_series),
// never one row at a time. It is reused when the database already holds a dataset of the
// same spec (recorded in bench_scale_dataset); otherwise the database is dropped and made
// anew, migrated, filled, then analyzed. Row triggers (change notifications) and foreign
// key checks are off while filling (session_replication_role = replica): the ids are made
// consistent by construction, and nobody listens to a database being made.
//
// Run alone: `npx tsx bench/scale/generate.ts` (SCALE_DATABASE_URL, else DATABASE_URL, else
// postgres://postgres@127.0.0.1:5432/scale; the database's name must start with "scale").
import pg from 'pg';
import { fileURLToPath } from 'node:url';

export const SCALE_URL = process.env.SCALE_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/scale';
/** The password of every generated user (one real argon2id hash serves all rows). */
export const SCALE_PASSWORD = 'Scale-User-Pa55word-long';

export const SPEC = {
  users: Number(process.env.SCALE_USERS ?? 1_000_000),
  organizations: Number(process.env.SCALE_ORGANIZATIONS ?? 100_000),
  partnerCustomers: 10_000,
  /** Partner trees: each a chain of organizations, the deepest this many levels below its top. */
  treeDepth: 32,
  trees: 100,
  securityEvents: Number(process.env.SCALE_SECURITY_EVENTS ?? 5_000_000),
  /** Roles of the one user whose accessibles are listed. */
  manyRoles: 500,
  /** Sessions (most ended) per user, and deployments per stack (one stack per organization). */
  sessionsPerUser: 2,
  deploymentsPerStack: 3,
  version: 1,
};

/**
 * The shape of the data, by id (ids are assigned here, the sequences set after):
 * organizations 1 = the partner, 2..10,001 its customers, then `trees` chains of
 * depth + 1 organizations, then plain organizations up to `organizations`.
 * User i manages organization i (i ≤ organizations) and is a contributor of one other;
 * the last user holds `manyRoles` contributor roles.
 */
export function layout(spec = SPEC) {
  const partner = 1;
  const firstCustomer = 2;
  const firstTree = firstCustomer + spec.partnerCustomers;
  const treeSize = spec.treeDepth + 1;
  return {
    partner, firstCustomer, firstTree, treeSize,
    firstPlain: firstTree + spec.trees * treeSize,
    /** The top of tree t (0-based), and its organization `treeDepth` levels down. */
    treeTop: (t: number) => firstTree + t * treeSize,
    treeBottom: (t: number) => firstTree + t * treeSize + spec.treeDepth,
    manyRolesUser: spec.users,
    userSlug: (id: number) => `su${id}`,
    orgSlug: (id: number) => `so${id}`,
  };
}

const FIRST = ['James', 'Mary', 'Robert', 'Patricia', 'John', 'Jennifer', 'Michael', 'Linda', 'David', 'Elizabeth',
  'William', 'Barbara', 'Richard', 'Susan', 'Joseph', 'Jessica', 'Thomas', 'Sarah', 'Charles', 'Karen',
  'Ahmed', 'Fatima', 'Wei', 'Mei', 'Hiroshi', 'Yuki', 'Olga', 'Ivan', 'Pierre', 'Amelie',
  'Lukas', 'Hanna', 'Mateo', 'Lucia', 'Arjun', 'Priya', 'Kwame', 'Amara', 'Sven', 'Ingrid'];
const LAST = ['Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Muller', 'Schmidt', 'Schneider', 'Fischer', 'Weber', 'Meyer', 'Wagner', 'Becker', 'Schulz', 'Hoffmann',
  'Dubois', 'Durand', 'Lefebvre', 'Moreau', 'Laurent', 'Simon', 'Michel', 'Leroy', 'Roux', 'David',
  'Rossi', 'Russo', 'Ferrari', 'Esposito', 'Bianchi', 'Romano', 'Colombo', 'Ricci', 'Marino', 'Greco',
  'Sato', 'Suzuki', 'Takahashi', 'Tanaka', 'Watanabe', 'Ito', 'Yamamoto', 'Nakamura', 'Kobayashi', 'Kato',
  'Ivanov', 'Smirnov', 'Kuznetsov', 'Popov', 'Vasiliev', 'Petrov', 'Sokolov', 'Mikhailov', 'Novikov', 'Fedorov'];
const WORDS = ['Acme', 'Globex', 'Initech', 'Umbrella', 'Hooli', 'Vandelay', 'Stark', 'Wayne', 'Wonka', 'Tyrell',
  'Cyberdyne', 'Soylent', 'Aperture', 'Massive', 'Dynamic', 'Blue', 'Red', 'Green', 'North', 'South',
  'Alpha', 'Beta', 'Gamma', 'Delta', 'Omega', 'Prime', 'Nova', 'Vertex', 'Summit', 'Harbor'];
const KINDS = ['Labs', 'Systems', 'Holdings', 'Partners', 'Group', 'Works', 'Solutions', 'Networks', 'Foods', 'Logistics',
  'Media', 'Health', 'Energy', 'Capital', 'Studio', 'Industries', 'Consulting', 'Robotics', 'Farms', 'Motors'];

const arr = (xs: string[]) => `array[${xs.map((x) => `'${x}'`).join(',')}]`;

type Log = (line: string) => void;

async function timed(client: pg.Client, log: Log, what: string, text: string, values: unknown[] = []): Promise<void> {
  const began = performance.now();
  const result = await client.query(text, values);
  log(`  ${what}: ${result.rowCount ?? 0} rows in ${((performance.now() - began) / 1000).toFixed(1)} s`);
}

async function recorded(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url });
  try {
    await client.connect();
  } catch {
    return null;
  }
  try {
    const r = await client.query<{ spec: string }>('select spec from bench_scale_dataset where finished_at is not null');
    return r.rows[0]?.spec ?? null;
  } catch {
    return null;
  } finally {
    await client.end();
  }
}

/** Makes sure SCALE_URL holds the dataset of `SPEC`; returns how long making it took (0 when reused). */
export async function ensureScaleDataset(log: Log, url = SCALE_URL): Promise<{ reused: boolean; ms: number }> {
  const spec = JSON.stringify(SPEC);
  if ((await recorded(url)) === spec) {
    log(`scale dataset: reused (${url.replace(/^.*\//, '')}, ${spec})`);
    return { reused: true, ms: 0 };
  }
  const began = performance.now();
  const target = new URL(url);
  const name = target.pathname.slice(1);
  // It drops the database: only one named for this bench (never the tests' `test`).
  if (!/^scale[a-z0-9_]*$/.test(name)) throw new Error(`refusing to drop and make database "${name}": its name must start with "scale"`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const server = new pg.Client({ connectionString: admin.toString() });
  await server.connect();
  await server.query(`drop database if exists ${name} with (force)`);
  await server.query(`create database ${name}`);
  await server.end();

  // The schema comes from the service's own migrations.
  const { openPostgres } = await import('../../src/db/database.js');
  const { migrateToLatest } = await import('../../src/db/migrate.js');
  const { hashPassword } = await import('../../src/core/identity/passwords.js');
  const handle = await openPostgres(url, { max: 2 });
  await migrateToLatest(handle.db);
  await handle.close();
  const hash = await hashPassword(SCALE_PASSWORD);

  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await fill(client, hash, log);
  } finally {
    await client.end();
  }
  const ms = performance.now() - began;
  log(`scale dataset: made in ${(ms / 1000).toFixed(0)} s`);
  return { reused: false, ms };
}

async function fill(client: pg.Client, hash: string, log: Log): Promise<void> {
  const s = SPEC;
  const l = layout(s);
  await client.query(`create table bench_scale_dataset (spec text primary key, finished_at timestamptz)`);
  await client.query(`insert into bench_scale_dataset (spec) values ($1)`, [JSON.stringify(s)]);
  await client.query(`set session_replication_role = replica`);
  await client.query(`set maintenance_work_mem = '256MB'`);
  await client.query(`set synchronous_commit = off`);

  await timed(client, log, 'users', `
    insert into users (id, slug, email, full_name, first_name, last_name, password_hash, password_changed_at,
                       email_verified_at, status, created_at, updated_at)
    select g, 'su' || g, 'su' || g || '@' || (array['example.com','mail.test','corp.test','acme.test'])[1 + g % 4],
           f.first || ' ' || f.last, f.first, f.last, $1, now() - interval '30 days', now() - interval '30 days',
           'active', now() - (g || ' seconds')::interval, now() - (g || ' seconds')::interval
      from generate_series(1, ${s.users}) g,
           lateral (select (${arr(FIRST)})[1 + g % ${FIRST.length}] as first,
                           (${arr(LAST)})[1 + (g / ${FIRST.length}) % ${LAST.length}] as last) f`, [hash]);

  // Organizations: the partner, its customers, the trees (each level the customer of the one
  // above), then plain ones.
  await timed(client, log, 'organizations', `
    insert into organizations (id, slug, full_name, email, partner_id, created_by, created_at, updated_at)
    select g, 'so' || g,
           case when g = ${l.partner} then 'Scale Partner'
                else (${arr(WORDS)})[1 + g % ${WORDS.length}] || ' ' || (${arr(KINDS)})[1 + (g / ${WORDS.length}) % ${KINDS.length}] || ' ' || g end,
           'billing@so' || g || '.test',
           case when g between ${l.firstCustomer} and ${l.firstTree - 1} then ${l.partner}
                when g between ${l.firstTree} and ${l.firstPlain - 1} and (g - ${l.firstTree}) % ${l.treeSize} <> 0 then g - 1
                else null end,
           g, now() - (g || ' minutes')::interval, now() - (g || ' minutes')::interval
      from generate_series(1, ${s.organizations}) g`);

  const manager = `(select id from role_descriptions where slug = 'manager' and organization_id is null)`;
  const contributor = `(select id from role_descriptions where slug = 'contributor' and organization_id is null)`;
  await timed(client, log, 'roles: a manager per organization', `
    insert into roles (organization_id, user_id, role_description_id, created_at, accepted_at)
    select g, g, ${manager}, now() - interval '20 days', now() - interval '20 days'
      from generate_series(1, ${s.organizations}) g`);
  // Each user (but the last) a contributor of one organization, spread over all of them.
  await timed(client, log, 'roles: a contributor role per user', `
    insert into roles (organization_id, user_id, role_description_id, created_at, accepted_at)
    select 1 + (g::bigint * 7919) % ${s.organizations}, g, ${contributor}, now() - interval '10 days', now() - interval '10 days'
      from generate_series(1, ${s.users - 1}) g`);
  await timed(client, log, `roles: ${s.manyRoles} for one user`, `
    insert into roles (organization_id, user_id, role_description_id, created_at, accepted_at)
    select ${l.firstPlain} + g * ((${s.organizations} - ${l.firstPlain}) / ${s.manyRoles}), ${l.manyRolesUser}, ${contributor},
           now() - interval '5 days', now() - interval '5 days'
      from generate_series(0, ${s.manyRoles - 1}) g`);

  await timed(client, log, 'security events', `
    insert into security_events (user_id, type, ip, user_agent, created_at)
    select 1 + g % ${s.users},
           (array['login','login','login','logout','login_failed','password_changed','token_refreshed'])[1 + g % 7],
           '10.' || (g % 256) || '.' || ((g / 256) % 256) || '.' || ((g / 65536) % 256),
           'Mozilla/5.0 (X11; Linux x86_64) bench/' || (g % 50),
           now() - ((g % 31536000) || ' seconds')::interval
      from generate_series(1, ${s.securityEvents}) g`);

  await timed(client, log, 'sessions', `
    insert into sessions (id, user_id, method, ip, created_at, refreshed_at, ended_at, end_reason)
    select md5('session' || g), 1 + g % ${s.users}, 'password', '10.0.0.1',
           now() - interval '3 days', now() - interval '2 days',
           case when g % 4 = 0 then null else now() - interval '1 day' end,
           case when g % 4 = 0 then null else 'logout' end
      from generate_series(1, ${s.users * s.sessionsPerUser}) g`);

  await timed(client, log, 'stacks (one per organization)', `
    insert into stacks (id, uuid, organization_id, name, subdomain, user_status, status, is_deployed, created_by)
    select g, gen_random_uuid(), g, 'Stack ' || g, 'stack' || g, 'ACTIVE', 'READY', true, g
      from generate_series(1, ${s.organizations}) g`);
  await timed(client, log, 'deployments', `
    insert into deployments (target, target_id, operation, state, attempts, requested_by, created_at)
    select 'stack', 1 + g % ${s.organizations},
           (array['deployment','modification','modification'])[1 + (g / ${s.organizations}) % 3], 'succeeded', 1,
           1 + g % ${s.organizations}, now() - ((g % 1000000) || ' seconds')::interval
      from generate_series(0, ${s.organizations * s.deploymentsPerStack - 1}) g`);

  for (const table of ['users', 'organizations', 'roles', 'stacks']) {
    await client.query(`select setval(pg_get_serial_sequence('${table}', 'id'), (select max(id) from ${table}))`);
  }
  await client.query(`set session_replication_role = origin`);
  const began = performance.now();
  await client.query('vacuum analyze');
  log(`  vacuum analyze: ${((performance.now() - began) / 1000).toFixed(1)} s`);
  await client.query(`update bench_scale_dataset set finished_at = now()`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureScaleDataset((line) => console.log(line));
}
