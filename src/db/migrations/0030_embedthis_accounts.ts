// EmbedThis's accounts: billing details, payment terms and metrics of an organization.
// One row per organization that has any (an organization without one shows the defaults).
// Billing details are what goes on invoices (apart from the organization's contact address);
// payment terms are the broker's to set (credit in minor units, never a float); metrics are
// the counters an EmbedThis client reports, replaced as a whole.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  `create table account_details (
    organization_id bigint primary key references organizations(id),
    address text,
    company text,
    country text,
    invoice_email text,
    purchase_order text,
    invoice_subject text,
    agreement boolean not null default false,
    can_wire boolean not null default false,
    credit bigint not null default 0 check (credit >= 0),
    renew timestamptz,
    renewing boolean not null default false,
    terms integer not null default 0 check (terms >= 0 and terms <= 365),
    wire boolean not null default false,
    memo text,
    metrics jsonb,
    updated_at timestamptz not null default now()
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
