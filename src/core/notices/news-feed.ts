// The news feed: a JSON Feed 1.1 document (https://jsonfeed.org/version/1.1) at NEWS_FEED_URL.
// Each item gives `id` (the key imports upsert by), `title`, `content_text` or `content_html`,
// `summary`, `url`, `date_published` and `language` (`en` or `it`; the feed's own `language`,
// else `en`). What JSON Feed has no field for goes in its extension object `_accountcentral`:
//   "categories": [{"id": 3, "name": {"en": "Releases", "it": "Rilasci"}}]   (or a plain "name")
//   "translations": {"it": {"title": ..., "summary": ..., "content_text": ...}}
// Items with the same id in two languages are merged. An item without an English text, or
// otherwise malformed, is skipped (and counted); the rest are imported.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { NewsText } from '../../db/schema.js';
import type { ResolvedUrl } from '../notify/outbound.js';
import { pinnedLookup } from '../notify/webhook-http.js';

export interface FeedCategory {
  id: number;
  /** Its name per language, English at least. */
  names: Record<string, string>;
}

export interface FeedItem {
  id: string;
  texts: Record<string, NewsText>;
  categories: FeedCategory[];
  link: string | null;
  publishedAt: Date | null;
}

/** A feed larger than this is refused whole: news, not archives. */
export const FEED_MAX_BYTES = 4 * 1024 * 1024;
const LANGUAGES = new Set(['en', 'it']);

/** GETs the feed from an address the SSRF check passed; throws on anything but a 2xx JSON-ish answer. */
export function fetchFeed(target: ResolvedUrl, timeoutMs: number): Promise<string> {
  const send = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      reject(new Error(message));
    };
    const request = send(target.url, {
      method: 'GET',
      agent: false,
      lookup: pinnedLookup(target.addresses) as never,
      headers: { accept: 'application/feed+json, application/json', 'user-agent': 'AccountPortal-News/1.0' },
    }, (response) => {
      const status = response.statusCode ?? 0;
      // No redirect is followed: it could lead past the check.
      if (status < 200 || status >= 300) {
        response.resume();
        fail(`The news feed answered ${status}.`);
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > FEED_MAX_BYTES) fail(`The news feed is larger than ${FEED_MAX_BYTES} bytes.`);
        else chunks.push(chunk);
      });
      response.on('end', () => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolve(Buffer.concat(chunks).toString('utf8'));
      });
      response.on('error', (error) => fail(`The news feed could not be read: ${error.message}.`));
    });
    const timer = setTimeout(() => fail(`The news feed did not answer within ${timeoutMs} ms.`), timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => fail(`The news feed could not be reached: ${error.code ?? error.message}.`));
    request.end();
  });
}

function record(value: unknown): Record<string, unknown> | null {
  return value && typeof value === 'object' && !Array.isArray(value) ? value as Record<string, unknown> : null;
}

function text(value: unknown, max: number): string | null {
  return typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : null;
}

function newsText(source: Record<string, unknown>): NewsText | null {
  const title = text(source.title, 500);
  const content = text(source.content_text, 100_000) ?? text(source.content_html, 100_000);
  if (!title || !content) return null;
  return { title, summary: text(source.summary, 2000), content };
}

function category(value: unknown): FeedCategory | null {
  const c = record(value);
  if (!c || !Number.isInteger(c.id) || (c.id as number) < 0 || (c.id as number) > 2_147_483_647) return null;
  const plain = text(c.name, 200);
  let names: Record<string, string> = {};
  if (plain) names = { en: plain };
  else {
    const given = record(c.name);
    for (const [lang, name] of Object.entries(given ?? {})) {
      const checked = text(name, 200);
      if (LANGUAGES.has(lang) && checked) names[lang] = checked;
    }
  }
  if (!names.en) return null;
  return { id: c.id as number, names };
}

/** Reads a feed's text; throws when it is not a JSON Feed at all, skips the items it cannot use. */
export function parseFeed(body: string): { items: FeedItem[]; skipped: number } {
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch {
    throw new Error('The news feed is not JSON.');
  }
  const feed = record(doc);
  if (!feed || !Array.isArray(feed.items)) throw new Error('The news feed has no "items" list (a JSON Feed 1.1 document is expected).');
  const feedLanguage = typeof feed.language === 'string' && LANGUAGES.has(feed.language) ? feed.language : 'en';
  const byId = new Map<string, FeedItem>();
  let skipped = 0;
  for (const entry of feed.items) {
    const item = record(entry);
    const id = item && (typeof item.id === 'string' || typeof item.id === 'number') ? String(item.id).trim() : '';
    const language = item && typeof item.language === 'string' ? item.language : feedLanguage;
    const main = item ? newsText(item) : null;
    const published = item && typeof item.date_published === 'string' ? new Date(item.date_published) : null;
    if (!item || !id || id.length > 200 || !LANGUAGES.has(language) || !main || (published && Number.isNaN(published.getTime()))) {
      skipped += 1;
      continue;
    }
    const extension = record(item._accountcentral) ?? {};
    const texts: Record<string, NewsText> = { [language]: main };
    for (const [lang, source] of Object.entries(record(extension.translations) ?? {})) {
      const translated = record(source) ? newsText(record(source)!) : null;
      if (LANGUAGES.has(lang) && translated && !texts[lang]) texts[lang] = translated;
    }
    const categories = Array.isArray(extension.categories) ? extension.categories.map(category) : [];
    const link = text(item.url, 2000);
    const known = byId.get(id);
    const merged: FeedItem = {
      id,
      texts: { ...(known?.texts ?? {}), ...texts },
      categories: [...new Map([...(known?.categories ?? []), ...categories.filter((c): c is FeedCategory => c !== null)].map((c) => [c.id, c])).values()],
      link: known?.link ?? (link && /^https?:\/\//i.test(link) ? link : null),
      publishedAt: known?.publishedAt ?? published,
    };
    byId.set(id, merged);
  }
  const items: FeedItem[] = [];
  for (const item of byId.values()) {
    if (item.texts.en) items.push(item);
    else skipped += 1;
  }
  return { items, skipped };
}
