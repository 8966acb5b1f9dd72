// Accountcentral's news: items with a text per language (`en` always, `it` where given) and
// categories (integer ids, named per language), listed newest published first in the
// reader's language, falling back to English. They come from the news feed the operator
// configures (NEWS_FEED_URL, imported by a durable job: "Trigger update from explora") or
// are published by the broker's staff.
import { sql } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { NewsText } from '../../db/schema.js';
import { BadRequest, Invalid, Unauthenticated } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { resolvePublicUrl } from '../notify/outbound.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { fetchFeed, parseFeed, type FeedCategory, type FeedItem } from './news-feed.js';

/** The languages news are written in; anything else reads English. */
export const NEWS_LANGUAGES = ['en', 'it'] as const;
export type NewsLanguage = (typeof NEWS_LANGUAGES)[number];

export type { NewsText, FeedCategory };

export interface NewsView {
  id: number;
  /** The language of the text answered: the one asked for, or English where it has none. */
  lang: NewsLanguage;
  title: string;
  summary: string | null;
  content: string;
  link: string | null;
  publishedAt: Date;
  categories: { id: number; name: string }[];
}

export interface NewsInput {
  texts: Partial<Record<NewsLanguage, NewsText>>;
  publishedAt?: Date;
  categories?: FeedCategory[];
  link?: string | null;
}

export const NEWS_LIST: ListSpec = {
  orderable: { publishDate: 'news.published_at' },
  searchable: [],
  defaultOrder: ['-publishDate'],
  tieBreaker: '-news.id',
};

function requireUser(caller: Caller): asserts caller is UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
}

function isLanguage(value: string | null | undefined): value is NewsLanguage {
  return value === 'en' || value === 'it';
}

/** `lang` when given (an unknown one reads English), else the reader's own language when news have it, else English. */
async function readerLanguage(core: Core, userId: number, lang: string | undefined): Promise<NewsLanguage> {
  if (lang !== undefined) return isLanguage(lang) ? lang : 'en';
  const row = await core.db.selectFrom('user_preferences').select('language').where('user_id', '=', userId).executeTakeFirst();
  return isLanguage(row?.language) ? row.language : 'en';
}

function nameIn(names: Record<string, string>, lang: NewsLanguage): string {
  return names[lang] ?? names.en ?? Object.values(names)[0] ?? '';
}

/** Published news (not those dated later), newest first, optionally in some categories. */
export async function listNews(
  core: Core,
  caller: Caller,
  filters: { categories?: readonly number[]; lang?: string },
  list: ListQuery,
): Promise<Page<NewsView> & { lang: NewsLanguage }> {
  requireUser(caller);
  const lang = await readerLanguage(core, caller.userId, filters.lang);
  const categories = [...new Set(filters.categories ?? [])].filter((id) => Number.isInteger(id) && id >= 0 && id <= 2_147_483_647);
  if (filters.categories?.length && categories.length === 0) return { count: 0, results: [], lang };
  const query = core.db.selectFrom('news')
    .select(['id', 'texts', 'category_ids', 'link', 'published_at'])
    .where('published_at', '<=', core.now())
    .$if(categories.length > 0, (q) => q.where(sql<boolean>`category_ids && array[${sql.join(categories)}]::integer[]`));
  const page = await paginate(query, list, NEWS_LIST);
  const ids = [...new Set(page.results.flatMap((row) => row.category_ids))];
  const names = new Map((ids.length ? await core.db.selectFrom('news_categories').select(['id', 'names']).where('id', 'in', ids).execute() : [])
    .map((c) => [c.id, c.names]));
  return {
    lang,
    count: page.count,
    results: page.results.map((row) => {
      const textLang = row.texts[lang] ? lang : 'en';
      const text = row.texts[textLang] ?? Object.values(row.texts)[0]!;
      return {
        id: row.id, lang: textLang, title: text.title, summary: text.summary, content: text.content, link: row.link,
        publishedAt: row.published_at,
        categories: row.category_ids.map((id) => ({ id, name: nameIn(names.get(id) ?? {}, lang) })),
      };
    }),
  };
}

function integerArray(ids: readonly number[]) {
  return ids.length ? sql<number[]>`array[${sql.join(ids)}]::integer[]` : sql<number[]>`'{}'::integer[]`;
}

/** Names each category (new ones made, known ones renamed), in the caller's unit of work. */
async function upsertCategories(core: Core, categories: readonly FeedCategory[]): Promise<void> {
  const now = core.now();
  for (const category of categories) {
    await core.db.insertInto('news_categories').values({ id: category.id, names: JSON.stringify(category.names), updated_at: now })
      .onConflict((oc) => oc.column('id').doUpdateSet({ names: JSON.stringify(category.names), updated_at: now }))
      .execute();
  }
}

/** Publishes a news item without a feed (the broker's staff). */
export async function publishNews(core: Core, caller: Caller, input: NewsInput): Promise<NewsView> {
  requireUser(caller);
  await authorizeSite(core, caller, 'news.manage');
  const english = 'texts.en';
  if (!input.texts.en) throw new Invalid(english, 'Every news item has an English text (the fallback of every language).');
  for (const [lang, text] of Object.entries(input.texts)) {
    if (!text.title.trim()) throw new Invalid(`texts.${lang}.title`, 'Must not be blank.');
    if (!text.content.trim()) throw new Invalid(`texts.${lang}.content`, 'Must not be blank.');
  }
  const categories = input.categories ?? [];
  if (new Set(categories.map((c) => c.id)).size !== categories.length) throw new Invalid('categories', 'A category is listed twice.');
  const id = await core.transact(async (tx) => {
    await upsertCategories(core, categories);
    const now = core.now();
    const row = await tx.insertInto('news').values({
      source: 'staff', external_id: null, published_at: input.publishedAt ?? now, texts: JSON.stringify(input.texts),
      category_ids: integerArray(categories.map((c) => c.id)), link: input.link ?? null, created_by: caller.userId,
      created_at: now, updated_at: now,
    }).returning('id').executeTakeFirstOrThrow();
    return row.id;
  });
  const row = await core.db.selectFrom('news').select(['id', 'texts', 'category_ids', 'link', 'published_at']).where('id', '=', id).executeTakeFirstOrThrow();
  return {
    id: row.id, lang: 'en', title: row.texts.en!.title, summary: row.texts.en!.summary, content: row.texts.en!.content,
    link: row.link, publishedAt: row.published_at,
    categories: categories.map((c) => ({ id: c.id, name: nameIn(c.names, 'en') })),
  };
}

/**
 * "Trigger update from explora": queues the import of the configured news feed (the broker's
 * staff). The feed's address is checked now, so a refused one is answered at once.
 */
export async function triggerNewsImport(core: Core, caller: Caller): Promise<{ url: string }> {
  requireUser(caller);
  await authorizeSite(core, caller, 'news.manage');
  const url = core.config.newsFeedUrl;
  if (!url) {
    throw new BadRequest('No news feed is configured: the operator sets NEWS_FEED_URL to the JSON feed to import news from.', 'news.feed_not_configured');
  }
  await resolvePublicUrl(core, 'NEWS_FEED_URL', url);
  await core.transact(async () => { await core.jobs.enqueue('news-import', {}); });
  return { url };
}

/** What one import did. */
export interface ImportOutcome {
  created: number;
  updated: number;
  skipped: number;
}

/** Writes the feed's items, by their ids: new ones made, known ones replaced. */
export async function importNewsItems(core: Core, items: readonly FeedItem[]): Promise<Omit<ImportOutcome, 'skipped'>> {
  return core.transact(async (tx) => {
    await upsertCategories(core, [...new Map(items.flatMap((item) => item.categories).map((c) => [c.id, c])).values()]);
    let created = 0;
    let updated = 0;
    const now = core.now();
    for (const item of items) {
      const values = {
        published_at: item.publishedAt ?? now, texts: JSON.stringify(item.texts),
        category_ids: integerArray(item.categories.map((c) => c.id)), link: item.link, updated_at: now,
      };
      const row = await tx.insertInto('news')
        .values({ ...values, source: 'feed', external_id: item.id, created_by: null, created_at: now })
        .onConflict((oc) => oc.column('external_id').doUpdateSet(values))
        .returning(sql<boolean>`(xmax = 0)`.as('inserted')).executeTakeFirstOrThrow();
      if (row.inserted) created += 1;
      else updated += 1;
    }
    return { created, updated };
  });
}

/**
 * The job: fetches the feed through the outgoing-call guard (the connection pinned to the
 * addresses it passed) and imports it. An unreachable or unreadable feed throws, so the job
 * is retried; items the feed gets wrong are skipped and counted.
 */
export async function importNewsFeed(core: Core): Promise<ImportOutcome> {
  const url = core.config.newsFeedUrl;
  if (!url) return { created: 0, updated: 0, skipped: 0 };
  const target = await resolvePublicUrl(core, 'NEWS_FEED_URL', url);
  const body = await fetchFeed(target, core.config.webhookTimeoutMs);
  const { items, skipped } = parseFeed(body);
  return { ...(await importNewsItems(core, items)), skipped };
}
