// The caller's own data as Accountcentral shows it.
import type { ApplicationUse, CustomerAssociation, CustomerMembership, Platform, UserBasic } from '../../../core/team/self-service.js';
import type { PasswordAge } from '../../../core/identity/password-history.js';
import type { SecurityEvent } from '../../../core/identity/security-event-queries.js';
import type { TeamUserInfo } from '../../../core/team/accounts.js';
import { teamUserInfoJson } from './team.js';
import { STATUS_OF } from './customers.js';

type UserStatus = TeamUserInfo['status'];

export const USER_STATUS: Record<UserStatus, 'ACTIVE' | 'SUSPENDED' | 'DISABLED'> = {
  active: 'ACTIVE', suspended: 'SUSPENDED', disabled: 'DISABLED',
};
export const USER_TYPE = { interactive: 'INTERACTIVE', application: 'APPLICATION' } as const;

export function customerStatus(status: keyof typeof STATUS_OF): 'ACTIVE' | 'SUSPENDED' | 'INACTIVE' {
  return STATUS_OF[status];
}

function platformJson(platform: Platform) {
  return {
    groups: platform.groups.map((g) => ({ groupPk: g.id, groupName: g.name, status: customerStatus(g.status), parentGroupPk: g.partnerId, roles: g.roles })),
    workspaces: platform.workspaces.map((w) => ({
      workspaceId: w.id, uuid: w.uuid, name: w.name, subdomain: w.subdomain, groupPk: w.groupId, status: w.status,
    })),
    nodes: platform.nodes.map((n) => ({
      nodeId: n.id, uuid: n.uuid, workspaceId: n.workspaceId, application: n.application, domain: n.domain, status: n.status,
    })),
  };
}

export function userBasicJson(user: UserBasic) {
  return {
    userPk: user.id,
    name: user.firstName,
    surname: user.lastName,
    username: user.username,
    email: user.email,
    picture: user.picture,
    lang: user.language,
    timezone: user.timezone,
    creationGroupPk: user.homeOrganization?.id ?? null,
    creationGroupName: user.homeOrganization?.name ?? null,
    external: false,
    roles: user.roles,
    ...(user.platform ? { platform: platformJson(user.platform) } : {}),
  };
}

export function customerOfUserJson(customer: CustomerMembership) {
  return { groupPk: customer.id, groupName: customer.name, status: customerStatus(customer.status), parentGroupPk: customer.partnerId, roles: customer.roles };
}

export function customerAssociationJson(association: CustomerAssociation) {
  return { groupPk: association.id, groupName: association.name, status: customerStatus(association.status), chatEnabled: association.chatEnabled };
}

export function securityEventJson(event: SecurityEvent) {
  const application = typeof event.detail?.application === 'string' ? event.detail.application : null;
  return {
    type: event.type,
    date: event.createdAt.toISOString(),
    timestamp: event.createdAt.getTime(),
    ip: event.ip,
    userAgent: event.userAgent,
    application,
    detail: event.detail,
  };
}

/** `{<application>: {...}}`, most recently used first. */
export function applicationAccessesJson(uses: ApplicationUse[]) {
  return Object.fromEntries(uses.map((use) => [use.application, {
    application: use.application,
    name: use.name,
    firstAccess: use.firstAccessAt.toISOString(),
    lastAccess: use.lastAccessAt.toISOString(),
    customers: use.customers.map((c) => ({ groupPk: c.id, groupName: c.name, firstAccess: c.firstAccessAt.toISOString(), lastAccess: c.lastAccessAt.toISOString() })),
  }]));
}

const day = (date: Date) => date.toISOString().slice(0, 10);

export function passwordHistoryJson(age: PasswordAge) {
  return { updateDate: age.changedAt ? day(age.changedAt) : null, expireDate: age.expiresAt ? day(age.expiresAt) : null, now: day(age.now) };
}

/** UserInfo: a team user's info without the suspension details (the seed's #5 answers none). */
export function userInfoJson(user: TeamUserInfo) {
  const { suspensionInfo: _omitted, ...info } = teamUserInfoJson(user);
  return info;
}
