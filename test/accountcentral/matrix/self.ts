// The access matrix's rows for the self operations (service, user, options): each caller
// acts on their own account, so every signed-in caller gets the same answer.
import { ANY_USER, PUBLIC, except, type MatrixRow } from './rows.js';


export const ROWS: MatrixRow[] = [
  // service
  { op: 'GET /accountcentral/service/user/basic', expect: ANY_USER },
  { op: 'GET /accountcentral/service/customers', expect: ANY_USER },
  // Associated with C: its team user and its manager; not the other customer's manager, nor the
  // broker's (who holds no role on C and manages nothing above it).
  {
    op: 'GET /accountcentral/service/customers/{groupPk}',
    expect: { anonymous: 401, team: 200, manager: 200, other: 404, staff: 404 },
    params: (w) => ({ groupPk: w.C.id }),
  },
  { op: 'GET /accountcentral/service/user', expect: ANY_USER, query: () => 'expand=platform' },
  // user
  { op: 'GET /accountcentral/user/personal-info', expect: ANY_USER },
  { op: 'PUT /accountcentral/user/personal-info', expect: ANY_USER, body: () => ({ sex: 'F' }) },
  { op: 'GET /accountcentral/user/preferences', expect: ANY_USER },
  { op: 'PUT /accountcentral/user/preferences', expect: ANY_USER, body: () => ({ weekBegin: 'monday' }) },
  { op: 'GET /accountcentral/user/preferences/options', expect: PUBLIC },
  { op: 'GET /accountcentral/user/security-events', expect: ANY_USER, query: () => 'size=5' },
  { op: 'GET /accountcentral/user/applications/accesses', expect: ANY_USER },
  { op: 'GET /accountcentral/user/password', expect: ANY_USER },
  // The right old password and a new one too weak: past the authorization (400), nobody's password changes.
  {
    op: 'PUT /accountcentral/user/password',
    expect: except(ANY_USER, { team: 400, manager: 400, other: 400, staff: 400 }),
    body: (w, caller) => ({ oldPassword: w.userOf(caller)?.password ?? 'whatever-it-is', newPassword: '12345678901' }),
  },
  { op: 'GET /accountcentral/user/pin', expect: ANY_USER },
  // Each caller is given a mobile number first, so the code goes out.
  {
    op: 'POST /accountcentral/user/verification-code',
    expect: ANY_USER,
    body: async (w, caller) => {
      const user = w.userOf(caller);
      if (user) {
        await w.s.core.db.updateTable('users').set({ phone: `+3933300${String(user.id).padStart(5, '0')}` })
          .where('id', '=', user.id).where('phone', 'is', null).execute();
      }
      return undefined;
    },
  },
  // A wrong code: past the authorization, refused (400).
  { op: 'POST /accountcentral/user/verification-code/verify', expect: except(ANY_USER, { team: 400, manager: 400, other: 400, staff: 400 }), body: () => ({ code: 1 }) },
  { op: 'GET /accountcentral/user/two-factor', expect: ANY_USER },
  // Off while off: nothing changes.
  { op: 'PUT /accountcentral/user/two-factor', expect: ANY_USER, body: () => ({ active: false }) },
  // options
  { op: 'GET /accountcentral/options/countries', expect: PUBLIC },
  { op: 'GET /accountcentral/options/applications', expect: PUBLIC },
  { op: 'GET /accountcentral/options/sites', expect: PUBLIC },
  { op: 'GET /accountcentral/options/sites/network', expect: PUBLIC },
  { op: 'GET /accountcentral/options/sites/social', expect: PUBLIC },
];
