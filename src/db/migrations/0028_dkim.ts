// Accountcentral's DKIM keys (per customer and the platform's) and FBLs. Private keys are
// kept sealed (AES-256-GCM under a key derived from SECRET_KEY): the service signs with them,
// so it must read them back, and a copy of the database alone signs nothing.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  // A customer's signing keys. One default per customer, always an active key (the core keeps
  // it so); one key per domain and selector.
  `create table dkim_keys (
    id bigserial primary key,
    organization_id bigint not null references organizations(id),
    domain text not null,
    selector text not null,
    public_key text not null,
    private_key_sealed text not null,
    active boolean not null default true,
    is_default boolean not null default false,
    created_by bigint references users(id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now(),
    check (active or not is_default)
  )`,
  `create unique index dkim_keys_selector on dkim_keys (organization_id, domain, selector)`,
  `create unique index dkim_keys_default on dkim_keys (organization_id) where is_default`,
  // The platform's key: what signs a customer's mail when it has no key of its own. One row.
  `create table platform_dkim (
    id smallint primary key default 1 check (id = 1),
    domain text not null,
    selector text not null,
    public_key text not null,
    private_key_sealed text not null,
    updated_by bigint references users(id),
    updated_at timestamptz not null
  )`,
  // Feedback loops: mail to a recipient domain whose mailbox provider runs an FBL also gets
  // the signature the ESP registered there.
  `create table fbls (
    id text primary key,
    esp text not null,
    recipient_domain text not null,
    signable_headers jsonb not null,
    dkim_domain text not null,
    dkim_selector text not null,
    dkim_public_key text not null,
    dkim_private_key_sealed text not null,
    created_by bigint references users(id),
    created_at timestamptz not null default now(),
    updated_at timestamptz not null default now()
  )`,
  `create unique index fbls_recipient_domain on fbls (recipient_domain)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
