// User administration from Accountcentral, served as DjaoApp-style sub-routes of
// /api/users/{user}/: status, suspension and lockout, personal info with SMS-verified
// numbers, preferences, and the security events of the account.
import { Type, type Static } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type { App } from '../app.js';
import { getUserStatus, reactivateUser, suspendUser, unlockUser, type UserStatusInfo } from '../../core/identity/administration.js';
import { getPersonalInfo, updatePersonalInfo, type PersonalInfo } from '../../core/identity/personal-info.js';
import { confirmPhoneCode, sendPhoneCode } from '../../core/identity/phone-verification.js';
import { getPreferences, listPreferenceOptions, updatePreferences } from '../../core/identity/preferences.js';
import { listSecurityEvents, SECURITY_EVENTS_LIST } from '../../core/identity/security-event-queries.js';
import { Detail, Nullable, UserParams, errors } from './schemas.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from './pages.js';

const TAG = 'users';
const FROM_AC = 'Addition from Accountcentral (not in DjaoApp).';

const UserStatusBody = Type.Object({
  status: Type.Union([Type.Literal('active'), Type.Literal('suspended'), Type.Literal('disabled')], {
    description: 'active: can log in; suspended: blocked by an administrator; disabled: switched off for good.',
  }),
  reason: Nullable(Type.String({ description: 'Why the account was suspended.' })),
  suspended_at: Nullable(Type.String({ format: 'date-time', description: 'When the account was suspended.' })),
  locked: Type.Boolean({ description: 'True while too many failed logins keep the account from logging in.' }),
  locked_until: Nullable(Type.String({ format: 'date-time', description: 'When the lockout ends by itself.' })),
  failed_attempts: Type.Integer({ description: 'Consecutive failed logins counted so far.' }),
});

function statusBody(s: UserStatusInfo): Static<typeof UserStatusBody> {
  return {
    status: s.status,
    reason: s.reason,
    suspended_at: s.suspendedAt?.toISOString() ?? null,
    locked: s.locked,
    locked_until: s.lockedUntil?.toISOString() ?? null,
    failed_attempts: s.failedAttempts,
  };
}

const Phone = Nullable(Type.String({ maxLength: 40, description: 'International (E.164) number: + then 8 to 15 digits.' }));
const PersonalInfoFields = {
  first_name: Type.String({ maxLength: 150, format: 'single-line', description: 'Given name.' }),
  last_name: Type.String({ maxLength: 150, format: 'single-line', description: 'Family name.' }),
  phone: Phone,
  mobile: Phone,
  date_of_birth: Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD.' })),
  sex: Nullable(Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for male, F for female.' })),
};
const PersonalInfoBody = Type.Object({
  username: Type.String({ description: 'The username; it cannot be changed here.' }),
  email: Nullable(Type.String()),
  ...PersonalInfoFields,
  phone_verified: Type.Boolean({ description: 'True once the phone number was confirmed with a code sent to it.' }),
  phone_pending: Nullable(Type.String({ description: 'A new phone number waiting for the code sent to it; login codes go to `phone` until it is confirmed.' })),
  mobile_verified: Type.Boolean({ description: 'True once the mobile number was confirmed with a code sent to it.' }),
});
const PersonalInfoPut = Type.Object({
  first_name: PersonalInfoFields.first_name,
  last_name: PersonalInfoFields.last_name,
  phone: Type.Optional(Phone),
  mobile: Type.Optional(Phone),
  date_of_birth: Type.Optional(PersonalInfoFields.date_of_birth),
  sex: Type.Optional(PersonalInfoFields.sex),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Password of the user making the request; required to change the phone number.' })),
});
const PersonalInfoPatch = Type.Partial(PersonalInfoPut);

function personalInfoBody(p: PersonalInfo): Static<typeof PersonalInfoBody> {
  return {
    username: p.username,
    email: p.email,
    first_name: p.firstName,
    last_name: p.lastName,
    phone: p.phone,
    mobile: p.mobile,
    date_of_birth: p.dateOfBirth,
    sex: p.sex,
    phone_verified: p.phoneVerified,
    phone_pending: p.phonePending,
    mobile_verified: p.mobileVerified,
  };
}

const NumberParams = Type.Object({
  ...UserParams.properties,
  field: Type.Union([Type.Literal('phone'), Type.Literal('mobile')], { description: 'Which number to verify.' }),
});

const PreferencesFields = {
  timezone: Type.String({ maxLength: 64, description: 'IANA time zone, e.g. Europe/Rome.' }),
  language: Type.String({ maxLength: 16, description: 'Language code, e.g. en.' }),
  first_day_of_week: Type.String({ maxLength: 16, description: 'monday, sunday or saturday.' }),
  number_format: Type.String({ maxLength: 16, description: 'How 1234.56 is written, e.g. "1.234,56".' }),
  date_format: Type.String({ maxLength: 16, description: 'Date pattern, e.g. DD/MM/YYYY.' }),
  time_format: Type.String({ maxLength: 16, description: 'HH:mm (24-hour) or h:mm A (12-hour).' }),
};
const PreferencesBody = Type.Object(PreferencesFields);
const OptionBody = Type.Object({ value: Type.String(), label: Type.String() });
const PreferenceOptionsBody = Type.Object({
  timezones: Type.Array(Type.String()),
  languages: Type.Array(OptionBody),
  first_days_of_week: Type.Array(OptionBody),
  number_formats: Type.Array(OptionBody),
  date_formats: Type.Array(OptionBody),
  time_formats: Type.Array(OptionBody),
});

const SecurityEventBody = Type.Object({
  type: Type.String({ description: 'What happened, e.g. login.failed or account.suspended.' }),
  created_at: Type.String({ format: 'date-time' }),
  ip: Nullable(Type.String({ description: 'Address the request came from.' })),
  user_agent: Nullable(Type.String({ description: 'User-Agent of the request.' })),
  detail: Nullable(Type.Object({}, { additionalProperties: true, description: 'Facts about the event.' })),
});
const SecurityEventsQuery = Type.Object({
  page: ListParams.properties.page,
  page_size: ListParams.properties.page_size,
  start_at: ListParams.properties.start_at,
  ends_at: ListParams.properties.ends_at,
  type: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: 'Only events of this type; repeat for several.' })),
});

export const userAdminRoutes: FastifyPluginAsync = async (fastify) => {
  const app = fastify as unknown as App;
  const { core } = app;

  app.get('/users/:user/status/', {
    schema: {
      tags: [TAG],
      summary: "Retrieves a user's status and lockout",
      description: `Whether the account is active, suspended (with the reason and when) or disabled, and whether failed logins currently lock it out. For the broker's managers. ${FROM_AC}`,
      params: UserParams,
      response: { 200: UserStatusBody, ...errors(401, 404) },
    },
  }, async (request) => statusBody(await getUserStatus(core, request.caller, request.params.user)));

  app.post('/users/:user/status/suspend/', {
    schema: {
      tags: [TAG],
      summary: 'Suspends a user',
      description: `Blocks the account: the user can no longer log in, every session of theirs ends (reactivation does not bring them back) and their API keys stop working until reactivation. The reason is kept and shown with the status. An administrator cannot suspend their own account. For the broker's managers; recorded as an account.suspended security event. ${FROM_AC}`,
      params: UserParams,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why the account is suspended.' }) }),
      response: { 200: UserStatusBody, ...errors(400, 401, 404, 409) },
    },
  }, async (request) => statusBody(await suspendUser(core, request.caller, request.params.user, request.body.reason)));

  app.post('/users/:user/status/reactivate/', {
    schema: {
      tags: [TAG],
      summary: 'Reactivates a user',
      description: `Makes a suspended or disabled account active again. For the broker's managers; recorded as an account.reactivated security event. ${FROM_AC}`,
      params: UserParams,
      response: { 200: UserStatusBody, ...errors(400, 401, 404, 409) },
    },
  }, async (request) => statusBody(await reactivateUser(core, request.caller, request.params.user)));

  app.delete('/users/:user/lockout/', {
    schema: {
      tags: [TAG],
      summary: 'Unlocks a user',
      description: `Forgets the failed logins counted against the user's username and e-mail address, which ends a lockout at once. For the broker's managers; recorded as an account.unlocked security event. ${FROM_AC}`,
      params: UserParams,
      response: { 204: Type.Null({ description: 'The lockout was cleared.' }), ...errors(401, 404) },
    },
  }, async (request, reply) => {
    await unlockUser(core, request.caller, request.params.user);
    return reply.code(204).send(null);
  });

  app.get('/users/:user/personal-info/', {
    schema: {
      tags: [TAG],
      summary: "Retrieves a user's personal info",
      description: `First and last name, phone and mobile numbers with whether each was verified, date of birth and sex. Readable by the user, the broker's managers and managers of the user's organizations. ${FROM_AC}`,
      params: UserParams,
      response: { 200: PersonalInfoBody, ...errors(401, 404) },
    },
  }, async (request) => personalInfoBody(await getPersonalInfo(core, request.caller, request.params.user)));

  app.put('/users/:user/personal-info/', {
    schema: {
      tags: [TAG],
      summary: "Replaces a user's personal info",
      description: `Sets every personal info field; optional fields left out are emptied. Names also update the full name. Numbers are stored in E.164 form, and changing one forgets that it was verified. A new phone number (where login codes go) needs \`password\` (of the user making the request), is mailed about to the verified address, and stays in \`phone_pending\` until confirmed with the code sent to it. The username and e-mail address are read-only here. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PersonalInfoPut,
      response: { 200: PersonalInfoBody, ...errors(400, 401, 404) },
    },
  }, async (request) => personalInfoBody(await updatePersonalInfo(core, request.caller, request.params.user, request.body, true)));

  app.patch('/users/:user/personal-info/', {
    schema: {
      tags: [TAG],
      summary: "Updates part of a user's personal info",
      description: `Changes only the fields given; null or an empty string removes a number. Changing a number forgets that it was verified; a new phone number needs \`password\` and waits in \`phone_pending\` for its code (see PUT). For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PersonalInfoPatch,
      response: { 200: PersonalInfoBody, ...errors(400, 401, 404) },
    },
  }, async (request) => personalInfoBody(await updatePersonalInfo(core, request.caller, request.params.user, request.body, false)));

  app.post('/users/:user/personal-info/:field/verify/', {
    schema: {
      tags: [TAG],
      summary: 'Sends a code to verify a phone number',
      description: `Texts a 6-digit code to the user's phone (the pending one if any) or mobile number. The code expires after a few minutes (CODE_LIFETIME_SECONDS) and only confirms the number it was sent to; asking again withdraws the previous code (at most one text every 30 seconds). For the user and the broker's managers. ${FROM_AC}`,
      params: NumberParams,
      response: {
        200: Type.Object({
          detail: Type.String(),
          to: Type.String({ description: 'The number the code went to, partly hidden.' }),
          expires_at: Type.String({ format: 'date-time' }),
        }),
        ...errors(400, 401, 404, 429),
      },
    },
  }, async (request) => {
    const sent = await sendPhoneCode(core, request.caller, request.params.user, request.params.field);
    return { detail: 'A verification code was sent.', to: sent.to, expires_at: sent.expiresAt.toISOString() };
  });

  app.post('/users/:user/personal-info/:field/verify/confirm/', {
    schema: {
      tags: [TAG],
      summary: 'Confirms a phone number with the code sent to it',
      description: `Marks the number verified when the code matches. A code works once and only before it expires; a wrong code answers 400, and after 5 wrong codes the code is withdrawn (429) and a new one must be asked for. For the user and the broker's managers. ${FROM_AC}`,
      params: NumberParams,
      body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 16, description: 'The 6-digit code received by SMS.' }) }),
      response: { 200: Detail, ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    await confirmPhoneCode(core, request.caller, request.params.user, request.params.field, request.body.code.trim());
    return { detail: `The ${request.params.field} number is verified.` };
  });

  app.get('/users/preferences/options/', {
    schema: {
      tags: [TAG],
      summary: 'Lists the allowed preference values',
      description: `Every value each preference accepts: IANA time zones, languages, first days of the week, and number, date and time formats (each with a label to show). For any signed-in user. ${FROM_AC}`,
      response: { 200: PreferenceOptionsBody, ...errors(401) },
    },
  }, async (request) => listPreferenceOptions(request.caller));

  app.get('/users/:user/preferences/', {
    schema: {
      tags: [TAG],
      summary: "Retrieves a user's preferences",
      description: `Time zone, language, first day of the week and number, date and time formats; defaults for what the user never chose. Readable by the user, the broker's managers and managers of the user's organizations. ${FROM_AC}`,
      params: UserParams,
      response: { 200: PreferencesBody, ...errors(401, 404) },
    },
  }, async (request) => getPreferences(core, request.caller, request.params.user));

  app.put('/users/:user/preferences/', {
    schema: {
      tags: [TAG],
      summary: "Replaces a user's preferences",
      description: `Sets every preference; each value must be one of those listed by GET /api/users/preferences/options/. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PreferencesBody,
      response: { 200: PreferencesBody, ...errors(400, 401, 404) },
    },
  }, async (request) => updatePreferences(core, request.caller, request.params.user, request.body));

  app.patch('/users/:user/preferences/', {
    schema: {
      tags: [TAG],
      summary: "Updates some of a user's preferences",
      description: `Changes only the preferences given, each checked against GET /api/users/preferences/options/. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: Type.Partial(PreferencesBody),
      response: { 200: PreferencesBody, ...errors(400, 401, 404) },
    },
  }, async (request) => updatePreferences(core, request.caller, request.params.user, request.body));

  app.get('/users/:user/security-events/', {
    schema: {
      tags: [TAG],
      summary: "Lists a user's security events",
      description: `The audit trail of the account (logins, failures, lockouts, password, key and status changes), newest first, one page at a time. Filter with ?type= (repeatable) and ?start_at=/?ends_at=. Readable by the user, the broker's managers and managers of organizations the user belongs to. ${FROM_AC}`,
      params: UserParams,
      querystring: SecurityEventsQuery,
      response: { 200: PageOf(SecurityEventBody), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, SECURITY_EVENTS_LIST, core.config);
    const page = await listSecurityEvents(core, request.caller, request.params.user, list, request.query.type ?? []);
    return pageEnvelope(request, core.config, list, page, (e) => ({
      type: e.type,
      created_at: e.createdAt.toISOString(),
      ip: e.ip,
      user_agent: e.userAgent,
      detail: e.detail,
    }));
  });
};
