// Accountcentral's application status: each platform application (the catalog of
// team/platform-applications.ts) is UP or DOWN. Any signed-in user reads it and may follow
// its changes (server-sent events, from any node); the broker's staff set it. An application
// whose status was never set is UP.
import type { Caller, Core, UserCaller } from '../context.js';
import { NotFound, Unauthenticated } from '../errors.js';
import { authorizeSite } from '../access/policy.js';
import { platformApplication } from '../team/platform-applications.js';
import { follow, HEARTBEAT } from './follow.js';

export const APPLICATION_STATUSES = ['UP', 'DOWN'] as const;
export type ApplicationStatus = (typeof APPLICATION_STATUSES)[number];

export interface ApplicationStatusView {
  application: string;
  status: ApplicationStatus;
  /** When it was last set; null when never (UP by default). */
  changedAt: Date | null;
}

function requireUser(caller: Caller): asserts caller is UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
}

function requireApplication(core: Core, code: string): void {
  if (!platformApplication(core, code)) {
    throw new NotFound('platform_application', `No platform application has the code "${code}".`, 'platform_application.not_found');
  }
}

async function readStatus(core: Core, code: string): Promise<ApplicationStatusView> {
  const row = await core.db.selectFrom('application_statuses').select(['status', 'changed_at'])
    .where('application', '=', code).executeTakeFirst();
  return { application: code, status: row?.status ?? 'UP', changedAt: row?.changed_at ?? null };
}

export async function applicationStatus(core: Core, caller: Caller, code: string): Promise<ApplicationStatusView> {
  requireUser(caller);
  requireApplication(core, code);
  return readStatus(core, code);
}

/** Sets the status (the broker's staff); setting the status it already has changes nothing. */
export async function setApplicationStatus(core: Core, caller: Caller, code: string, status: ApplicationStatus): Promise<ApplicationStatusView> {
  requireUser(caller);
  requireApplication(core, code);
  await authorizeSite(core, caller, 'applications.status');
  return core.transact(async (tx) => {
    const now = core.now();
    const row = await tx.insertInto('application_statuses')
      .values({ application: code, status, changed_at: now, changed_by: caller.userId })
      .onConflict((oc) => oc.column('application').doUpdateSet({ status, changed_at: now, changed_by: caller.userId })
        .where('application_statuses.status', '<>', status))
      .returning(['status', 'changed_at']).executeTakeFirst();
    // No row back: it already had this status, and keeps the time it got it.
    return row ? { application: code, status: row.status, changedAt: row.changed_at } : readStatus(core, code);
  });
}

/**
 * The application's status now, then each time it changes, from any node, until the
 * caller's session ends or `signal` aborts.
 */
export async function followApplicationStatus(
  core: Core,
  caller: Caller,
  code: string,
  signal: AbortSignal,
): Promise<AsyncGenerator<ApplicationStatusView | typeof HEARTBEAT>> {
  requireUser(caller);
  requireApplication(core, code);
  let sent: ApplicationStatus | null = null;
  return follow(core, caller, {
    signal,
    concerns: (change) => change.table === 'application_statuses' && (change.keys === '*' || change.keys.includes(code)),
    async read() {
      const now = await readStatus(core, code);
      if (now.status === sent) return [];
      sent = now.status;
      return [now];
    },
  });
}
