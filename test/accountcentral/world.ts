// The people and customers every Accountcentral test works with, made straight in the
// database (the routes that make them are tested on their own):
//   P      a partner; pm manages it (and so every customer below it)
//   C      a customer of P; cm manages it; tu is a team user: an account C made
//          (`home_organization_id`), holding an accepted contributor role on C
//   X      another customer, unrelated to C; xm manages it
//   staff  the broker's manager (the service's admin)
import type { TestService, TestUser } from '../support/service.js';
import { grantRole, makeOrganization, placeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

/** The matrix's callers: the five kinds. */
export type AcCaller = 'anonymous' | 'team' | 'manager' | 'other' | 'staff';
export const AC_CALLERS: AcCaller[] = ['anonymous', 'team', 'manager', 'other', 'staff'];

export interface AcWorld {
  s: TestService;
  P: TestOrg;
  C: TestOrg;
  X: TestOrg;
  pm: TestUser;
  cm: TestUser;
  tu: TestUser;
  xm: TestUser;
  staff: TestUser;
  /** The user each caller is; null for anonymous. */
  userOf(caller: AcCaller): TestUser | null;
  /** A request as `caller` (a bearer token; none for anonymous). */
  call(caller: AcCaller, method: string, url: string, body?: unknown): ReturnType<TestService['request']>;
}

/** Makes an account that `org` owns (a team user), with an accepted role on it. */
export async function teamUser(s: TestService, org: TestOrg, prefix = 'team', role = 'contributor'): Promise<TestUser> {
  const user = await quickUser(s, prefix);
  await s.core.db.updateTable('users').set({ home_organization_id: org.id }).where('id', '=', user.id).execute();
  await grantRole(s, org, user.id, role);
  return user;
}

export async function acWorld(s: TestService): Promise<AcWorld> {
  const P = await makeOrganization(s);
  const C = await makeOrganization(s);
  const X = await makeOrganization(s);
  await placeOrganization(s, C, { partner: P });
  const pm = await quickUser(s, 'pm');
  const cm = await quickUser(s, 'cm');
  const xm = await quickUser(s, 'xm');
  await grantRole(s, P, pm.id, 'manager');
  await grantRole(s, C, cm.id, 'manager');
  await grantRole(s, X, xm.id, 'manager');
  const tu = await teamUser(s, C);
  const staff = s.admin;
  const users: Record<Exclude<AcCaller, 'anonymous'>, TestUser> = { team: tu, manager: cm, other: xm, staff };
  const userOf = (caller: AcCaller) => (caller === 'anonymous' ? null : users[caller]);
  return {
    s, P, C, X, pm, cm, tu, xm, staff, userOf,
    call: (caller, method, url, body) => s.request({
      method: method.toUpperCase() as 'GET', url, body, token: userOf(caller)?.token,
    }),
  };
}
