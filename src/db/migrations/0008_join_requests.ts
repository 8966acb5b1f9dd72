// Join requests, grants and implicit roles: the e-mail domains an organization proved, who
// left an organization (never enrolled implicitly again), requesters a manager blocked, and
// what a pending invitation was addressed to (the only thing the organization may see of it).
import { sql, type Kysely } from 'kysely';

const up = [
  `create table organization_domains (
    id bigserial primary key,
    organization_id bigint not null references organizations (id),
    domain text not null,
    status text not null default 'pending' check (status in ('pending', 'verified')),
    requested_by bigint references users (id) on delete set null,
    verified_by bigint references users (id) on delete set null,
    verified_how text check (verified_how in ('broker')),
    created_at timestamptz not null default now(),
    verified_at timestamptz
  )`,
  `create unique index organization_domains_org_domain on organization_domains (organization_id, domain)`,
  // One organization per proved domain: two cannot both enroll its users.
  `create unique index organization_domains_verified on organization_domains (domain) where status = 'verified'`,

  // A user who left, was removed or was denied: implicit roles never bring them back.
  `create table organization_departures (
    organization_id bigint not null references organizations (id),
    user_id bigint not null references users (id) on delete cascade,
    how text not null check (how in ('left', 'removed', 'denied')),
    created_at timestamptz not null default now(),
    primary key (organization_id, user_id)
  )`,

  `create table join_request_blocks (
    organization_id bigint not null references organizations (id),
    user_id bigint not null references users (id) on delete cascade,
    blocked_by bigint references users (id) on delete set null,
    created_at timestamptz not null default now(),
    primary key (organization_id, user_id)
  )`,

  // An invitation by e-mail shows the organization the address and name it typed, never
  // the account behind it; null for an invitation by username.
  `alter table roles add column invited_email text, add column invited_name text`,

  // Join requests are counted per requester over a window (rate limit).
  `create index organization_events_actor_idx on organization_events (actor_user_id, type, created_at)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
