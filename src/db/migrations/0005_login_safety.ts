// Login safety: failures counted per account and per (account, address), with growing
// lock durations; an authenticator seed waiting for its first code; recovery codes.
import { sql, type Kysely } from 'kysely';

const up = [
  // address '' is the account-wide row; any other value is one client address's row.
  // lockouts counts the locks in a row (each one lasts longer); lock_attempt names the
  // failed attempt that started the current lock, so exactly one attempt reports it.
  `alter table login_throttle
     add column address text not null default '',
     add column lockouts integer not null default 0,
     add column lock_attempt text`,
  `alter table login_throttle drop constraint login_throttle_pkey`,
  `alter table login_throttle add primary key (identifier, address)`,

  // A seed shown to the user but not yet confirmed by a code from their app.
  `alter table users
     add column otp_pending_secret text,
     add column otp_pending_at timestamptz`,

  // Single-use codes that stand in for the second factor; only their SHA-256 is kept.
  `create table otp_recovery_codes (
    id bigserial primary key,
    user_id bigint not null references users (id) on delete cascade,
    code_hash text not null,
    created_at timestamptz not null default now(),
    used_at timestamptz,
    unique (user_id, code_hash)
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
