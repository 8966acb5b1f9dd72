// Notifications, news and application status as Accountcentral's JSON.
import type { NoticeDestination, NoticeView, NotificationView } from '../../../core/notices/notifications.js';
import type { NewsView } from '../../../core/notices/news.js';
import type { ApplicationStatusView } from '../../../core/notices/application-status.js';

export function notificationJson(n: NotificationView) {
  return {
    id: n.id, title: n.title, message: n.message, priority: n.priority, application: n.application, link: n.link,
    date: n.createdAt.toISOString(), read: n.readAt !== null, readDate: n.readAt?.toISOString() ?? null,
  };
}

export function notificationRequestJson(enqueued: { destination: NoticeDestination; notice: NoticeView }) {
  const n = enqueued.notice;
  return {
    destination: enqueued.destination,
    notification: {
      id: n.id, title: n.title, message: n.message, priority: n.priority, application: n.application, link: n.link,
      date: n.createdAt.toISOString(),
    },
  };
}

export function newsJson(n: NewsView) {
  return {
    id: n.id, lang: n.lang, title: n.title, summary: n.summary, content: n.content, link: n.link,
    publishDate: n.publishedAt.toISOString(), categories: n.categories,
  };
}

export function applicationStatusJson(s: ApplicationStatusView) {
  return { status: s.status, application: s.application, lastChange: s.changedAt?.toISOString() ?? null };
}
