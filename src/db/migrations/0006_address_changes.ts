// Address changes that wait for proof, and one-time links bound to what they were issued for.
// - users.pending_email / pending_phone / pending_mobile: a new address or number takes
//   effect only once a link or code sent to it comes back; until then the old one stays
//   the one mails, resets and login codes go to.
// - one_time_tokens.stamp: a digest of the user's password hash and e-mail address when the
//   token was issued. Consuming a token compares it with the digest of the row as it is
//   now, in the same statement, so a password or address change ends every link issued
//   before it without any code path having to revoke them.
// - one_time_tokens.target: what the token is about (the username asked for at
//   registration, the address an e-mail change or its undo is for).
import { sql, type Kysely } from 'kysely';

const up = [
  `alter table users
     add column pending_email text,
     add column pending_phone text,
     add column pending_mobile text`,
  `alter table one_time_tokens
     add column stamp text,
     add column target text`,
  // Links already out keep working until something changes, as if issued under this rule.
  `update one_time_tokens t
      set stamp = md5(coalesce(u.password_hash, '') || '|' || lower(coalesce(u.email, '')))
     from users u
    where u.id = t.user_id and t.used_at is null`,
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
