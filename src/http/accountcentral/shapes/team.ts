// Team administration's core answers as Accountcentral's JSON.
import type { TeamUserInfo } from '../../../core/team/accounts.js';
import type { ApplicationUser, CustomerUser, FailedLoginUser, UserWithIssues } from '../../../core/team/customer-users.js';
import type { AssociatedCustomer } from '../../../core/team/associations.js';
import type { SecurityEvent } from '../../../core/identity/security-event-queries.js';
import { preferenceOptions, type PreferenceChanges, type Preferences } from '../../../core/identity/preferences.js';

const ms = (date: Date | null) => (date ? date.getTime() : null);
const upper = <T extends string>(value: T) => value.toUpperCase() as Uppercase<T>;

function userInfoFields(user: TeamUserInfo | CustomerUser) {
  return {
    userPk: user.id,
    name: user.firstName,
    surname: user.lastName,
    username: user.username,
    email: user.email,
    groupName: user.groupName,
    phone: user.phone,
    cellPhone: user.cellPhone,
    dateOfBirth: user.dateOfBirth,
    sex: user.sex,
    cellPhoneVerified: user.cellPhoneVerified,
    status: upper(user.status),
    userType: upper(user.userType),
  };
}

export function teamUserInfoJson(user: TeamUserInfo) {
  return {
    ...userInfoFields(user),
    suspensionInfo: user.suspension
      ? { reason: user.suspension.reason, suspendedAt: ms(user.suspension.suspendedAt), by: user.suspension.by }
      : null,
  };
}

export function customerUserJson(user: CustomerUser) {
  return {
    ...userInfoFields(user),
    creationGroupPk: user.homeOrganizationId,
    creationDate: user.createdAt.getTime(),
    lastLoginDate: ms(user.lastLoginAt),
  };
}

export function failedLoginUserJson(user: FailedLoginUser) {
  return {
    ...customerUserJson(user),
    failedLogins: user.failedLogins,
    consecutiveFailedLogins: user.consecutiveFailedLogins,
    lastFailedLogin: ms(user.lastFailedLoginAt),
    lockedOut: user.lockedOut,
    lockExpirationDate: user.lockExpirationDate?.toISOString() ?? null,
  };
}

export function userWithIssuesJson(user: UserWithIssues) {
  return { ...customerUserJson(user), issues: user.issues };
}

export function applicationUserJson(user: ApplicationUser) {
  return {
    ...customerUserJson(user),
    secretCreationDate: ms(user.secretCreatedAt),
    secretCreatedBy: user.secretCreatedBy,
    secretType: user.secretKind === null ? null : upper(user.secretKind),
  };
}

export function associatedCustomerJson(customer: AssociatedCustomer) {
  return {
    groupPk: customer.id,
    groupName: customer.name,
    status: customer.status === 'suspended' ? 'SUSPENDED' as const : 'ACTIVE' as const,
    parentGroupPk: customer.partnerId,
    roles: customer.roles,
    creationGroup: customer.home,
  };
}

export function securityEventJson(event: SecurityEvent) {
  return {
    type: event.type,
    timestamp: event.createdAt.getTime(),
    date: event.createdAt.toISOString(),
    ip: event.ip,
    userAgent: event.userAgent,
    detail: event.detail,
  };
}

function optionOf(list: { value: string; label: string }[], value: string) {
  return { value, label: list.find((option) => option.value === value)?.label ?? value };
}

/** The core's preferences as Accountcentral's: each format an option `{value, label}`. */
export function preferencesJson(preferences: Preferences) {
  const options = preferenceOptions();
  return {
    timezone: preferences.timezone,
    language: preferences.language,
    weekBegin: preferences.first_day_of_week,
    numberFormat: optionOf(options.number_formats, preferences.number_format),
    dateFormat: optionOf(options.date_formats, preferences.date_format),
    hourFormat: optionOf(options.time_formats, preferences.time_format),
  };
}

/** Accountcentral's preferences body as the core's changes. */
export function preferenceChanges(body: {
  timezone?: string; language?: string; weekBegin?: string;
  numberFormat?: { value: string }; dateFormat?: { value: string }; hourFormat?: { value: string };
}): PreferenceChanges {
  const changes: PreferenceChanges = {};
  if (body.timezone !== undefined) changes.timezone = body.timezone;
  if (body.language !== undefined) changes.language = body.language;
  if (body.weekBegin !== undefined) changes.first_day_of_week = body.weekBegin;
  if (body.numberFormat !== undefined) changes.number_format = body.numberFormat.value;
  if (body.dateFormat !== undefined) changes.date_format = body.dateFormat.value;
  if (body.hourFormat !== undefined) changes.time_format = body.hourFormat.value;
  return changes;
}

/** `sort=column` or `sort=column,desc` as the core's order (`-column` for descending). */
export function sortOrder(sort: string | undefined): string[] {
  if (!sort) return [];
  const [column, direction] = sort.split(',');
  return [direction?.toLowerCase() === 'desc' ? `-${column}` : column!];
}
