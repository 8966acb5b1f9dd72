// User administration from Accountcentral, served as DjaoApp-style sub-routes of
// /api/users/{user}/: status, suspension and lockout, personal info with SMS-verified
// numbers, preferences, and the security events of the account.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUserStatus, reactivateUser, suspendUser, unlockUser } from '../../../core/identity/administration.js';
import { getPersonalInfo, updatePersonalInfo } from '../../../core/identity/personal-info.js';
import { confirmPhoneCode, sendPhoneCode } from '../../../core/identity/phone-verification.js';
import { getPreferences, listPreferenceOptions, updatePreferences } from '../../../core/identity/preferences.js';
import { listSecurityEvents, SECURITY_EVENTS_LIST } from '../../../core/identity/security-event-queries.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { Detail, NoContent, Nullable, UserParams, errors, ref } from '../schemas/common.js';
import { PersonalInfo, Preferences, SecurityEvent, UserStatus } from '../schemas/users.js';
import { personalInfoJson, securityEventJson, userStatusJson } from '../shapes/users.js';

const TAG = 'users';
const FROM_AC = 'Addition from Accountcentral (not in DjaoApp).';

const Phone = Nullable(Type.String({ maxLength: 40, description: 'International (E.164) number: + then 8 to 15 digits.' }));
const PersonalInfoFields = {
  first_name: Type.String({ maxLength: 150, format: 'single-line', description: 'Given name.' }),
  last_name: Type.String({ maxLength: 150, format: 'single-line', description: 'Family name.' }),
  phone: Phone,
  mobile: Phone,
  date_of_birth: Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD.' })),
  sex: Nullable(Type.Union([Type.Literal('M'), Type.Literal('F')], { description: 'M for male, F for female.' })),
};
const PersonalInfoPut = Type.Object({
  first_name: PersonalInfoFields.first_name,
  last_name: PersonalInfoFields.last_name,
  phone: Type.Optional(Phone),
  mobile: Type.Optional(Phone),
  date_of_birth: Type.Optional(PersonalInfoFields.date_of_birth),
  sex: Type.Optional(PersonalInfoFields.sex),
  password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'Password of the user making the request; required to change the phone number.' })),
}, { additionalProperties: false });
const PersonalInfoPatch = Type.Partial(PersonalInfoPut, { additionalProperties: false });

const NumberParams = Type.Object({
  ...UserParams.properties,
  field: Type.Union([Type.Literal('phone'), Type.Literal('mobile')], { description: 'Which number to verify.' }),
});

const PreferencesBody = Type.Object(Preferences.properties, { additionalProperties: false });
const PreferencesPatch = Type.Partial(PreferencesBody, { additionalProperties: false });
const OptionBody = Type.Object({ value: Type.String(), label: Type.String() });
const PreferenceOptionsBody = Type.Object({
  timezones: Type.Array(Type.String()),
  languages: Type.Array(OptionBody),
  first_days_of_week: Type.Array(OptionBody),
  number_formats: Type.Array(OptionBody),
  date_formats: Type.Array(OptionBody),
  time_formats: Type.Array(OptionBody),
}, { description: 'Every value each preference accepts.' });

const SecurityEventsQuery = Type.Object({
  page: ListParams.properties.page,
  page_size: ListParams.properties.page_size,
  start_at: ListParams.properties.start_at,
  ends_at: ListParams.properties.ends_at,
  type: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { description: 'Only events of this type; repeat for several.' })),
});

export const userAdminRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/users/:user/status/', {
    schema: {
      operationId: 'getUserStatus',
      tags: [TAG],
      summary: "Retrieves a user's status and lockout",
      description: `Whether the account is active, suspended (with the reason and when) or disabled, and whether failed logins currently lock it out. For the broker's managers. ${FROM_AC}`,
      params: UserParams,
      response: { 200: ref(UserStatus, 'The status of the account.'), ...errors(400, 401, 404) },
    },
  }, async (request) => userStatusJson(await getUserStatus(core, request.caller, { slug: request.params.user })));

  app.post('/users/:user/status/suspend/', {
    schema: {
      operationId: 'suspendUser',
      tags: [TAG],
      summary: 'Suspends a user',
      description: `Blocks the account: the user can no longer log in, every session of theirs ends (reactivation does not bring them back) and their API keys stop working until reactivation. The reason is kept and shown with the status. An administrator cannot suspend their own account. For the broker's managers; recorded as an account.suspended security event. ${FROM_AC}`,
      params: UserParams,
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 500, description: 'Why the account is suspended.' }) }, { additionalProperties: false }),
      response: { 200: ref(UserStatus, 'The account, suspended.'), ...errors(400, 401, 404, 409) },
    },
  }, async (request) => userStatusJson(await suspendUser(core, request.caller, { slug: request.params.user }, request.body.reason)));

  app.post('/users/:user/status/reactivate/', {
    schema: {
      operationId: 'reactivateUser',
      tags: [TAG],
      summary: 'Reactivates a user',
      description: `Makes a suspended or disabled account active again. For the broker's managers; recorded as an account.reactivated security event. ${FROM_AC}`,
      params: UserParams,
      response: { 200: ref(UserStatus, 'The account, active again.'), ...errors(400, 401, 404, 409) },
    },
  }, async (request) => userStatusJson(await reactivateUser(core, request.caller, { slug: request.params.user })));

  app.delete('/users/:user/lockout/', {
    schema: {
      operationId: 'unlockUser',
      tags: [TAG],
      summary: 'Unlocks a user',
      description: `Forgets the failed logins counted against the user's username and e-mail address, which ends a lockout at once. For the broker's managers; recorded as an account.unlocked security event. ${FROM_AC}`,
      params: UserParams,
      response: { 204: NoContent('The lockout was cleared.'), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => {
    await unlockUser(core, request.caller, { slug: request.params.user });
    return reply.code(204).send(null);
  });

  app.get('/users/:user/personal-info/', {
    schema: {
      operationId: 'getPersonalInfo',
      tags: [TAG],
      summary: "Retrieves a user's personal info",
      description: `First and last name, phone and mobile numbers with whether each was verified, date of birth and sex. Readable by the user, the broker's managers and managers of the user's organizations. ${FROM_AC}`,
      params: UserParams,
      response: { 200: ref(PersonalInfo, 'The personal info.'), ...errors(400, 401, 404) },
    },
  }, async (request) => personalInfoJson(await getPersonalInfo(core, request.caller, { slug: request.params.user })));

  app.put('/users/:user/personal-info/', {
    schema: {
      operationId: 'updatePersonalInfo',
      tags: [TAG],
      summary: "Replaces a user's personal info",
      description: `Sets every personal info field; optional fields left out are emptied. Names also update the full name. Numbers are stored in E.164 form, and changing one forgets that it was verified. A new phone number (where login codes go) needs \`password\` (of the user making the request), is mailed about to the verified address, and stays in \`phone_pending\` until confirmed with the code sent to it. The username and e-mail address are read-only here. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PersonalInfoPut,
      response: { 200: ref(PersonalInfo, 'The personal info, replaced.'), ...errors(400, 401, 404) },
    },
  }, async (request) => personalInfoJson(await updatePersonalInfo(core, request.caller, { slug: request.params.user }, request.body, true)));

  app.patch('/users/:user/personal-info/', {
    schema: {
      operationId: 'patchPersonalInfo',
      tags: [TAG],
      summary: "Updates part of a user's personal info",
      description: `Changes only the fields given; null or an empty string removes a number. Changing a number forgets that it was verified; a new phone number needs \`password\` and waits in \`phone_pending\` for its code (see PUT). For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PersonalInfoPatch,
      response: { 200: ref(PersonalInfo, 'The personal info, updated.'), ...errors(400, 401, 404) },
    },
  }, async (request) => personalInfoJson(await updatePersonalInfo(core, request.caller, { slug: request.params.user }, request.body, false)));

  app.post('/users/:user/personal-info/:field/verify/', {
    schema: {
      operationId: 'sendPhoneCode',
      tags: [TAG],
      summary: 'Sends a code to verify a phone number',
      description: `Texts a 6-digit code to the user's phone (the pending one if any) or mobile number. The code expires after a few minutes (CODE_LIFETIME_SECONDS) and only confirms the number it was sent to; asking again withdraws the previous code (at most one text every 30 seconds). For the user and the broker's managers. ${FROM_AC}`,
      params: NumberParams,
      response: {
        200: Type.Object({
          detail: Type.String(),
          to: Type.String({ description: 'The number the code went to, partly hidden.' }),
          expires_at: Type.String({ format: 'date-time' }),
        }, { description: 'A code is on its way.' }),
        ...errors(400, 401, 404, 429),
      },
    },
  }, async (request) => {
    const sent = await sendPhoneCode(core, request.caller, { slug: request.params.user }, request.params.field);
    return { detail: 'A verification code was sent.', to: sent.to, expires_at: sent.expiresAt.toISOString() };
  });

  app.post('/users/:user/personal-info/:field/verify/confirm/', {
    schema: {
      operationId: 'confirmPhoneCode',
      tags: [TAG],
      summary: 'Confirms a phone number with the code sent to it',
      description: `Marks the number verified when the code matches. A code works once and only before it expires; a wrong code answers 400, and after 5 wrong codes the code is withdrawn (429) and a new one must be asked for. For the user and the broker's managers. ${FROM_AC}`,
      params: NumberParams,
      body: Type.Object({ code: Type.String({ minLength: 1, maxLength: 16, description: 'The 6-digit code received by SMS.' }) }, { additionalProperties: false }),
      response: { 200: ref(Detail, 'The number is verified.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    await confirmPhoneCode(core, request.caller, { slug: request.params.user }, request.params.field, request.body.code.trim());
    return { detail: `The ${request.params.field} number is verified.` };
  });

  app.get('/users/preferences/options/', {
    schema: {
      operationId: 'listPreferenceOptions',
      tags: [TAG],
      summary: 'Lists the allowed preference values',
      description: `Every value each preference accepts: IANA time zones, languages, first days of the week, and number, date and time formats (each with a label to show). For any signed-in user. ${FROM_AC}`,
      response: { 200: PreferenceOptionsBody, ...errors(401) },
    },
  }, async (request) => listPreferenceOptions(request.caller));

  app.get('/users/:user/preferences/', {
    schema: {
      operationId: 'getPreferences',
      tags: [TAG],
      summary: "Retrieves a user's preferences",
      description: `Time zone, language, first day of the week and number, date and time formats; defaults for what the user never chose. Readable by the user, the broker's managers and managers of the user's organizations. ${FROM_AC}`,
      params: UserParams,
      response: { 200: ref(Preferences, 'The preferences.'), ...errors(400, 401, 404) },
    },
  }, async (request) => getPreferences(core, request.caller, { slug: request.params.user }));

  app.put('/users/:user/preferences/', {
    schema: {
      operationId: 'updatePreferences',
      tags: [TAG],
      summary: "Replaces a user's preferences",
      description: `Sets every preference; each value must be one of those listed by GET /api/users/preferences/options/. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PreferencesBody,
      response: { 200: ref(Preferences, 'The preferences, replaced.'), ...errors(400, 401, 404) },
    },
  }, async (request) => updatePreferences(core, request.caller, { slug: request.params.user }, request.body));

  app.patch('/users/:user/preferences/', {
    schema: {
      operationId: 'patchPreferences',
      tags: [TAG],
      summary: "Updates some of a user's preferences",
      description: `Changes only the preferences given, each checked against GET /api/users/preferences/options/. For the user and the broker's managers. ${FROM_AC}`,
      params: UserParams,
      body: PreferencesPatch,
      response: { 200: ref(Preferences, 'The preferences, updated.'), ...errors(400, 401, 404) },
    },
  }, async (request) => updatePreferences(core, request.caller, { slug: request.params.user }, request.body));

  app.get('/users/:user/security-events/', {
    schema: {
      operationId: 'listSecurityEvents',
      tags: [TAG],
      summary: "Lists a user's security events",
      description: `The audit trail of the account (logins, failures, lockouts, password, key and status changes), newest first, one page at a time. Filter with ?type= (repeatable) and ?start_at=/?ends_at=. Readable by the user, the broker's managers and managers of organizations the user belongs to. ${FROM_AC}`,
      params: UserParams,
      querystring: SecurityEventsQuery,
      response: { 200: PageOf(ref(SecurityEvent), 'A page of security events, newest first.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, SECURITY_EVENTS_LIST, core.config);
    const page = await listSecurityEvents(core, request.caller, { slug: request.params.user }, list, request.query.type ?? []);
    return pageEnvelope(request, core.config, list, page, securityEventJson);
  });
};
