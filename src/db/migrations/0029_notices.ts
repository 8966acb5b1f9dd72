// Accountcentral's notifications, news and application status.
// - notices: what a sender enqueued (`{destination, notification}`), fanned out to its
//   recipients by the `notice-fanout` job; notice_deliveries: one row per recipient, read or not.
// - application_statuses: UP/DOWN per platform application (no row: UP).
// - news and news_categories: news items with their texts per language, from the news feed
//   (NEWS_FEED_URL, by the feed's ids) or published by the broker's staff.
// notice_deliveries and application_statuses NOTIFY their changed rows like the cached
// tables (src/db/change-feed.ts), so event streams on every node learn of them.
import { sql, type Kysely } from 'kysely';
import { watchTableStatements } from '../change-feed.js';

const up: string[] = [
  `create table notices (
    id bigserial primary key,
    sender_id bigint references users(id) on delete set null,
    destination jsonb not null,
    title text not null,
    message text not null,
    priority text not null check (priority in ('LOW', 'NORMAL', 'HIGH')),
    application text,
    link text,
    created_at timestamptz not null,
    fanned_out_at timestamptz,
    recipients integer
  )`,
  `create table notice_deliveries (
    id bigserial primary key,
    notice_id bigint not null references notices(id) on delete cascade,
    user_id bigint not null references users(id) on delete cascade,
    created_at timestamptz not null,
    read_at timestamptz,
    unique (notice_id, user_id)
  )`,
  'create index notice_deliveries_by_user on notice_deliveries (user_id, id)',
  `create table application_statuses (
    application text primary key,
    status text not null check (status in ('UP', 'DOWN')),
    changed_at timestamptz not null,
    changed_by bigint references users(id) on delete set null
  )`,
  `create table news_categories (
    id integer primary key,
    names jsonb not null,
    updated_at timestamptz not null
  )`,
  `create table news (
    id bigserial primary key,
    source text not null check (source in ('feed', 'staff')),
    external_id text unique,
    published_at timestamptz not null,
    texts jsonb not null,
    category_ids integer[] not null default '{}',
    link text,
    created_by bigint references users(id) on delete set null,
    created_at timestamptz not null,
    updated_at timestamptz not null
  )`,
  'create index news_by_published on news (published_at desc, id desc)',
  ...watchTableStatements('notice_deliveries'),
  ...watchTableStatements('application_statuses'),
];

export async function migrate(db: Kysely<unknown>): Promise<void> {
  for (const statement of up) await sql.raw(statement).execute(db);
}
