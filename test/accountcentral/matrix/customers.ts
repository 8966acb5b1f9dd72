// The access matrix's rows for the customers operations (customers, their configuration,
// application roles and capabilities, provisioning jobs).
import { createProvisioningJob } from '../../../src/core/organizations/customer-provisioning.js';
import { unique } from '../../support/service.js';
import { giveCapability, makeWorkspace } from '../customers-fixtures.js';
import type { AcWorld } from '../world.js';
import { ANY_USER, PUBLIC, type Expect, type MatrixRow } from './rows.js';

/** Read by the customer's members and those above it. */
const MEMBERS: Expect = { anonymous: 401, team: 200, manager: 200, other: 404, staff: 200 };
/** Its managers and those above it; a member sees it but may not. */
const MANAGERS: Expect = { anonymous: 401, team: 403, manager: 200, other: 404, staff: 200 };
/** Whoever sits above it (the customer's own managers may not). */
const ABOVE: Expect = { anonymous: 401, team: 403, manager: 403, other: 404, staff: 200 };
/** Whoever administers the team account tu (not tu itself). */
const TEAM_ADMIN: Expect = { anonymous: 401, team: 404, manager: 200, other: 404, staff: 200 };

const C = (w: AcWorld) => ({ groupPk: w.C.id });
const TU = (w: AcWorld) => ({ userPk: w.tu.id });

const workspaces = new WeakMap<AcWorld, Promise<number>>();
function workspaceOf(w: AcWorld): Promise<number> {
  if (!workspaces.has(w)) workspaces.set(w, makeWorkspace(w.s, w.C.id, ['READY']).then((ws) => ws.id));
  return workspaces.get(w)!;
}

export const ROWS: MatrixRow[] = [
  { op: 'GET /accountcentral/customers', expect: ANY_USER },
  { op: 'GET /accountcentral/customers/{groupPk}/parents', expect: MEMBERS, params: C },
  { op: 'GET /accountcentral/customers/{groupPk}', expect: MEMBERS, params: C },
  { op: 'PUT /accountcentral/customers/{groupPk}', expect: MANAGERS, params: C, body: () => ({ phone: '+1 555 0100' }) },
  {
    op: 'PATCH /accountcentral/customers/{groupPk}',
    expect: ABOVE,
    // Suspends C, then (when it worked) puts it back, so the other rows find it active.
    call: async (w, caller) => {
      const res = await w.call(caller, 'PATCH', `/accountcentral/customers/${w.C.id}`, { status: 'SUSPENDED' });
      if (res.statusCode === 200) await w.call('staff', 'PATCH', `/accountcentral/customers/${w.C.id}`, { status: 'ACTIVE' });
      return res.statusCode;
    },
  },
  {
    op: 'POST /accountcentral/customers/{groupPk}/users',
    expect: MANAGERS,
    params: C,
    body: () => {
      const name = unique('made').toLowerCase();
      return { username: name, name: 'Made', surname: 'User', email: `${name}@example.com`, language: 'en', sex: 'F', send: 'default' };
    },
  },
  { op: 'GET /accountcentral/customers/{groupPk}/applications/users', expect: MANAGERS, params: C },
  { op: 'GET /accountcentral/customers/{groupPk}/applications/{application}/users', expect: MANAGERS, params: (w) => ({ ...C(w), application: 'hub' }) },
  { op: 'GET /accountcentral/customers/{groupPk}/configuration', expect: MANAGERS, params: C },
  { op: 'PUT /accountcentral/customers/{groupPk}/configuration', expect: MANAGERS, params: C, body: () => ({ smartRelayEnable: true }) },
  { op: 'GET /accountcentral/customers/{groupPk}/configuration/sftp', expect: MANAGERS, params: C },
  {
    op: 'PUT /accountcentral/customers/{groupPk}/configuration/sftp', expect: MANAGERS, params: C,
    body: () => [{ host: 'sftp.example.com', username: 'drop', password: 'Secret-1' }],
  },
  { op: 'GET /accountcentral/customers/{groupPk}/applications/configurations', expect: MANAGERS, params: C },
  { op: 'GET /accountcentral/customers/{groupPk}/applications/{application}/configuration', expect: MANAGERS, params: (w) => ({ ...C(w), application: 'send' }) },
  {
    op: 'PUT /accountcentral/customers/{groupPk}/applications/{application}/configuration', expect: MANAGERS,
    params: (w) => ({ ...C(w), application: 'send' }), body: () => ({ configuration: { sender: 'news@example.com' } }),
  },
  {
    op: 'GET /accountcentral/customers/{groupPk}/applications/hub/workspaces/{workspaceId}/counters', expect: MEMBERS,
    params: async (w) => ({ ...C(w), workspaceId: await workspaceOf(w) }),
  },
  { op: 'GET /accountcentral/provisioning/jobs', expect: ABOVE, query: (w) => `groupPk=${w.C.id}` },
  {
    op: 'POST /accountcentral/provisioning/jobs',
    expect: { ...ABOVE, staff: 201 },
    body: (w) => ({ groupPk: w.C.id, operation: 'PREPARE_DEACTIVATION' }),
  },
  {
    op: 'GET /accountcentral/provisioning/jobs/{jobId}',
    expect: ABOVE,
    params: async (w) => ({
      jobId: (await createProvisioningJob(w.s.core, { kind: 'user', userId: w.staff.id, username: w.staff.username, via: 'jwt' },
        { groupId: w.C.id, operation: 'PREPARE_DEACTIVATION' })).id,
    }),
  },
  { op: 'GET /accountcentral/user/role', expect: ANY_USER, query: (w) => `groupPk=${w.C.id}` },
  { op: 'GET /accountcentral/users/{userPk}/roles', expect: { ...MEMBERS, team: 200 }, params: TU },
  { op: 'PUT /accountcentral/users/{userPk}/roles', expect: TEAM_ADMIN, params: TU, body: () => ({ hub: 'EDITOR', send: 'onlyStat' }) },
  {
    op: 'POST /accountcentral/users/{userPk}/capabilities', expect: TEAM_ADMIN, params: TU,
    body: (w) => ({ application: 'accountcentral', version: 1, resource: ['customers', String(w.C.id)], role: 'CUSTOMER_CARE' }),
  },
  {
    op: 'DELETE /accountcentral/users/{userPk}/capabilities/{id}', expect: TEAM_ADMIN,
    params: async (w) => ({ userPk: w.tu.id, id: await giveCapability(w.s, w.tu.id, w.C.id, 'USER', unique('app')) }),
  },
  { op: 'GET /accountcentral/users/{userPk}/capabilities/log', expect: TEAM_ADMIN, params: TU },
  { op: 'GET /accountcentral/options/app-roles', expect: ANY_USER },
  { op: 'GET /accountcentral/internal/capabilities', expect: PUBLIC },
];
