// Accountcentral's customers: configuration and provisioning jobs.
// - The Customer's own fields an organization lacked: its three responsibles (e-mail
//   addresses, cleared with the rest of its contact details when it closes) and `premium`.
// - Its configuration: the smart relay switch, its SFTP endpoints (credentials sealed with a
//   key derived from SECRET_KEY, never answered) and one JSON object per platform application.
// - Provisioning jobs (PREPARE_DEACTIVATION, DEACTIVATE): the row is the job's truth, its
//   status NEW -> RUNNING -> DONE or FAILED and the actions it planned or did. A DEACTIVATE
//   names the finished preparation it follows; a preparation serves one deactivation that did
//   not fail (the partial unique index), so two deactivations asked at once cannot both run.
import { sql, type Kysely } from 'kysely';

const up: string[] = [
  `alter table organizations add column platform_responsible text`,
  `alter table organizations add column technical_responsible text`,
  `alter table organizations add column privacy_responsible text`,
  `alter table organizations add column premium boolean not null default false`,
  `create table customer_configurations (
    organization_id bigint primary key references organizations(id),
    smart_relay_enabled boolean not null default false,
    sftp jsonb not null default '[]',
    updated_by bigint references users(id),
    updated_at timestamptz not null
  )`,
  `create table customer_application_configurations (
    organization_id bigint not null references organizations(id),
    application text not null,
    configuration jsonb not null,
    updated_by bigint references users(id),
    updated_at timestamptz not null,
    primary key (organization_id, application)
  )`,
  `create table customer_provisioning_jobs (
    id text primary key,
    organization_id bigint not null references organizations(id),
    operation text not null check (operation in ('PREPARE_DEACTIVATION', 'DEACTIVATE')),
    status text not null default 'NEW' check (status in ('NEW', 'RUNNING', 'DONE', 'FAILED')),
    actions jsonb not null default '[]',
    prepared_by text references customer_provisioning_jobs(id),
    error jsonb,
    attempts integer not null default 0,
    requested_by bigint references users(id),
    created_at timestamptz not null,
    started_at timestamptz,
    finished_at timestamptz
  )`,
  `create index customer_provisioning_jobs_organization on customer_provisioning_jobs (organization_id, created_at)`,
  `create unique index customer_provisioning_jobs_one_deactivation on customer_provisioning_jobs (prepared_by) where status <> 'FAILED'`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
