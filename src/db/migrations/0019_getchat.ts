// get.chat's surface and its deployment machinery (issue 9): quotas on users, organizations
// and stacks; each organization's webhook address and signing secret; packages and the
// limits a broker raised per organization; stacks and applications (soft-deleted, as the
// seed's `deleted_at` filters say); each deployment operation a job runs; package routing;
// every webhook delivery (durable, logged, re-sendable); OAuth2 clients (one per
// organization, secret hashed) and what the authorization server keeps between requests.
import { sql, type Kysely } from 'kysely';

const up = [
  // How many organizations the user may create (get.chat's organization_quota); null: no limit.
  `alter table users add column organization_quota integer check (organization_quota >= 0)`,
  `alter table organizations add column created_by bigint references users (id)`,
  `alter table organizations add column stack_quota integer check (stack_quota >= 0)`,
  `alter table organizations add column webhook_url text`,
  // whsec_<base64>, encrypted with a key derived from SECRET_KEY (managers read it back).
  `alter table organizations add column webhook_secret text`,

  `create table packages (
    id bigserial primary key,
    uuid uuid not null unique,
    name text not null,
    type text not null,
    -- JSON Schema of the settings, and per setting: which roles may pass it, within which limits.
    settings_schema jsonb not null default '{}',
    setting_rules jsonb not null default '{}',
    deployer text not null default 'local' check (deployer in ('local', 'command', 'http')),
    deployer_config jsonb not null default '{}',
    -- 'file': defined in the data folder's packages file; 'api': by the administrator API.
    source text not null default 'api' check (source in ('file', 'api')),
    created_at timestamptz not null default now(),
    modified_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  `create unique index packages_type_idx on packages (type) where deleted_at is null`,

  // A limit of one setting of one package raised (or lowered) for one organization by the broker.
  `create table package_setting_limits (
    organization_id bigint not null references organizations (id),
    package_id bigint not null references packages (id),
    setting text not null,
    minimum numeric,
    maximum numeric,
    created_by bigint references users (id),
    modified_at timestamptz not null default now(),
    primary key (organization_id, package_id, setting)
  )`,

  `create table stacks (
    id bigserial primary key,
    uuid uuid not null unique,
    organization_id bigint not null references organizations (id),
    name text not null,
    subdomain text not null,
    partner_meta jsonb not null default '{}',
    platform_meta jsonb,
    application_quota integer check (application_quota >= 0),
    user_status text not null default 'REQUESTED',
    status text not null default 'REQUESTED',
    is_deployed boolean not null default false,
    is_locked boolean not null default true,
    error jsonb,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    modified_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  `create unique index stacks_subdomain_idx on stacks (lower(subdomain)) where deleted_at is null`,
  `create index stacks_organization_idx on stacks (organization_id) where deleted_at is null`,

  `create table applications (
    id bigserial primary key,
    uuid uuid not null unique,
    stack_id bigint not null references stacks (id),
    package_id bigint not null references packages (id),
    -- Settings as validated; secrets among them (d360_api_key) sealed with a key from SECRET_KEY.
    settings jsonb not null default '{}',
    partner_meta jsonb not null default '{}',
    platform_meta jsonb,
    domain text,
    user_status text not null default 'REQUESTED',
    status text not null default 'REQUESTED',
    is_deployed boolean not null default false,
    is_locked boolean not null default true,
    error jsonb,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    modified_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  `create index applications_stack_idx on applications (stack_id) where deleted_at is null`,

  // One operation on a stack or an application, run by a durable job; its outcome is the event sent.
  `create table deployments (
    id bigserial primary key,
    target text not null check (target in ('stack', 'application')),
    target_id bigint not null,
    operation text not null check (operation in ('deployment', 'modification', 'destruction')),
    state text not null default 'pending' check (state in ('pending', 'running', 'succeeded', 'failed')),
    attempts integer not null default 0,
    error jsonb,
    requested_by bigint references users (id),
    created_at timestamptz not null default now(),
    started_at timestamptz,
    finished_at timestamptz
  )`,
  `create index deployments_target_idx on deployments (target, target_id, id)`,

  `create table package_routings (
    id bigserial primary key,
    application_id bigint not null references applications (id),
    package_uuid uuid not null,
    package_type text not null,
    url text not null,
    source_params jsonb not null default '{}',
    params text not null default '',
    created_at timestamptz not null default now(),
    modified_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  `create index package_routings_application_idx on package_routings (application_id) where deleted_at is null`,

  // Each event sent to one receiver: the body is kept as sent, so a re-send signs the same bytes.
  `create table webhook_deliveries (
    id bigserial primary key,
    message_id text not null unique,
    organization_id bigint not null references organizations (id),
    subject_organization_id bigint not null references organizations (id),
    event text not null,
    body text not null,
    url text not null,
    state text not null default 'pending' check (state in ('pending', 'delivered', 'failed')),
    attempts integer not null default 0,
    last_status integer,
    last_error text,
    created_at timestamptz not null default now(),
    last_attempt_at timestamptz,
    delivered_at timestamptz
  )`,
  `create index webhook_deliveries_organization_idx on webhook_deliveries (organization_id, id)`,

  `create table oauth2_clients (
    id text primary key,
    organization_id bigint not null unique references organizations (id),
    secret_hash text not null,
    redirect_uris jsonb not null default '[]',
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    modified_at timestamptz not null default now()
  )`,
  // oidc-provider's adapter storage: codes, grants, sessions, interactions (by kind and id).
  `create table oidc_store (
    kind text not null,
    id text not null,
    payload jsonb not null,
    grant_id text,
    uid text,
    expires_at timestamptz,
    consumed_at timestamptz,
    primary key (kind, id)
  )`,
  `create index oidc_store_grant_idx on oidc_store (grant_id) where grant_id is not null`,
  `create index oidc_store_uid_idx on oidc_store (uid) where uid is not null`,

  // get.chat's Partner role: a manager who may also pass partner-only settings.
  `insert into role_descriptions (organization_id, slug, title, skip_optin_on_grant)
     values (null, 'partner', 'Partners', false)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
