// Accountcentral: notifications (list, enqueue, mark read, follow as server-sent events) and
// news (list, import from the news feed, publish). The seed collapsed the notification, its
// destination and the news item; the fields are ours, described in each schema.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  enqueueNotice, followNotifications, listNotifications, markNotificationsRead, PRIORITIES,
} from '../../../core/notices/notifications.js';
import { listNews, publishNews, triggerNewsImport } from '../../../core/notices/news.js';
import { AC, AcResult, PageQuery, Paged, TAGS, errors, ref } from '../schemas/common.js';
import {
  AcNews, AcNotification, AcNotificationRequest, NewsBody, NotificationContent, NotificationDestination,
} from '../schemas/notifications.js';
import { listWindow, pagedJson, resultJson } from '../shapes/common.js';
import { newsJson, notificationJson, notificationRequestJson } from '../shapes/notifications.js';
import { endStreamsOnClose, sendEventStream, streamController } from '../../event-stream.js';

const notificationTags = [TAGS.notifications];
const newsTags = [TAGS.news];

const STREAM_AUTH = 'An `EventSource` cannot send headers: in a browser it authenticates with the session cookie '
  + '(`sessionid`, sent by `new EventSource(url, {withCredentials: true})` across origins); other clients may send '
  + '`Authorization: Bearer <token>` as on every operation. A comment line (`: heartbeat`) comes when nothing else has for '
  + 'a while (EVENT_STREAM_HEARTBEAT_MS, 15 s by default). The stream ends when the caller\'s session ends (logout, password '
  + 'change, its maximum age) or the account is suspended, disabled or deleted; reconnecting then answers 401.';

const EventStream = (description: string) => ({
  description,
  content: { 'text/event-stream': { schema: { type: 'string', description: 'Server-sent events: `id:` and `data:` (one JSON object) lines, and comment lines.' } } },
});

export const notificationRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  endStreamsOnClose(app);

  app.get(`${AC}/notifications`, {
    schema: {
      operationId: 'acGetNotifications',
      summary: 'Get notifications',
      description: 'The notifications sent to the caller, newest first, as a list (the seed answers an array, not a page). '
        + '`page` (from 0) and `size` (1 to 100, 20 by default) window it; `notRead=true` keeps those not marked read; '
        + '`priority` and `application` keep those with that priority or about that application.',
      tags: notificationTags,
      querystring: Type.Object({
        ...PageQuery,
        notRead: Type.Optional(Type.Boolean({ description: 'If true, only the notifications not read yet.' })),
        priority: Type.Optional(Type.Union(PRIORITIES.map((p) => Type.Literal(p)), { description: 'Only those of this priority: LOW, NORMAL or HIGH.' })),
        application: Type.Optional(Type.String({ minLength: 1, maxLength: 40, description: 'Only those about this platform application (its code).' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Array(ref(AcNotification), { description: 'The caller\'s notifications, newest first.' }), ...errors(400, 401) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const { notRead, priority, application } = request.query;
    const page = await listNotifications(core, request.caller, { notRead, priority, application }, { ...window.core, order: [] });
    return page.results.map(notificationJson);
  });

  app.post(`${AC}/notifications`, {
    schema: {
      operationId: 'acEnqueueNotification',
      summary: 'Enqueue a new notification',
      description: 'Enqueues a notification, delivered to its recipients shortly after by a background job (it survives a '
        + 'restart). `destination` names them: `userPks` (users the caller may notify: a customer\'s managers notify its users, '
        + 'the broker\'s staff anyone; any other user is answered 404), `groupPk` (the customer\'s members and the accounts it made, '
        + 'for its managers and the broker\'s staff), `application` alone (every user of that platform application: the broker\'s '
        + 'staff only), or `groupPk` with `application` (that customer\'s users of the application). A customer\'s or an '
        + 'application\'s users are those at delivery. Answers what was enqueued, as the seed does, with the notification\'s id.',
      tags: notificationTags,
      body: Type.Object({ destination: NotificationDestination, notification: NotificationContent }, { additionalProperties: false }),
      response: { 200: ref(AcNotificationRequest, 'Enqueued: the destination and the notification.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => notificationRequestJson(await enqueueNotice(core, request.caller, request.body.destination, request.body.notification)));

  app.put(`${AC}/notifications/read`, {
    schema: {
      operationId: 'acMarkNotificationsRead',
      summary: 'Mark notifications as read',
      description: 'Marks the caller\'s notifications with these ids (as "Get notifications" gives them) read. Ids that are not '
        + 'the caller\'s, or no notification\'s, are ignored alike (nothing tells them apart); one already read keeps the time '
        + 'it was first read. `result` says how many were marked now.',
      tags: notificationTags,
      body: Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A notification\'s id.' }), {
        minItems: 1, maxItems: 1000, description: 'The ids to mark read.',
      }),
      response: { 200: ref(AcResult, 'Marked.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const marked = await markNotificationsRead(core, request.caller, request.body);
    return resultJson(core, `${marked} notification${marked === 1 ? '' : 's'} marked as read.`);
  });

  app.get(`${AC}/notifications/subscribe`, {
    schema: {
      operationId: 'acSubscribeNotifications',
      summary: 'Subcribe to get push notifications',
      description: 'Server-sent events: each notification sent to the caller, as it is delivered (on whichever node the stream is '
        + 'open), one event each: `id:` its id, `data:` the notification as "Get notifications" lists it. A reconnecting '
        + 'EventSource sends `Last-Event-ID` and gets those delivered since; a new stream starts with the next one. '
        + STREAM_AUTH,
      tags: notificationTags,
      headers: Type.Object({
        'last-event-id': Type.Optional(Type.String({ pattern: '^[0-9]{1,15}$', description: 'The last event\'s id the client got: those after it are sent first.' })),
      }),
      response: { 200: EventStream('The stream of the caller\'s notifications.'), ...errors(400, 401) },
    },
  }, async (request, reply) => {
    const controller = streamController(app);
    const after = request.headers['last-event-id'];
    try {
      const events = await followNotifications(core, request.caller, { after: after ? Number(after) : null, signal: controller.signal });
      return sendEventStream(reply, controller, events, (n) => ({ id: String(n.id), data: notificationJson(n) }));
    } catch (error) {
      controller.abort();
      throw error;
    }
  });

  app.get(`${AC}/news`, {
    schema: {
      operationId: 'acGetNews',
      summary: 'Get news',
      description: 'The news, newest published first (items dated later are listed from their date). `category` keeps those in '
        + 'any of these categories (`category=1&category=2`). Texts and category names are in `lang` when given (`it` or `en`; '
        + 'any other value reads `en`), else in the caller\'s language preference when it is `it` or `en`, else in English; an '
        + 'item without a text in that language answers its English one (its `lang` says which).',
      tags: newsTags,
      querystring: Type.Object({
        ...PageQuery,
        category: Type.Optional(Type.Array(Type.Integer({ minimum: 0, maximum: 2_147_483_647 }), { maxItems: 50, description: 'Only news in one of these categories (ids).' })),
        lang: Type.Optional(Type.String({ maxLength: 20, description: 'The language to read: `it` or `en`; any other value reads `en`.', examples: ['it', 'en'] })),
      }, { additionalProperties: false }),
      response: { 200: Paged(ref(AcNews), 'A page of news.'), ...errors(400, 401) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listNews(core, request.caller, { categories: request.query.category, lang: request.query.lang }, { ...window.core, order: [] });
    return pagedJson(page, window, newsJson);
  });

  app.post(`${AC}/news`, {
    schema: {
      operationId: 'acPublishNews',
      summary: 'Publish news',
      description: 'Not in the seed: publishes a news item without a feed (the broker\'s staff). `texts.en` is required (every '
        + 'language falls back to it); categories are named as they are given (a known id is renamed). Answers the item in English.',
      tags: newsTags,
      body: NewsBody,
      response: { 200: ref(AcNews, 'Published.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const { texts, publishDate, categories, link } = request.body;
    return newsJson(await publishNews(core, request.caller, {
      texts: {
        en: { title: texts.en.title, summary: texts.en.summary ?? null, content: texts.en.content },
        ...(texts.it ? { it: { title: texts.it.title, summary: texts.it.summary ?? null, content: texts.it.content } } : {}),
      },
      publishedAt: publishDate ? new Date(publishDate) : undefined,
      categories: categories?.map((c) => ({ id: c.id, names: { ...c.name } })),
      link: link ?? null,
    }));
  });

  app.post(`${AC}/news/update`, {
    schema: {
      operationId: 'acTriggerNewsUpdate',
      summary: 'Trigger update from explora',
      description: 'Imports the news from the configured news feed (the seed\'s "explora"; here the JSON Feed 1.1 document at '
        + 'NEWS_FEED_URL), the broker\'s staff only. The import is a background job (retried if the feed cannot be read); this '
        + 'answers once it is queued. Items are matched by the feed\'s ids: new ones are added, known ones replaced; items no '
        + 'longer in the feed stay. Without NEWS_FEED_URL it answers 400 `news.feed_not_configured`; a feed address the '
        + 'outgoing-call guard refuses (a private address) answers 400 `url.not_allowed`.',
      tags: newsTags,
      response: { 200: ref(AcResult, 'The import is queued.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    await triggerNewsImport(core, request.caller);
    return resultJson(core, 'News update from the feed queued.');
  });
};
