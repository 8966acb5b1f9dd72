// Reading a user's security events: newest first, filtered by type and date range.
// Readable by the user and by managers of the organizations they belong to.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core } from '../context.js';
import type { Ref } from '../refs.js';
import { paginate, type ListQuery, type ListSpec, type Page } from '../pagination.js';
import { targetUser } from './administration.js';

export const SECURITY_EVENTS_LIST: ListSpec = {
  orderable: { created_at: 'created_at' },
  searchable: [],
  dateColumn: 'created_at',
  defaultOrder: ['-created_at'],
  tieBreaker: '-id',
};

export interface SecurityEvent {
  type: string;
  createdAt: Date;
  ip: string | null;
  userAgent: string | null;
  detail: Record<string, unknown> | null;
}

export async function listSecurityEvents(
  core: Core,
  caller: Caller,
  ref: Ref,
  list: ListQuery,
  types: string[],
  /** Leaves out the events recorded for these applications (`detail.application`: an OAuth2 client's id). */
  excludeApplications: string[] = [],
): Promise<Page<SecurityEvent>> {
  const { user } = await targetUser(core, caller, 'user.security_events', ref);
  let query = core.db.selectFrom('security_events')
    .select(['id', 'type', 'created_at', 'ip', 'user_agent', 'detail'])
    .where('user_id', '=', user.id);
  if (types.length) query = query.where('type', 'in', types);
  if (excludeApplications.length) {
    query = query.where(sql<SqlBool>`coalesce(detail->>'application', '') not in (${sql.join(excludeApplications)})`);
  }
  const page = await paginate(query, list, SECURITY_EVENTS_LIST);
  return {
    count: page.count,
    results: page.results.map((row) => ({
      type: row.type,
      createdAt: row.created_at,
      ip: row.ip,
      userAgent: row.user_agent,
      // jsonb comes back parsed from both drivers; a string would be an older text value.
      detail: (typeof row.detail === 'string' ? JSON.parse(row.detail) : row.detail) as Record<string, unknown> | null,
    })),
  };
}
