// Users, their sessions, status, personal info and security events as the native API shows them.
import type { Static } from '@fastify/type-provider-typebox';
import type { ActivityView, ProfileView, UserBriefView } from '../../../core/identity/accounts.js';
import type { SessionView } from '../../../core/identity/sessions.js';
import type { UserStatusInfo } from '../../../core/identity/administration.js';
import type { PersonalInfo as CorePersonalInfo } from '../../../core/identity/personal-info.js';
import type { SecurityEvent as CoreSecurityEvent } from '../../../core/identity/security-event-queries.js';
import { printableName } from '../../../core/identity/users.js';
import type { Activity, PersonalInfo, SecurityEvent, Session, User, UserProfile, UserStatus } from '../schemas/users.js';
import { iso, isoOrNull, orNull } from './common.js';

/** What every answer knows of a user (a role's user carries no more). */
export type UserFacts = Pick<UserBriefView, 'slug' | 'picture' | 'email' | 'full_name' | 'nick_name' | 'created_at' | 'credentials'>;

export function userJson(u: UserFacts): Static<typeof User> {
  return {
    slug: u.slug, username: u.slug, printable_name: printableName(u), picture: orNull(u.picture), email: orNull(u.email),
    full_name: orNull(u.full_name), nick_name: orNull(u.nick_name), created_at: iso(u.created_at), credentials: u.credentials,
  };
}

export function activityJson(a: ActivityView): Static<typeof Activity> {
  return { created_at: iso(a.created_at), created_by: a.created_by, text: a.text, account: a.account };
}

// Field by field rather than a spread of userJson's answer: the most read answer there is.
export function userProfileJson(p: ProfileView): Static<typeof UserProfile> {
  return {
    slug: p.slug, username: p.slug, printable_name: printableName(p), picture: orNull(p.picture), email: orNull(p.email),
    full_name: orNull(p.full_name), nick_name: orNull(p.nick_name), created_at: iso(p.created_at), credentials: p.credentials,
    extra: orNull(p.extra), activities: p.activities.length === 0 ? [] : p.activities.map(activityJson),
  };
}

export function sessionJson(x: SessionView): Static<typeof Session> {
  return {
    id: x.id, method: x.method, ip: x.ip, user_agent: x.userAgent, created_at: iso(x.createdAt),
    refreshed_at: iso(x.refreshedAt), expires_at: iso(x.expiresAt), current: x.current,
  };
}

export function userStatusJson(s: UserStatusInfo): Static<typeof UserStatus> {
  return {
    status: s.status, reason: orNull(s.reason), suspended_at: isoOrNull(s.suspendedAt), locked: s.locked,
    locked_until: isoOrNull(s.lockedUntil), failed_attempts: s.failedAttempts,
  };
}

export function personalInfoJson(p: CorePersonalInfo): Static<typeof PersonalInfo> {
  return {
    username: p.username, email: orNull(p.email), first_name: orNull(p.firstName), last_name: orNull(p.lastName),
    phone: orNull(p.phone), mobile: orNull(p.mobile), date_of_birth: orNull(p.dateOfBirth), sex: p.sex,
    phone_verified: p.phoneVerified, phone_pending: orNull(p.phonePending), mobile_verified: p.mobileVerified,
  };
}

export function securityEventJson(e: CoreSecurityEvent): Static<typeof SecurityEvent> {
  return { type: e.type, created_at: iso(e.createdAt), ip: e.ip, user_agent: e.userAgent, detail: e.detail as Record<string, never> | null };
}
