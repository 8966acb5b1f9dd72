// The people and accounts every EmbedThis test works with, made straight in the database
// (the routes that make them are tested on their own):
//   A      an account (organization); am is its admin (manager), au a user (contributor)
//   B      another account; bm is its admin, unrelated to A
//   staff  the broker's manager (EmbedThis's `support`)
import type { TestService, TestUser } from '../support/service.js';
import { apiKeyHeaders, grantRole, makeOrganization, quickUser, type TestOrg } from '../support/fixtures.js';

/** The matrix's callers: the account's admin, a user of it, a user of another account, the broker's staff, nobody. */
export type EtCaller = 'anonymous' | 'user' | 'admin' | 'other' | 'staff';
export const ET_CALLERS: EtCaller[] = ['anonymous', 'user', 'admin', 'other', 'staff'];

export interface EtWorld {
  s: TestService;
  A: TestOrg;
  B: TestOrg;
  am: TestUser;
  au: TestUser;
  bm: TestUser;
  staff: TestUser;
  userOf(caller: EtCaller): TestUser | null;
  /** `POST /embedthis/account/{op}` as `caller` (a bearer token; nothing for anonymous). */
  call(caller: EtCaller, op: string, body?: unknown, query?: string): ReturnType<TestService['request']>;
  /** A fresh account that `am` manages and `au` uses (for operations that consume their target). */
  account(): Promise<TestOrg>;
}

/** An EmbedThis client's headers: the API key bare in Authorization. */
export async function bareKey(s: TestService, userId: number): Promise<Record<string, string>> {
  const basic = (await apiKeyHeaders(s, userId)).authorization!;
  const key = Buffer.from(basic.slice('Basic '.length), 'base64').toString('utf8').replace(/:$/, '');
  return { authorization: key };
}

export async function etWorld(s: TestService): Promise<EtWorld> {
  const am = await quickUser(s, 'am');
  const au = await quickUser(s, 'au');
  const bm = await quickUser(s, 'bm');
  const account = async () => {
    const org = await makeOrganization(s);
    await grantRole(s, org, am.id, 'manager');
    await grantRole(s, org, au.id, 'contributor');
    return org;
  };
  const A = await account();
  const B = await makeOrganization(s);
  await grantRole(s, B, bm.id, 'manager');
  const staff = s.admin;
  const users: Record<Exclude<EtCaller, 'anonymous'>, TestUser> = { admin: am, user: au, other: bm, staff };
  const userOf = (caller: EtCaller) => (caller === 'anonymous' ? null : users[caller]);
  return {
    s, A, B, am, au, bm, staff, userOf, account,
    call: (caller, op, body, query) => s.request({
      method: 'POST', url: `/embedthis/account/${op}${query ? `?${query}` : ''}`, body: body ?? {}, token: userOf(caller)?.token,
    }),
  };
}
