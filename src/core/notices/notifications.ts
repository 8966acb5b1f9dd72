// Accountcentral's notifications: a sender enqueues one (`{destination, notification}`), a
// durable job fans it out to its recipients (one delivery row each), and each recipient
// lists theirs, marks them read, or follows them as they arrive (server-sent events).
// Who may send to whom is the policy's: users the caller may notify (`user.notices.send`: a
// customer's managers to its users, the broker's to anyone), a customer's users
// (`organization.notices.send`), or every user of a platform application (`notices.broadcast`,
// the broker's staff).
import { sql } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { NoticeDestination } from '../../db/schema.js';
import { Invalid, NotFound, Unauthenticated } from '../errors.js';
import { authorizeOrganization, authorizeSite, authorizeUser } from '../access/policy.js';
import { findOrganization } from '../organizations/profiles.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { platformApplication } from '../team/platform-applications.js';
import { follow, HEARTBEAT } from './follow.js';

export const PRIORITIES = ['LOW', 'NORMAL', 'HIGH'] as const;
export type Priority = (typeof PRIORITIES)[number];

export interface NoticeInput {
  title: string;
  message: string;
  priority?: Priority;
  /** The platform application the notification is about (a filter of the recipients' lists). */
  application?: string | null;
  /** Where the recipient may read more: an absolute http(s) URL. */
  link?: string | null;
}

/** A notice as enqueued. */
export interface NoticeView {
  id: number;
  title: string;
  message: string;
  priority: Priority;
  application: string | null;
  link: string | null;
  createdAt: Date;
}

/** One recipient's notification. */
export interface NotificationView extends Omit<NoticeView, 'id'> {
  /** The delivery's id: what "Mark notifications as read" takes. */
  id: number;
  noticeId: number;
  readAt: Date | null;
}

export interface NotificationFilters {
  notRead?: boolean;
  priority?: Priority;
  application?: string;
}

export type { NoticeDestination };

export const NOTIFICATION_LIST: ListSpec = {
  orderable: { date: 'notices.created_at' },
  searchable: [],
  defaultOrder: ['-date'],
  tieBreaker: '-notice_deliveries.id',
};

/** Fields named in refusals (the request body's paths, as the surface's own validation names them). */
const FIELD = { title: 'notification.title', message: 'notification.message', link: 'notification.link' } as const;

function requireUser(caller: Caller): asserts caller is UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
}

function checkApplication(core: Core, field: string, code: string | null | undefined): void {
  if (code != null && !platformApplication(core, code)) throw new Invalid(field, `No platform application has the code "${code}".`);
}

function checkLink(link: string | null | undefined): void {
  if (link == null) return;
  let url: URL | null = null;
  try { url = new URL(link); } catch { /* refused below */ }
  if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:')) {
    throw new Invalid(FIELD.link, 'Must be an absolute http or https URL.');
  }
}

/** Checks the destination's form and that the caller may send to it; answers it normalized. */
async function authorizeDestination(core: Core, caller: UserCaller, destination: NoticeDestination): Promise<NoticeDestination> {
  const { userPks, groupPk, application } = destination;
  if (userPks === undefined && groupPk === undefined && application === undefined) {
    throw new Invalid('destination', 'Name the recipients: userPks, or groupPk and/or application.');
  }
  if (userPks !== undefined && (groupPk !== undefined || application !== undefined)) {
    throw new Invalid('destination', 'userPks cannot be combined with groupPk or application.');
  }
  checkApplication(core, 'destination.application', application);
  if (userPks !== undefined) {
    const ids = [...new Set(userPks)];
    if (ids.length === 0) throw new Invalid('destination.userPks', 'Name at least one user.');
    const users = await core.db.selectFrom('users').select(['id', 'slug'])
      .where('id', 'in', ids.filter(Number.isSafeInteger)).where('deleted_at', 'is', null).execute();
    const byId = new Map(users.map((u) => [u.id, u]));
    // One refusal for a user that does not exist and one the caller may not notify.
    for (const id of ids) {
      const user = byId.get(id);
      if (!user) throw new NotFound('user');
      await authorizeUser(core, caller, 'user.notices.send', user);
    }
    return { userPks: ids };
  }
  if (groupPk !== undefined) {
    const organization = await findOrganization(core.db, { id: groupPk });
    await authorizeOrganization(core, caller, 'organization.notices.send', organization);
    return application === undefined ? { groupPk } : { groupPk, application };
  }
  await authorizeSite(core, caller, 'notices.broadcast');
  return { application };
}

/**
 * Enqueues a notification: the notice and the job that fans it out are written in one unit
 * of work, so it is delivered if and only if it was accepted. Recipients of a customer or an
 * application are those at the time of the fan-out.
 */
export async function enqueueNotice(
  core: Core,
  caller: Caller,
  destination: NoticeDestination,
  input: NoticeInput,
): Promise<{ destination: NoticeDestination; notice: NoticeView }> {
  requireUser(caller);
  checkApplication(core, 'notification.application', input.application);
  checkLink(input.link);
  const title = input.title.trim();
  const message = input.message.trim();
  if (!title) throw new Invalid(FIELD.title, 'Must not be blank.');
  if (!message) throw new Invalid(FIELD.message, 'Must not be blank.');
  const target = await authorizeDestination(core, caller, destination);
  return core.transact(async (tx) => {
    const row = await tx.insertInto('notices').values({
      sender_id: caller.userId,
      destination: JSON.stringify(target),
      title,
      message,
      priority: input.priority ?? 'NORMAL',
      application: input.application ?? null,
      link: input.link ?? null,
      created_at: core.now(),
    }).returning(['id', 'title', 'message', 'priority', 'application', 'link', 'created_at']).executeTakeFirstOrThrow();
    await core.jobs.enqueue('notice-fanout', { noticeId: row.id });
    return {
      destination: target,
      notice: { id: row.id, title: row.title, message: row.message, priority: row.priority, application: row.application, link: row.link, createdAt: row.created_at },
    };
  });
}

/**
 * The job: writes one delivery per recipient, once (a retried or repeated job finds the
 * notice fanned out and does nothing). The deliveries' commit wakes the recipients' streams.
 */
export async function fanOutNotice(core: Core, noticeId: number): Promise<void> {
  await core.transact(async (tx) => {
    const notice = await tx.selectFrom('notices').select(['id', 'destination'])
      .where('id', '=', noticeId).where('fanned_out_at', 'is', null).forUpdate().executeTakeFirst();
    if (!notice) return;
    const { userPks, groupPk, application } = notice.destination;
    const now = core.now();
    let recipients = tx.selectFrom('users as u')
      .select([sql<number>`${notice.id}::bigint`.as('notice_id'), 'u.id as user_id', sql<Date>`${now}::timestamptz`.as('created_at')])
      .where('u.deleted_at', 'is', null);
    if (userPks) {
      recipients = recipients.where('u.id', 'in', userPks.length ? userPks : [0]);
    } else {
      if (groupPk !== undefined) {
        // The customer's users: its accepted members and the accounts it made.
        recipients = recipients.where((eb) => eb.or([
          eb('u.home_organization_id', '=', groupPk),
          eb.exists(eb.selectFrom('roles as r').select('r.id')
            .whereRef('r.user_id', '=', 'u.id').where('r.organization_id', '=', groupPk)
            .where('r.grant_key_hash', 'is', null).where('r.request_key', 'is', null)),
        ]));
      }
      if (application !== undefined) {
        recipients = recipients.where((eb) => eb.exists(eb.selectFrom('user_application_accesses as a').select('a.id')
          .whereRef('a.user_id', '=', 'u.id').where('a.application', '=', application)
          .$if(groupPk !== undefined, (q) => q.where('a.organization_id', '=', groupPk!))));
      }
    }
    const inserted = await tx.insertInto('notice_deliveries')
      .columns(['notice_id', 'user_id', 'created_at'])
      .expression(recipients)
      .onConflict((oc) => oc.columns(['notice_id', 'user_id']).doNothing())
      .returning('id')
      .execute();
    await tx.updateTable('notices').set({ fanned_out_at: now, recipients: inserted.length }).where('id', '=', notice.id).execute();
  });
}

function deliveries(core: Core, userId: number) {
  return core.db.selectFrom('notice_deliveries')
    .innerJoin('notices', 'notices.id', 'notice_deliveries.notice_id')
    .select([
      'notice_deliveries.id', 'notice_deliveries.notice_id', 'notice_deliveries.read_at',
      'notices.title', 'notices.message', 'notices.priority', 'notices.application', 'notices.link', 'notices.created_at',
    ])
    .where('notice_deliveries.user_id', '=', userId);
}

type DeliveryRow = Awaited<ReturnType<ReturnType<typeof deliveries>['execute']>>[number];

function view(row: DeliveryRow): NotificationView {
  return {
    id: row.id, noticeId: row.notice_id, title: row.title, message: row.message, priority: row.priority,
    application: row.application, link: row.link, createdAt: row.created_at, readAt: row.read_at,
  };
}

/** The caller's notifications, newest first. */
export async function listNotifications(core: Core, caller: Caller, filters: NotificationFilters, list: ListQuery): Promise<Page<NotificationView>> {
  requireUser(caller);
  const query = deliveries(core, caller.userId)
    .$if(filters.notRead === true, (q) => q.where('notice_deliveries.read_at', 'is', null))
    .$if(filters.priority !== undefined, (q) => q.where('notices.priority', '=', filters.priority!))
    .$if(filters.application !== undefined, (q) => q.where('notices.application', '=', filters.application!));
  const page = await paginate(query, list, NOTIFICATION_LIST);
  return { count: page.count, results: page.results.map(view) };
}

/**
 * Marks the caller's notifications with these ids read; ids of nobody's or someone else's
 * are ignored alike (so nothing tells them apart), and one already read keeps its first
 * reading time. Answers how many were marked now.
 */
export async function markNotificationsRead(core: Core, caller: Caller, ids: readonly number[]): Promise<number> {
  requireUser(caller);
  const wanted = [...new Set(ids)].filter(Number.isSafeInteger);
  if (wanted.length === 0) return 0;
  return core.transact(async (tx) => {
    const rows = await tx.updateTable('notice_deliveries').set({ read_at: core.now() })
      .where('user_id', '=', caller.userId).where('id', 'in', wanted).where('read_at', 'is', null)
      .returning('id').execute();
    return rows.length;
  });
}

/**
 * The caller's notifications as they are delivered, from any node: those after `after` (a
 * delivery id: the `Last-Event-ID` of a reconnecting EventSource), or only new ones. The
 * stream ends when the caller's session ends or their account is suspended.
 */
export async function followNotifications(
  core: Core,
  caller: Caller,
  options: { after?: number | null; signal: AbortSignal },
): Promise<AsyncGenerator<NotificationView | typeof HEARTBEAT>> {
  requireUser(caller);
  const userId = caller.userId;
  let last = options.after ?? Number((await core.db.selectFrom('notice_deliveries')
    .select(sql<number | null>`max(id)`.as('last')).where('user_id', '=', userId).executeTakeFirst())?.last ?? 0);
  const key = String(userId);
  return follow(core, caller, {
    signal: options.signal,
    concerns: (change) => change.table === 'notice_deliveries' && (change.keys === '*' || change.keys.includes(key)),
    async read() {
      const found: NotificationView[] = [];
      for (;;) {
        const rows = await deliveries(core, userId).where('notice_deliveries.id', '>', last)
          .orderBy('notice_deliveries.id', 'asc').limit(200).execute();
        for (const row of rows) found.push(view(row));
        if (rows.length) last = rows[rows.length - 1]!.id;
        if (rows.length < 200) return found;
      }
    },
  });
}
