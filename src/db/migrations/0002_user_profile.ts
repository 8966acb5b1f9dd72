// Accountcentral's user administration on the same users: suspension details, personal
// info beyond DjaoApp's (names, mobile, verified numbers), preferences, and the pending
// SMS verification of a number.
import { sql, type Kysely } from 'kysely';

const up = [
  `alter table users
     add column first_name text,
     add column last_name text,
     add column mobile text,
     add column phone_verified_at timestamptz,
     add column mobile_verified_at timestamptz,
     add column date_of_birth text,
     add column sex text check (sex in ('M', 'F')),
     add column status_reason text,
     add column suspended_at timestamptz`,

  // One row per user who changed a preference; missing rows and nulls mean the defaults.
  `create table user_preferences (
    user_id bigint primary key references users (id) on delete cascade,
    timezone text,
    language text,
    first_day_of_week text,
    number_format text,
    date_format text,
    time_format text,
    updated_at timestamptz not null default now()
  )`,

  // The number a code was last sent to, so a code only verifies that number, and the
  // wrong guesses made against it.
  `create table phone_verifications (
    user_id bigint primary key references users (id) on delete cascade,
    field text not null check (field in ('phone', 'mobile')),
    number text not null,
    sent_at timestamptz not null,
    failures integer not null default 0
  )`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
