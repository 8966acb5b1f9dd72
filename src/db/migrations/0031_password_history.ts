// The passwords a user had before the current one (argon2id hashes, as users.password_hash),
// so a change can refuse one of the last few (Accountcentral's "a new valid one"). Only the
// newest few are kept; an account's deletion deletes them.
import { sql, type Kysely } from 'kysely';

const up = [
  `create table password_history (
    id bigserial primary key,
    user_id bigint not null references users(id),
    password_hash text not null,
    replaced_at timestamptz not null
  )`,
  `create index password_history_user on password_history (user_id, replaced_at desc, id desc)`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
