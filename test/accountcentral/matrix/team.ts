// The access matrix's rows for the team operations. A user operation's target is another
// team user of C (never the caller itself: a team user administering someone else must be
// refused); operations that change their target get a fresh one per caller.
import type { DevelopmentSmsSender } from '../../../src/core/notify/sms.js';
import { teamUser, type AcCaller, type AcWorld } from '../world.js';
import type { Expect, MatrixRow } from './rows.js';

/** Administration of a team account: its home customer's managers and the broker's staff. */
const ADMINISTER: Expect = { anonymous: 401, team: 404, manager: 200, other: 404, staff: 200 };
/** Reading a team account: the same callers (the team user reads only itself). */
const READ: Expect = ADMINISTER;
/** A customer's user list: its members too. */
const MEMBERS_READ: Expect = { anonymous: 401, team: 200, manager: 200, other: 404, staff: 200 };
/** A customer's administrative lists: its managers (a member sees the customer: 403). */
const MEMBERS_MANAGE: Expect = { anonymous: 401, team: 403, manager: 200, other: 404, staff: 200 };

const shared = new WeakMap<AcWorld, Promise<number>>();
/** A second team user of C, the same for every caller of the read rows. */
function colleague(w: AcWorld): Promise<number> {
  let made = shared.get(w);
  if (!made) {
    made = teamUser(w.s, w.C, 'colleague').then((u) => u.id);
    shared.set(w, made);
  }
  return made;
}

/** A new team user of C, with a mobile number. */
async function fresh(w: AcWorld): Promise<{ id: number; phone: string }> {
  const u = await teamUser(w.s, w.C, 'target');
  const phone = `+1555${String(u.id).padStart(7, '0')}`;
  await w.s.core.db.updateTable('users').set({ phone }).where('id', '=', u.id).execute();
  return { id: u.id, phone };
}

const codes = new Map<string, number>();

const read = (op: string): MatrixRow => ({ op, expect: READ, params: async (w) => ({ userPk: await colleague(w) }) });
const change = (op: string, body?: unknown): MatrixRow => ({
  op, expect: ADMINISTER, params: async (w) => ({ userPk: (await fresh(w)).id }), ...(body !== undefined ? { body: () => body } : {}),
});
const customerList = (op: string, expect: Expect): MatrixRow => ({ op, expect, params: (w) => ({ groupPk: w.C.id }) });

export const ROWS: MatrixRow[] = [
  change('POST /accountcentral/users/{userPk}/pin/reset'),
  change('POST /accountcentral/users/{userPk}/password/reset'),
  read('GET /accountcentral/users/{userPk}/security-events'),
  customerList('GET /accountcentral/customers/{groupPk}/users/failed-logins', MEMBERS_MANAGE),
  change('POST /accountcentral/users/{userPk}/verification-code'),
  {
    op: 'POST /accountcentral/users/{userPk}/verification-code/verify',
    expect: ADMINISTER,
    // A code is sent to a fresh user (by the service, as staff would), and the right one is typed.
    params: async (w: AcWorld, caller: AcCaller) => {
      const target = await fresh(w);
      const sent = await w.call('staff', 'POST', `/accountcentral/users/${target.id}/verification-code`);
      if (sent.statusCode !== 200) throw new Error(`no code sent: ${sent.body}`);
      const sms = (w.s.core.sms as DevelopmentSmsSender).sent.filter((m) => m.to === target.phone).at(-1)!;
      codes.set(`${caller}`, Number(/\d{6}/.exec(sms.text)![0]));
      return { userPk: target.id };
    },
    body: (_w: AcWorld, caller: AcCaller) => ({ code: codes.get(caller) }),
  },
  read('GET /accountcentral/users/{userPk}/two-factor'),
  change('PUT /accountcentral/users/{userPk}/two-factor', { active: false }),
  read('GET /accountcentral/users/{userPk}'),
  change('PUT /accountcentral/users/{userPk}', { name: 'Renamed', dateOfBirth: '1990-05-17' }),
  change('PUT /accountcentral/users/{userPk}/suspension', { suspended: true }),
  read('GET /accountcentral/users/{userPk}/lockout'),
  change('DELETE /accountcentral/users/{userPk}/lockout'),
  read('GET /accountcentral/users/{userPk}/customers'),
  { op: 'POST /accountcentral/users/{userPk}/customers', expect: ADMINISTER, params: async (w) => ({ userPk: (await fresh(w)).id }), body: (w) => [w.C.id] },
  change('DELETE /accountcentral/users/{userPk}/customers'),
  read('GET /accountcentral/users/{userPk}/preferences'),
  change('PUT /accountcentral/users/{userPk}/preferences', { timezone: 'Europe/Rome', hourFormat: { value: 'h:mm A' } }),
  customerList('GET /accountcentral/customers/{groupPk}/users', MEMBERS_READ),
  customerList('GET /accountcentral/customers/{groupPk}/application-users', MEMBERS_MANAGE),
  customerList('GET /accountcentral/customers/{groupPk}/users/issues', MEMBERS_MANAGE),
];
