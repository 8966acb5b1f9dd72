// Accountcentral's named shapes for notifications, news and application status. The seed
// collapsed the notification, destination and news objects: these fields are ours, chosen
// so a client can show and filter what it lists (see each operation's description).
import { Type, type TSchema } from '@fastify/type-provider-typebox';
import { Nullable } from './common.js';

const Priority = Type.Union([Type.Literal('LOW'), Type.Literal('NORMAL'), Type.Literal('HIGH')], {
  description: 'How urgent it is: `LOW`, `NORMAL` (the default) or `HIGH`.',
});
const ApplicationCode = Type.String({ minLength: 1, maxLength: 40, description: 'A platform application\'s code (`hub`, `send`, ...).' });

const destinationFields = {
  userPks: Type.Optional(Type.Array(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER }), {
    minItems: 1, maxItems: 1000, description: 'These users (`userPk`s). Not combined with `groupPk` or `application`.',
  })),
  groupPk: Type.Optional(Type.Integer({ minimum: 1, maximum: Number.MAX_SAFE_INTEGER, description: 'A customer\'s users: its members and the accounts it made.' })),
  application: Type.Optional({ ...ApplicationCode, description: 'The users of this platform application (with `groupPk`: those of that customer).' }),
};
const DESTINATION = 'Who receives it: `userPks`, or `groupPk`, or `application`, or `groupPk` with `application`.';

export const AcNotificationDestination = Type.Object(destinationFields, { $id: 'AcNotificationDestination', additionalProperties: false, description: DESTINATION });
/** The same, inline in a request body (bodies are validated without the shared schemas). */
export const NotificationDestination = Type.Object(destinationFields, { additionalProperties: false, description: DESTINATION });

/** What a sender writes. */
export const NotificationContent = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 200, format: 'single-line', description: 'A short headline.' }),
  message: Type.String({ minLength: 1, maxLength: 4000, description: 'The text.' }),
  priority: Type.Optional(Priority),
  application: Type.Optional(Nullable({ ...ApplicationCode, description: 'The platform application it is about (recipients may filter on it).' })),
  link: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 2000, description: 'Where to read more: an absolute http(s) URL.' }))),
}, { additionalProperties: false });

export const AcQueuedNotification = Type.Object({
  id: Type.Integer({ description: 'The notification\'s id (each recipient\'s copy has an id of its own).' }),
  title: Type.String(),
  message: Type.String(),
  priority: Priority,
  application: Nullable(Type.String()),
  link: Nullable(Type.String()),
  date: Type.String({ format: 'date-time', description: 'When it was enqueued.' }),
}, { $id: 'AcQueuedNotification', description: 'A notification as enqueued.' });

export const AcNotificationRequest = Type.Object({
  destination: Type.Unsafe({ $ref: 'AcNotificationDestination' }),
  notification: Type.Unsafe({ $ref: 'AcQueuedNotification' }),
}, { $id: 'AcNotificationRequest', description: 'What was enqueued: `{destination, notification}`.' });

export const AcNotification = Type.Object({
  id: Type.Integer({ description: 'This notification\'s id, as "Mark notifications as read" takes it.' }),
  title: Type.String(),
  message: Type.String(),
  priority: Priority,
  application: Nullable(Type.String({ description: 'The platform application it is about.' })),
  link: Nullable(Type.String({ description: 'Where to read more.' })),
  date: Type.String({ format: 'date-time', description: 'When it was sent.' }),
  read: Type.Boolean({ description: 'Whether it was marked read.' }),
  readDate: Nullable(Type.String({ format: 'date-time', description: 'When it was first marked read.' })),
}, { $id: 'AcNotification', description: 'One of the caller\'s notifications.' });

export const AcNewsCategory = Type.Object({
  id: Type.Integer(),
  name: Type.String({ description: 'In the language of the answer (English where it has no name in it).' }),
}, { $id: 'AcNewsCategory' });

export const AcNews = Type.Object({
  id: Type.Integer(),
  lang: Type.Union([Type.Literal('en'), Type.Literal('it')], { description: 'The language of this text: the one asked for, or `en` where the item has none in it.' }),
  title: Type.String(),
  summary: Nullable(Type.String()),
  content: Type.String({ description: 'The text, as written (plain text or HTML, as its source gave it).' }),
  link: Nullable(Type.String()),
  publishDate: Type.String({ format: 'date-time' }),
  categories: Type.Array(Type.Unsafe({ $ref: 'AcNewsCategory' })),
}, { $id: 'AcNews', description: 'A news item in one language.' });

const NewsTextBody = Type.Object({
  title: Type.String({ minLength: 1, maxLength: 500, format: 'single-line' }),
  summary: Type.Optional(Nullable(Type.String({ maxLength: 2000 }))),
  content: Type.String({ minLength: 1, maxLength: 100_000 }),
}, { additionalProperties: false });

/** The body of publishing news without a feed. */
export const NewsBody = Type.Object({
  texts: Type.Object({ en: NewsTextBody, it: Type.Optional(NewsTextBody) }, {
    additionalProperties: false, description: 'Its text per language: `en` always (every language falls back to it), `it` optionally.',
  }),
  publishDate: Type.Optional(Type.String({ format: 'date-time', description: 'When it is published (it is listed from then on); now when not given.' })),
  categories: Type.Optional(Type.Array(Type.Object({
    id: Type.Integer({ minimum: 0, maximum: 2_147_483_647, description: 'The category\'s id (the feed\'s, if it has one).' }),
    name: Type.Object({
      en: Type.String({ minLength: 1, maxLength: 200, format: 'single-line' }),
      it: Type.Optional(Type.String({ minLength: 1, maxLength: 200, format: 'single-line' })),
    }, { additionalProperties: false, description: 'Its name per language; a known category is renamed.' }),
  }, { additionalProperties: false }), { maxItems: 20 })),
  link: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 2000, pattern: '^https?://', description: 'Where to read more: an absolute http(s) URL.' }))),
}, { additionalProperties: false });

export const AcApplicationStatus = Type.Object({
  status: Type.Union([Type.Literal('UP'), Type.Literal('DOWN')]),
  application: Type.String({ description: 'The application\'s code.' }),
  lastChange: Nullable(Type.String({ format: 'date-time', description: 'When the status was last set; null when never (an application is UP until set otherwise).' })),
}, { $id: 'AcApplicationStatus', description: 'An application\'s status: `{status}` (UP or DOWN), with the application and when it changed.' });

export const NOTIFICATION_SCHEMAS: TSchema[] = [
  AcNotificationDestination, AcQueuedNotification, AcNotificationRequest, AcNotification, AcNewsCategory, AcNews, AcApplicationStatus,
];
