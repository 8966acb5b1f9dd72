// Accountcentral's news: listing (newest published first, categories, the reader's language
// with its English fallback), publishing by the staff, and "Trigger update from explora"
// importing a JSON feed through a durable job and the outgoing-call guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startService, type TestService } from '../support/service.js';
import { quickUser } from '../support/fixtures.js';
import { acWorld, type AcWorld } from './world.js';

let s: TestService;
let w: AcWorld;
let feedServer: Server;
let feedUrl: string;
let feed: unknown = { version: 'https://jsonfeed.org/version/1.1', items: [] };
let feedStatus = 200;
let feedRequests = 0;

before(async () => {
  feedServer = createServer((_req, res) => {
    feedRequests += 1;
    res.writeHead(feedStatus, { 'content-type': 'application/feed+json' });
    res.end(typeof feed === 'string' ? feed : JSON.stringify(feed));
  });
  await new Promise<void>((resolve) => feedServer.listen(0, '127.0.0.1', resolve));
  feedUrl = `http://127.0.0.1:${(feedServer.address() as AddressInfo).port}/feed.json`;
  s = await startService();
  w = await acWorld(s);
});
after(async () => {
  await s.stop();
  await new Promise((resolve) => feedServer.close(resolve));
});

function assertError(res: { statusCode: number; json(): any }, status: number, code: string, field?: string) {
  assert.equal(res.statusCode, status, JSON.stringify(res.json()));
  assert.equal(res.json().data.code, code);
  assert.equal(res.json().data.status, status);
  if (field) assert.ok(res.json().errors.some((e: { field: string }) => e.field.includes(field)), JSON.stringify(res.json().errors));
}

const publish = (body: unknown, token: string | null = w.staff.token, service: TestService = s) =>
  service.request({ method: 'POST', url: '/accountcentral/news', token: token ?? undefined, body });
const news = (token: string, query = '', service: TestService = s) =>
  service.request({ method: 'GET', url: `/accountcentral/news${query ? `?${query}` : ''}`, token });

test('published news are listed newest first in a page, in the language asked, falling back to English', async () => {
  const first = await publish({
    texts: {
      en: { title: 'Release 1', summary: 'Short', content: 'The first release.' },
      it: { title: 'Rilascio 1', summary: 'Breve', content: 'Il primo rilascio.' },
    },
    publishDate: '2026-01-01T10:00:00.000Z',
    categories: [{ id: 7, name: { en: 'Releases', it: 'Rilasci' } }],
    link: 'https://news.example.com/1',
  });
  assert.equal(first.statusCode, 200, first.body);
  const item = first.json();
  assert.deepEqual(Object.keys(item).sort(), ['categories', 'content', 'id', 'lang', 'link', 'publishDate', 'summary', 'title']);
  assert.equal(item.lang, 'en');
  assert.equal(item.title, 'Release 1');
  assert.equal(item.summary, 'Short');
  assert.equal(item.content, 'The first release.');
  assert.equal(item.link, 'https://news.example.com/1');
  assert.equal(item.publishDate, '2026-01-01T10:00:00.000Z');
  assert.deepEqual(item.categories, [{ id: 7, name: 'Releases' }]);
  const second = await publish({ texts: { en: { title: 'Maintenance', content: 'Sunday night.' } }, publishDate: '2026-02-01T10:00:00.000Z', categories: [{ id: 8, name: { en: 'Operations' } }] });
  assert.equal(second.statusCode, 200, second.body);
  // Dated later than now: not listed yet.
  assert.equal((await publish({ texts: { en: { title: 'Future', content: 'Not yet.' } }, publishDate: '2999-01-01T00:00:00.000Z' })).statusCode, 200);

  const page = (await news(w.tu.token)).json();
  assert.deepEqual(Object.keys(page).sort(), ['elements', 'page']);
  assert.deepEqual(page.page, { size: 20, number: 0, totalElements: 2, totalPages: 1 });
  assert.deepEqual(page.elements.map((n: { title: string }) => n.title), ['Maintenance', 'Release 1']);
  assert.deepEqual(page.elements[1], item);

  const italian = (await news(w.tu.token, 'lang=it')).json().elements;
  assert.deepEqual(italian.map((n: { title: string; lang: string }) => [n.title, n.lang]), [['Maintenance', 'en'], ['Rilascio 1', 'it']]);
  assert.deepEqual(italian[1].categories, [{ id: 7, name: 'Rilasci' }]);
  assert.equal(italian[1].summary, 'Breve');
  assert.deepEqual(italian[0].categories, [{ id: 8, name: 'Operations' }], 'a category without an Italian name reads English');
  // An unknown language reads English.
  assert.equal((await news(w.tu.token, 'lang=fr')).json().elements[1].title, 'Release 1');
  assert.equal((await news(w.tu.token, 'lang=')).json().elements[1].title, 'Release 1');

  // Without lang: the reader's own language preference, when news have it.
  const reader = await quickUser(s, 'it');
  await s.core.db.insertInto('user_preferences').values({ user_id: reader.id, language: 'it', timezone: null, first_day_of_week: null, number_format: null, date_format: null, time_format: null }).execute();
  assert.equal((await news(reader.token)).json().elements[1].title, 'Rilascio 1');
  assert.equal((await news(reader.token, 'lang=en')).json().elements[1].title, 'Release 1');

  // Categories, pages.
  assert.deepEqual((await news(w.tu.token, 'category=7')).json().elements.map((n: { title: string }) => n.title), ['Release 1']);
  assert.deepEqual((await news(w.tu.token, 'category=7&category=8')).json().elements.length, 2);
  assert.deepEqual((await news(w.tu.token, 'category=99')).json().elements, []);
  const paged = (await news(w.tu.token, 'page=1&size=1')).json();
  assert.deepEqual(paged.page, { size: 1, number: 1, totalElements: 2, totalPages: 2 });
  assert.equal(paged.elements[0].title, 'Release 1');
});

test('news: bad queries are 400 naming the parameter; anonymous is 401', async () => {
  for (const bad of ['category=x', 'page=-1', 'size=0', 'size=500', 'other=1']) {
    assertError(await news(w.tu.token, bad), 400, 'field.invalid');
  }
  assertError(await s.request({ method: 'GET', url: '/accountcentral/news' }), 401, 'auth.required');
});

test('publishing is for the broker\'s staff; a bad body is 400 naming the field', async () => {
  const body = { texts: { en: { title: 'T', content: 'C' } } };
  assertError(await publish(body, w.cm.token), 403, 'access.denied');
  assertError(await publish(body, w.tu.token), 403, 'access.denied');
  assertError(await publish(body, null), 401, 'auth.required');
  assertError(await publish({ texts: { it: { title: 'T', content: 'C' } } }), 400, 'field.invalid', 'en');
  assertError(await publish({}), 400, 'field.invalid', 'texts');
  assertError(await publish({ texts: { en: { title: 5, content: 'C' } } }), 400, 'field.invalid', 'title');
  assertError(await publish({ texts: { en: { title: 'T', content: 'C' }, fr: { title: 'T', content: 'C' } } }), 400, 'field.invalid');
  assertError(await publish({ ...body, publishDate: 'yesterday' }), 400, 'field.invalid', 'publishDate');
  assertError(await publish({ ...body, link: 'ftp://x' }), 400, 'field.invalid', 'link');
  assertError(await publish({ ...body, categories: [{ id: 1, name: { en: 'A' } }, { id: 1, name: { en: 'B' } }] }), 400, 'field.invalid', 'categories');
  const malformed = await s.request({ method: 'POST', url: '/accountcentral/news', token: w.staff.token, body: '{', headers: { 'content-type': 'application/json' } });
  assert.equal(malformed.statusCode, 400);
});

test('"Trigger update from explora" without a configured feed is a clear 400, for the staff only', async () => {
  const trigger = (token?: string) => s.request({ method: 'POST', url: '/accountcentral/news/update', token });
  assertError(await trigger(w.staff.token), 400, 'news.feed_not_configured');
  assert.match((await trigger(w.staff.token)).json().message, /NEWS_FEED_URL/);
  assertError(await trigger(w.cm.token), 403, 'access.denied');
  assertError(await trigger(), 401, 'auth.required');
});

test('the feed is imported by a job, upserted by its ids, with translations and categories; bad items are skipped', async () => {
  const withFeed = await startService({ NEWS_FEED_URL: feedUrl, WEBHOOK_ALLOW_PRIVATE: 'on' });
  try {
    const staff = withFeed.admin;
    const reader = await quickUser(withFeed, 'feedreader');
    feed = {
      version: 'https://jsonfeed.org/version/1.1',
      items: [
        {
          id: 'a-1', title: 'Feed one', content_html: '<p>One</p>', summary: 'First', url: 'https://explora.example.com/a-1',
          date_published: '2026-03-01T09:00:00Z',
          _accountcentral: {
            categories: [{ id: 3, name: { en: 'Product', it: 'Prodotto' } }],
            translations: { it: { title: 'Uno dal feed', content_text: 'Uno' } },
          },
        },
        { id: 'a-2', title: 'Feed two', content_text: 'Two', date_published: '2026-03-02T09:00:00Z' },
        { id: 'a-2', language: 'it', title: 'Due', content_text: 'Due' },
        { id: 'bad-1', content_text: 'no title' },
        { id: 'bad-2', title: 'Only Italian', content_text: 'x', language: 'it' },
        { title: 'no id', content_text: 'x' },
      ],
    };
    const res = await withFeed.request({ method: 'POST', url: '/accountcentral/news/update', token: staff.token });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(Object.keys(res.json()).sort(), ['result', 'resultCode', 'timestamp']);
    await withFeed.core.jobs.idle();
    const listed = (await news(reader.token, '', withFeed)).json().elements;
    assert.deepEqual(listed.map((n: { title: string }) => n.title), ['Feed two', 'Feed one']);
    assert.equal(listed[1].content, '<p>One</p>');
    assert.equal(listed[1].summary, 'First');
    assert.equal(listed[1].link, 'https://explora.example.com/a-1');
    assert.equal(listed[1].publishDate, '2026-03-01T09:00:00.000Z');
    assert.deepEqual(listed[1].categories, [{ id: 3, name: 'Product' }]);
    const italian = (await news(reader.token, 'lang=it', withFeed)).json().elements;
    assert.deepEqual(italian.map((n: { title: string }) => n.title), ['Due', 'Uno dal feed']);
    assert.deepEqual(italian[1].categories, [{ id: 3, name: 'Prodotto' }]);

    // Again, with one item changed: replaced, not duplicated.
    const requests = feedRequests;
    (feed as { items: Array<Record<string, unknown>> }).items[1]!.title = 'Feed two, revised';
    assert.equal((await withFeed.request({ method: 'POST', url: '/accountcentral/news/update', token: staff.token })).statusCode, 200);
    await withFeed.core.jobs.idle();
    assert.equal(feedRequests, requests + 1);
    const again = (await news(reader.token, '', withFeed)).json();
    assert.equal(again.page.totalElements, 2);
    assert.equal(again.elements[0].title, 'Feed two, revised');
    const rows = await withFeed.core.db.selectFrom('news').select(['external_id', 'source']).orderBy('external_id').execute();
    assert.deepEqual(rows, [{ external_id: 'a-1', source: 'feed' }, { external_id: 'a-2', source: 'feed' }]);

    // A feed that cannot be read changes nothing (the job fails, to be retried).
    feedStatus = 500;
    assert.equal((await withFeed.request({ method: 'POST', url: '/accountcentral/news/update', token: staff.token })).statusCode, 200);
    await withFeed.core.jobs.idle();
    feedStatus = 200;
    feed = 'not json';
    assert.equal((await withFeed.request({ method: 'POST', url: '/accountcentral/news/update', token: staff.token })).statusCode, 200);
    await withFeed.core.jobs.idle();
    assert.equal((await news(reader.token, '', withFeed)).json().page.totalElements, 2);
  } finally {
    await withFeed.stop();
  }
});

test('a feed at a private address is refused by the outgoing-call guard, and never fetched', async () => {
  const guarded = await startService({ NEWS_FEED_URL: feedUrl });
  try {
    const requests = feedRequests;
    const res = await guarded.request({ method: 'POST', url: '/accountcentral/news/update', token: guarded.admin.token });
    assertError(res, 400, 'url.not_allowed', 'NEWS_FEED_URL');
    await guarded.core.jobs.idle();
    assert.equal(feedRequests, requests);
  } finally {
    await guarded.stop();
  }
});
