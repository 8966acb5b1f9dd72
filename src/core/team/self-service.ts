// What Accountcentral's "service" operations tell other APIs about the caller: who they are
// (name, language, the customer that made the account, their roles per customer), the
// customers they belong to, whether they belong to one, and the platform they reach:
// Accountcentral's groups, workspaces and nodes are our organizations (customers and the
// partner tree below them), their stacks, and the applications deployed on those stacks.
// Also the applications the caller used, first and last time.
import { sql, type SqlBool } from 'kysely';
import type { Caller, Core, UserCaller } from '../context.js';
import type { OrganizationStatus, UserStatus } from '../../db/schema.js';
import { Invalid, NotFound, Unauthenticated, codeInvalid } from '../errors.js';
import { ACCEPTED, isAmong, visibleOrganizationIds } from '../organizations/visibility.js';
import { memberReadableOrganizationIds } from '../access/relations.js';
import { targetUser } from '../identity/administration.js';
import { personalInfoOf } from '../identity/personal-info.js';
import { getPreferences } from '../identity/preferences.js';
import { applicationAccessesOf } from '../identity/application-accesses.js';
import { changePassword, type PasswordChanged } from '../identity/credentials.js';
import { confirmPhoneCode, sendPhoneCode, type CodeSent } from '../identity/phone-verification.js';
import { normalizeCode } from '../identity/otp.js';
import { getSmsSecondFactor, setSmsSecondFactor, type SmsSecondFactor } from '../identity/sms-second-factor.js';
import { getPasswordAge, type PasswordAge } from '../identity/password-history.js';
import { platformApplications } from './platform-applications.js';

function userOf(caller: Caller): UserCaller {
  if (caller.kind !== 'user') throw new Unauthenticated();
  return caller;
}

export interface CustomerMembership {
  id: number;
  name: string;
  status: OrganizationStatus;
  /** The partner above it, if any. */
  partnerId: number | null;
  /** The caller's accepted roles on it (role descriptions' slugs: manager, contributor, ...). */
  roles: string[];
}

/**
 * The customers the caller belongs to: organizations (not personal billing profiles) where
 * they hold an accepted role, closed ones left out, by name.
 */
export async function listOwnCustomers(core: Core, caller: Caller): Promise<CustomerMembership[]> {
  const user = userOf(caller);
  const rows = await sql<{ id: number; name: string; slug: string; status: OrganizationStatus; partner_id: number | null; roles: string[] }>`
    select o.id, o.full_name as name, o.slug, o.status, o.partner_id,
           array_agg(distinct d.slug order by d.slug) as roles
      from roles r
      join organizations o on o.id = r.organization_id
      join role_descriptions d on d.id = r.role_description_id
     where r.user_id = ${user.userId} and ${ACCEPTED} and o.status <> 'closed' and o.type = 'organization'
     group by o.id
     order by lower(coalesce(nullif(o.full_name, ''), o.slug)), o.id
  `.execute(core.db);
  return rows.rows.map((row) => ({
    id: Number(row.id),
    name: row.name || row.slug,
    status: row.status,
    partnerId: row.partner_id === null ? null : Number(row.partner_id),
    roles: row.roles,
  }));
}

export interface PlatformGroup {
  id: number;
  name: string;
  status: OrganizationStatus;
  partnerId: number | null;
  /** The caller's own roles on it; empty for a customer reached as the manager of one above. */
  roles: string[];
}

export interface PlatformWorkspace {
  id: number;
  uuid: string;
  name: string;
  subdomain: string;
  groupId: number;
  status: string;
}

export interface PlatformNode {
  id: number;
  uuid: string;
  workspaceId: number;
  /** The package it is an instance of (`inbox`, `hubspot`). */
  application: string;
  domain: string | null;
  status: string;
}

export interface Platform {
  groups: PlatformGroup[];
  workspaces: PlatformWorkspace[];
  nodes: PlatformNode[];
}

export interface UserBasic {
  id: number;
  firstName: string;
  lastName: string;
  username: string;
  email: string | null;
  picture: string | null;
  language: string;
  timezone: string;
  /** The customer that made the account (Accountcentral's creationGroupPk), if one did. */
  homeOrganization: { id: number; name: string } | null;
  status: UserStatus;
  /** The caller's accepted roles per customer, by the customer's id. */
  roles: Record<string, string[]>;
  /** With `expand: platform` only. */
  platform?: Platform;
}

/**
 * The platform the caller reaches. Groups: the organizations they see (an accepted role on
 * it, or one below an organization they manage; closed ones left out). Workspaces and nodes:
 * the live stacks and applications of those whose deployments they may read (the same
 * organizations, while active or reached through an active partner).
 */
async function platformOf(core: Core, userId: number, own: CustomerMembership[]): Promise<Platform> {
  const rolesOn = new Map(own.map((c) => [c.id, c.roles]));
  const groups = await core.db.selectFrom('organizations')
    .select(['id', 'slug', 'full_name', 'status', 'partner_id'])
    .where(isAmong('organizations.id', visibleOrganizationIds(userId)))
    .where('status', '<>', 'closed').where('type', '=', 'organization')
    .orderBy('id').execute();
  const readable = sql<SqlBool>`stacks.organization_id in ${memberReadableOrganizationIds(userId)}`;
  const workspaces = await core.db.selectFrom('stacks')
    .select(['id', 'uuid', 'name', 'subdomain', 'organization_id', 'status'])
    .where(readable).where('deleted_at', 'is', null).orderBy('id').execute();
  const nodes = await core.db.selectFrom('applications')
    .innerJoin('stacks', 'stacks.id', 'applications.stack_id')
    .innerJoin('packages', 'packages.id', 'applications.package_id')
    .select(['applications.id', 'applications.uuid', 'applications.stack_id', 'packages.type', 'applications.domain', 'applications.status'])
    .where(readable).where('stacks.deleted_at', 'is', null).where('applications.deleted_at', 'is', null)
    .orderBy('applications.id').execute();
  return {
    groups: groups.map((g) => ({
      id: Number(g.id), name: g.full_name || g.slug, status: g.status,
      partnerId: g.partner_id === null ? null : Number(g.partner_id), roles: rolesOn.get(Number(g.id)) ?? [],
    })),
    workspaces: workspaces.map((w) => ({
      id: Number(w.id), uuid: w.uuid, name: w.name, subdomain: w.subdomain, groupId: Number(w.organization_id), status: w.status,
    })),
    nodes: nodes.map((n) => ({
      id: Number(n.id), uuid: n.uuid, workspaceId: Number(n.stack_id), application: n.type, domain: n.domain, status: n.status,
    })),
  };
}

/** The caller's basic information; with `expand.platform`, the platform they reach too. */
export async function getUserBasic(core: Core, caller: Caller, expand: { platform?: boolean } = {}): Promise<UserBasic> {
  const { user } = await targetUser(core, caller, 'user.read', { id: userOf(caller).userId });
  const info = personalInfoOf(user);
  const preferences = await getPreferences(core, caller, { id: user.id });
  const home = user.home_organization_id === null ? undefined : await core.db.selectFrom('organizations')
    .select(['id', 'slug', 'full_name']).where('id', '=', user.home_organization_id).executeTakeFirst();
  const own = await listOwnCustomers(core, caller);
  return {
    id: user.id,
    firstName: info.firstName,
    lastName: info.lastName,
    username: user.slug,
    email: user.email,
    picture: user.picture,
    language: preferences.language,
    timezone: preferences.timezone,
    homeOrganization: home ? { id: Number(home.id), name: home.full_name || home.slug } : null,
    status: user.status,
    roles: Object.fromEntries(own.map((c) => [String(c.id), c.roles])),
    ...(expand.platform ? { platform: await platformOf(core, user.id, own) } : {}),
  };
}

export interface CustomerAssociation {
  id: number;
  name: string;
  status: OrganizationStatus;
  /** Whether the customer has a deployed application (a chat inbox or integration) while it is active. */
  chatEnabled: boolean;
}

/**
 * Whether the caller is associated with a customer: an accepted role on it, or a manager's
 * role on an organization above it (closed ones and those between cut it). Anything else,
 * an unknown id included, is the same 404, so ids cannot be probed.
 */
export async function verifyCustomerAssociation(core: Core, caller: Caller, organizationId: number): Promise<CustomerAssociation> {
  const user = userOf(caller);
  const row = await core.db.selectFrom('organizations')
    .select(['id', 'slug', 'full_name', 'status'])
    .select(sql<boolean>`exists (select 1 from applications a join stacks s on s.id = a.stack_id
       where s.organization_id = organizations.id and a.deleted_at is null and s.deleted_at is null and a.is_deployed)`.as('deployed'))
    .where('id', '=', organizationId).where('status', '<>', 'closed').where('type', '=', 'organization')
    .where(isAmong('organizations.id', visibleOrganizationIds(user.userId)))
    .executeTakeFirst();
  if (!row) throw new NotFound('organization', 'The user is not associated with this customer.');
  return { id: Number(row.id), name: row.full_name || row.slug, status: row.status, chatEnabled: row.status === 'active' && row.deployed };
}

export interface ApplicationUse {
  /** The platform application's code, the package's type or the OAuth2 client's id. */
  application: string;
  name: string;
  firstAccessAt: Date;
  lastAccessAt: Date;
  /** Per customer the access was for, when the application said. */
  customers: { id: number; name: string; firstAccessAt: Date; lastAccessAt: Date }[];
}

/** The applications the caller used, with the first and last time (over every customer and per customer), most recent first. */
export async function listOwnApplicationAccesses(core: Core, caller: Caller): Promise<ApplicationUse[]> {
  const { user } = await targetUser(core, caller, 'user.read', { id: userOf(caller).userId });
  const accesses = await applicationAccessesOf(core.db, user.id);
  if (!accesses.length) return [];
  const codes = [...new Set(accesses.map((a) => a.application))];
  const orgIds = [...new Set(accesses.map((a) => a.organizationId).filter((id): id is number => id !== null))];
  const catalog = new Map(platformApplications(core).map((a) => [a.code, a.name]));
  const packages = new Map((await core.db.selectFrom('packages').select(['type', 'name']).where('type', 'in', codes).execute())
    .map((p) => [p.type, p.name]));
  const clients = new Map((await core.db.selectFrom('oauth2_clients').innerJoin('organizations', 'organizations.id', 'oauth2_clients.organization_id')
    .select(['oauth2_clients.id', 'organizations.full_name', 'organizations.slug']).where('oauth2_clients.id', 'in', codes).execute())
    .map((c) => [c.id, c.full_name || c.slug]));
  const orgs = new Map(orgIds.length ? (await core.db.selectFrom('organizations').select(['id', 'full_name', 'slug']).where('id', 'in', orgIds).execute())
    .map((o) => [Number(o.id), o.full_name || o.slug]) : []);
  const byApplication = new Map<string, ApplicationUse>();
  for (const access of accesses) {
    let use = byApplication.get(access.application);
    if (!use) {
      const name = catalog.get(access.application) ?? packages.get(access.application) ?? clients.get(access.application) ?? access.application;
      use = { application: access.application, name, firstAccessAt: access.firstAccessAt, lastAccessAt: access.lastAccessAt, customers: [] };
      byApplication.set(access.application, use);
    }
    if (access.firstAccessAt < use.firstAccessAt) use.firstAccessAt = access.firstAccessAt;
    if (access.lastAccessAt > use.lastAccessAt) use.lastAccessAt = access.lastAccessAt;
    if (access.organizationId !== null) {
      use.customers.push({
        id: access.organizationId, name: orgs.get(access.organizationId) ?? String(access.organizationId),
        firstAccessAt: access.firstAccessAt, lastAccessAt: access.lastAccessAt,
      });
    }
  }
  return [...byApplication.values()];
}

// ---- the caller's credentials, in Accountcentral's words ----

/** Re-throws an Invalid with its fields under Accountcentral's names (`new_password` → `newPassword`). */
async function inAcFields<T>(names: Record<string, string>, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    const fields = Object.fromEntries(Object.entries(error.fields).map(([field, messages]) => [names[field] ?? field, messages]));
    throw new Invalid(fields, undefined, error.code as ConstructorParameters<typeof Invalid>[2]);
  }
}

/**
 * Changes the caller's password (identity/credentials.ts: the old one checked like a login,
 * the new one held to the strength rules and to none of the last ones, every other session
 * ended); answers a fresh token, since the caller's own stops with the change.
 */
export async function changeOwnPassword(core: Core, caller: Caller, input: { oldPassword: string; newPassword: string }): Promise<PasswordChanged> {
  const user = userOf(caller);
  return inAcFields({ password: 'oldPassword', new_password: 'newPassword' },
    () => changePassword(core, caller, { id: user.userId }, { password: input.oldPassword, new_password: input.newPassword }));
}

/** Texts a code to the caller's mobile number (where the PIN goes), to prove it. */
export async function requestOwnPinNumberCode(core: Core, caller: Caller): Promise<CodeSent> {
  const user = userOf(caller);
  return inAcFields({ phone: 'cellPhone' }, () => sendPhoneCode(core, caller, { id: user.userId }, 'phone'));
}

/** Confirms the caller's mobile number with the code texted to it. */
export async function verifyOwnPinNumberCode(core: Core, caller: Caller, code: number): Promise<void> {
  const user = userOf(caller);
  const text = normalizeCode(code);
  if (!text) throw codeInvalid();
  await inAcFields({ phone: 'cellPhone' }, () => confirmPhoneCode(core, caller, { id: user.userId }, 'phone', text));
}

/** Turns the caller's PIN (the second factor by SMS) on or off. */
export async function setOwnPin(core: Core, caller: Caller, input: { active: boolean; password?: string }): Promise<SmsSecondFactor> {
  const user = userOf(caller);
  return setSmsSecondFactor(core, caller, { id: user.userId }, input);
}

/** Whether the caller's PIN can be delivered (`activated`) and whether login asks for it (`active`). */
export async function getOwnPin(core: Core, caller: Caller): Promise<SmsSecondFactor> {
  return getSmsSecondFactor(core, caller, { id: userOf(caller).userId });
}

/** When the caller's password was set and when it expires. */
export async function getOwnPasswordAge(core: Core, caller: Caller): Promise<PasswordAge> {
  return getPasswordAge(core, caller, { id: userOf(caller).userId });
}
