// Users and how they log in, plus the organizations and roles they belong to.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table users (
    id bigserial primary key,
    slug text not null,
    email text,
    full_name text not null default '',
    nick_name text,
    picture text,
    extra text,
    phone text,
    password_hash text,
    password_changed_at timestamptz,
    email_verified_at timestamptz,
    status text not null default 'active' check (status in ('active', 'suspended', 'disabled')),
    otp_secret text,
    otp_last_step bigint,
    otp_enabled boolean not null default false,
    email_verification_enabled boolean not null default false,
    phone_verification_enabled boolean not null default false,
    ssh_pubkey text,
    notifications jsonb,
    last_login_at timestamptz,
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    deleted_at timestamptz
  )`,
  `create unique index users_slug_key on users (lower(slug))`,
  `create unique index users_email_key on users (lower(email)) where email is not null`,
  `create index users_created_at_idx on users (created_at)`,

  `create table api_keys (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    key_id text not null unique,
    secret_hash text not null,
    title text,
    created_at timestamptz not null default now(),
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `create index api_keys_user_idx on api_keys (user_id)`,

  `create table one_time_tokens (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    purpose text not null,
    token_hash text not null unique,
    expires_at timestamptz not null,
    used_at timestamptz,
    created_at timestamptz not null default now()
  )`,
  `create index one_time_tokens_user_idx on one_time_tokens (user_id, purpose)`,

  `create table login_throttle (
    identifier text primary key,
    failures integer not null,
    locked_until timestamptz,
    last_failure_at timestamptz not null
  )`,

  `create table security_events (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    type text not null,
    ip text,
    user_agent text,
    detail jsonb,
    created_at timestamptz not null default now()
  )`,
  `create index security_events_user_idx on security_events (user_id, created_at desc)`,

  `create table mail_outbox (
    id bigserial primary key,
    recipient text not null,
    subject text not null,
    text_body text not null,
    html_body text,
    template text not null,
    created_at timestamptz not null default now(),
    sent_at timestamptz,
    attempts integer not null default 0,
    last_error text,
    next_attempt_at timestamptz not null default now()
  )`,
  `create index mail_outbox_pending_idx on mail_outbox (next_attempt_at) where sent_at is null`,

  `create table organizations (
    id bigserial primary key,
    slug text not null,
    full_name text not null default '',
    email text,
    phone text,
    street_address text,
    locality text,
    region text,
    postal_code text,
    country text,
    default_timezone text not null default 'UTC',
    picture text,
    extra text,
    type text not null default 'organization' check (type in ('organization', 'personal')),
    is_provider boolean not null default false,
    is_bulk_buyer boolean not null default false,
    is_broker boolean not null default false,
    partner_id bigint references organizations (id),
    personal_user_id bigint references users (id),
    status text not null default 'active' check (status in ('active', 'suspended', 'closed')),
    status_reason text,
    customer_quota integer check (customer_quota >= 0),
    seat_quota integer check (seat_quota >= 0),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    closed_at timestamptz
  )`,
  `create unique index organizations_slug_key on organizations (lower(slug))`,
  `create index organizations_partner_idx on organizations (partner_id)`,
  `create unique index organizations_one_broker on organizations (is_broker) where is_broker`,

  `create table role_descriptions (
    id bigserial primary key,
    organization_id bigint references organizations (id),
    slug text not null,
    title text not null,
    skip_optin_on_grant boolean not null default false,
    implicit_create_on_none boolean not null default false,
    extra text,
    created_at timestamptz not null default now()
  )`,
  `create unique index role_descriptions_slug_key on role_descriptions (coalesce(organization_id, 0), slug)`,

  `create table roles (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    user_id bigint not null references users (id) on delete cascade,
    role_description_id bigint not null references role_descriptions (id),
    grant_key_hash text unique,
    request_key text unique,
    request_message text,
    created_by bigint references users (id),
    created_at timestamptz not null default now(),
    accepted_at timestamptz
  )`,
  `create unique index roles_one_per_description on roles (organization_id, user_id, role_description_id)`,
  `create index roles_user_idx on roles (user_id)`,

  `create table organization_events (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    type text not null,
    actor_user_id bigint references users (id),
    detail jsonb,
    created_at timestamptz not null default now()
  )`,
  `create index organization_events_org_idx on organization_events (organization_id, created_at desc)`,

  `create table activities (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    created_by bigint references users (id),
    text text not null,
    organization_id bigint references organizations (id),
    created_at timestamptz not null default now()
  )`,
  `create index activities_user_idx on activities (user_id, created_at desc)`,

  `insert into role_descriptions (organization_id, slug, title, skip_optin_on_grant)
     values (null, 'manager', 'Managers', false), (null, 'contributor', 'Contributors', false)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
