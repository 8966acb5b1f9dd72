// Accountcentral: user. The caller's own account: personal info, preferences, security
// events, the applications used, the password, and the PIN (the code by SMS asked at login).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { Caller } from '../../../core/context.js';
import type { Ref } from '../../../core/refs.js';
import { listSecurityEvents } from '../../../core/identity/security-event-queries.js';
import { acPreferenceOptions, getAcPreferences, updateAcPreferences } from '../../../core/team/preferences.js';
import {
  changeOwnPassword, getOwnPasswordAge, getOwnPin, listOwnApplicationAccesses, requestOwnPinNumberCode, setOwnPin, verifyOwnPinNumberCode,
} from '../../../core/team/self-service.js';
import { AC, AcMessage, AcResult, TAGS, errors, ref } from '../schemas/common.js';
import { AcActive, AcApplicationAccess, AcPasswordHistory, AcPreferenceOptions, AcPreferences, AcSecurityEvent, AcUserInfo } from '../schemas/self.js';
import { AcUserInfoUpdate } from '../schemas/team.js';
import { resultJson } from '../shapes/common.js';
import { applicationAccessesJson, passwordHistoryJson, securityEventJson, userInfoJson } from '../shapes/self.js';
import { getTeamUserInfo, updateTeamUserInfo } from '../../../core/team/accounts.js';

/** The caller's own account (an anonymous caller is refused by the core before any lookup). */
function own(caller: Caller): Ref {
  return { id: caller.kind === 'user' ? caller.userId : 0 };
}

const SELF = 'The user is the one the authentication token (or session, or API key) stands for.';
const SECURITY = [TAGS.user, TAGS.security];
const FormatValue = (description: string) => Type.Object({
  value: Type.String({ minLength: 1, maxLength: 40, description }),
  label: Type.Optional(Type.String({ maxLength: 200, description: 'Ignored: the label follows the value.' })),
}, { additionalProperties: false });

export const userRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get(`${AC}/user/personal-info`, {
    schema: {
      operationId: 'acGetOwnPersonalInfo',
      tags: [TAGS.user],
      summary: 'Get user personal info',
      description: `Searches and answers the user's personal info: names, username, e-mail address, the customer that made the account (\`groupName\`, null when the user made it), the contact number (\`phone\`, never texted) and the mobile number (\`cellPhone\`, where verification codes and the PIN go) with whether a code proved it, date of birth, sex, status and type. ${SELF}`,
      response: { 200: ref(AcUserInfo, 'The personal info.'), ...errors(401) },
    },
  }, async (request) => userInfoJson(await getTeamUserInfo(core, request.caller, own(request.caller))));

  app.put(`${AC}/user/personal-info`, {
    schema: {
      operationId: 'acUpdateOwnPersonalInfo',
      tags: [TAGS.user],
      summary: 'Update user personal info',
      description: `Updates the user's personal info: the fields given change, those left out stay. The username cannot be changed: a different one is refused (400 naming \`username\`), as are different values of the other read-only fields (\`userPk\`, \`status\`, \`userType\`, \`groupName\`, \`cellPhoneVerified\`). A new \`cellPhone\` waits for the code sent to it ("request a verification code", then "verify verification code") before it takes effect, and a new \`email\` for the link mailed to it; both need \`password\` (the user's), and the verified address is told. Changing a number forgets that it was verified. ${SELF}`,
      body: AcUserInfoUpdate,
      response: { 200: ref(AcUserInfo, 'The personal info, as it is now.'), ...errors(400, 401, 429) },
    },
  }, async (request) => {
    const body = request.body;
    return userInfoJson(await updateTeamUserInfo(core, request.caller, own(request.caller), {
      id: body.userPk, firstName: body.name, lastName: body.surname, username: body.username, email: body.email,
      groupName: body.groupName, phone: body.phone, cellPhone: body.cellPhone, dateOfBirth: body.dateOfBirth, sex: body.sex,
      cellPhoneVerified: body.cellPhoneVerified, status: body.status?.toLowerCase() as 'active' | undefined,
      userType: body.userType?.toLowerCase() as 'interactive' | undefined, password: body.password,
    }));
  });

  app.get(`${AC}/user/preferences`, {
    schema: {
      operationId: 'acGetOwnPreferences',
      tags: [TAGS.user],
      summary: 'Get user preferences',
      description: `Searches and answers the user's preferences: time zone, language, first day of the week, and the number, date and hour formats (each \`{value, label}\`); defaults for what the user never chose (UTC, en, monday, 1,234.56, YYYY-MM-DD, HH:mm). ${SELF}`,
      response: { 200: ref(AcPreferences, 'The preferences.'), ...errors(401) },
    },
  }, async (request) => getAcPreferences(core, request.caller, own(request.caller)));

  app.put(`${AC}/user/preferences`, {
    schema: {
      operationId: 'acUpdateOwnPreferences',
      tags: [TAGS.user],
      summary: 'Update user preferences',
      description: `Updates the user's preferences: the fields given change, those left out stay (the seed marks none required). Each value must be one of the allowed options ("Allowed options for user preferences"); a format is sent as \`{value}\` (a \`label\` is ignored). An unknown value is a 400 naming the field. ${SELF}`,
      body: Type.Object({
        timezone: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'IANA time zone.' })),
        language: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: 'Language code.' })),
        weekBegin: Type.Optional(Type.String({ minLength: 1, maxLength: 16, description: '`monday`, `sunday` or `saturday`.' })),
        numberFormat: Type.Optional(FormatValue('A number format (`1,234.56`).')),
        dateFormat: Type.Optional(FormatValue('A date format (`YYYY-MM-DD`).')),
        hourFormat: Type.Optional(FormatValue('An hour format (`HH:mm`, `h:mm A`).')),
      }, { additionalProperties: false }),
      response: { 200: ref(AcPreferences, 'The preferences, updated.'), ...errors(400, 401) },
    },
  }, async (request) => updateAcPreferences(core, request.caller, own(request.caller), request.body));

  app.get(`${AC}/user/preferences/options`, {
    schema: {
      operationId: 'acListPreferenceOptions',
      tags: [TAGS.user, TAGS.options],
      summary: 'Allowed options for user preferences',
      description: 'Gets every allowed value of each preference field: IANA time zones, first days of the week and languages (`{value, label}`), and the number, date and hour formats (objects mapping each value to its label). Public: no authentication needed.',
      security: [],
      querystring: Type.Object({}, { additionalProperties: false }),
      response: { 200: ref(AcPreferenceOptions, 'The allowed options.'), ...errors([400, 'A query parameter was sent: this operation takes none.']) },
    },
  }, async () => acPreferenceOptions());

  app.get(`${AC}/user/security-events`, {
    schema: {
      operationId: 'acListOwnSecurityEvents',
      tags: SECURITY,
      summary: 'Get user security events',
      description: `Searches and answers the user's security events (logins and failures, lockouts, password, number and second-factor changes, sessions ended), newest first, as a plain array (not a page). \`page\` (from 0) and \`size\` (1 to 100, 20 by default) window it; \`type\` keeps one kind (\`login.succeeded\`); \`exclude-app\` (repeatable) leaves out the events recorded for those applications (an OAuth2 client's id, as \`application\` shows); \`from\` and \`to\` are milliseconds since 1970-01-01 UTC, both included. ${SELF}`,
      querystring: Type.Object({
        size: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20, description: 'Maximum elements to answer (1 to 100).' })),
        page: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0, description: 'The page, from 0.' })),
        type: Type.Optional(Type.String({ minLength: 1, maxLength: 64, description: 'Only events of this type.' })),
        'exclude-app': Type.Optional(Type.Array(Type.String({ minLength: 1, maxLength: 200 }), { maxItems: 50, description: 'Leave out the events of these applications; repeat for several.' })),
        from: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000, description: 'Events at or after this time (epoch milliseconds).' })),
        to: Type.Optional(Type.Integer({ minimum: 0, maximum: 8_639_999_999_999_999, description: 'Events at or before this time (epoch milliseconds).' })),
      }),
      response: { 200: Type.Array(ref(AcSecurityEvent), { description: 'The events, newest first.' }), ...errors(400, 401) },
    },
  }, async (request) => {
    const q = request.query;
    const list = {
      page: (q.page ?? 0) + 1, pageSize: q.size ?? 20, order: [],
      startAt: q.from === undefined ? undefined : new Date(q.from),
      // `to` is included: the core's end is exclusive.
      endsAt: q.to === undefined ? undefined : new Date(q.to + 1),
    };
    const page = await listSecurityEvents(core, request.caller, own(request.caller), list, q.type ? [q.type] : [], q['exclude-app'] ?? []);
    return page.results.map(securityEventJson);
  });

  app.get(`${AC}/user/applications/accesses`, {
    schema: {
      operationId: 'acListOwnApplicationAccesses',
      tags: SECURITY,
      summary: 'Get first and last access for all apps used',
      description: `Gets the first and last access for every application the user used, as a map keyed by the application: a platform application's code, a package's type (an ID token a partner issued for the user into one of its customer's applications) or an OAuth2 client's id (an access token the service's OAuth2 server issued to that client for the user). Each entry also gives the times per customer the application was used for. Most recently used first. ${SELF}`,
      response: { 200: Type.Record(Type.String(), ref(AcApplicationAccess), { description: 'Application → its first and last access.' }), ...errors(401) },
    },
  }, async (request) => applicationAccessesJson(await listOwnApplicationAccesses(core, request.caller)));

  app.get(`${AC}/user/password`, {
    schema: {
      operationId: 'acGetOwnPasswordHistory',
      tags: SECURITY,
      summary: 'Get informations about password history',
      description: `When the user's password was last set, when it expires and today's date, as dates (UTC). A password expires PASSWORD_MAX_AGE_DAYS days after it was set; with the default (0) passwords never expire and \`expireDate\` is null. The expiry is information for clients that ask the user to change it: logins are not refused. ${SELF}`,
      response: { 200: ref(AcPasswordHistory, 'The password\'s dates.'), ...errors(401) },
    },
  }, async (request) => passwordHistoryJson(await getOwnPasswordAge(core, request.caller)));

  app.put(`${AC}/user/password`, {
    schema: {
      operationId: 'acChangeOwnPassword',
      tags: SECURITY,
      summary: 'change password',
      description: `Changes the old password for a new valid one. \`oldPassword\` is checked like a login (wrong ones count toward the lockout; 429 once locked). \`newPassword\` must pass the strength rules (at least PASSWORD_MIN_LENGTH characters, not common, not all digits, not like the username or e-mail address) and may not be the current password or one of the last five. Every other session of the user ends, the owner is mailed, and the change is a security event. The token used for this request stops working with the change: the answer's \`data.token\` is a fresh one, in the same session. Answers the seed's message \`{message, logref, data, errors}\`. ${SELF}`,
      body: Type.Object({
        oldPassword: Type.String({ minLength: 1, maxLength: 256, description: 'The current password.' }),
        newPassword: Type.String({ minLength: 1, maxLength: 256, description: 'The new password.' }),
      }, { additionalProperties: false }),
      response: { 200: ref(AcMessage, 'The password is changed; `data.token` is the caller\'s fresh token.'), ...errors(400, 401, 429) },
    },
  }, async (request) => {
    const { token } = await changeOwnPassword(core, request.caller, request.body);
    return { message: 'The password was changed.', logref: request.id, data: { code: 'OK', status: 200, token }, errors: [] };
  });

  app.get(`${AC}/user/pin`, {
    schema: {
      operationId: 'acGetOwnPinActivation',
      tags: SECURITY,
      summary: 'Get info about the activation of PIN',
      description: `The PIN is the code sent by SMS to the user's mobile number (\`cellPhone\`) when they log in. It is active once that number is verified (a code sent to it came back: "request a verification code", then "verify verification code"); whether login asks for it is the two-factor status. ${SELF}`,
      response: { 200: ref(AcActive, '`active`: the mobile number is verified, so the PIN can be delivered.'), ...errors(401) },
    },
  }, async (request) => ({ active: (await getOwnPin(core, request.caller)).activated }));

  app.post(`${AC}/user/verification-code`, {
    schema: {
      operationId: 'acRequestOwnVerificationCode',
      tags: SECURITY,
      summary: 'request a verification code',
      description: `Requests a verification code for the user's mobile number (\`cellPhone\`, or the new number waiting for its code), sent by SMS: 6 digits, valid 10 minutes (CODE_LIFETIME_SECONDS), good once; asking again replaces the previous code, at most once every 30 seconds (429 before that) and within the per-number send limits. 400 when the user has no mobile number. ${SELF}`,
      response: { 200: ref(AcResult, 'The code was sent.'), ...errors(400, 401, 429) },
    },
  }, async (request) => {
    const sent = await requestOwnPinNumberCode(core, request.caller);
    return resultJson(core, `A verification code was sent by SMS to ${sent.to}; it expires at ${sent.expiresAt.toISOString()}.`);
  });

  app.post(`${AC}/user/verification-code/verify`, {
    schema: {
      operationId: 'acVerifyOwnVerificationCode',
      tags: SECURITY,
      summary: 'verify verification code',
      description: `Verifies that the code is the one last sent and is less than 10 minutes old; the mobile number is then verified (a new number becomes the account's, where the PIN goes). A wrong code is a 400; after 5 wrong codes the code is withdrawn (429) and a new one must be requested. ${SELF}`,
      body: Type.Object({ code: Type.Integer({ minimum: 0, maximum: 999_999, description: 'The verification code (6 digits; leading zeros may be dropped).' }) }, { additionalProperties: false }),
      response: { 200: ref(AcResult, 'The number is verified.'), ...errors(400, 401, 429) },
    },
  }, async (request) => {
    await verifyOwnPinNumberCode(core, request.caller, request.body.code);
    return resultJson(core, 'The mobile number is verified.');
  });

  app.get(`${AC}/user/two-factor`, {
    schema: {
      operationId: 'acGetOwnTwoFactor',
      tags: SECURITY,
      summary: 'get two factor status',
      description: `Whether logging in asks for the PIN: the code sent by SMS to the user's mobile number (the service's second factor by text message). ${SELF}`,
      response: { 200: ref(AcActive, '`active`: login asks for the PIN.'), ...errors(401) },
    },
  }, async (request) => ({ active: (await getOwnPin(core, request.caller)).active }));

  app.put(`${AC}/user/two-factor`, {
    schema: {
      operationId: 'acSetOwnTwoFactor',
      tags: SECURITY,
      summary: 'activate/deactivate two factor for pin',
      description: `Turns the PIN at login on (\`active: true\`) or off. Turning it on needs a verified mobile number (400 \`phone.missing\` or \`phone.not_verified\` otherwise). Turning it off weakens the account, so it needs the user's \`password\` too (an addition to the seed: a stolen token alone cannot do it). Asking for the current state changes nothing. Recorded as a security event. ${SELF}`,
      body: Type.Object({
        active: Type.Boolean({ description: 'The two-factor status wanted.' }),
        password: Type.Optional(Type.String({ minLength: 1, maxLength: 256, description: 'The user\'s password: required to turn it off.' })),
      }, { additionalProperties: false }),
      response: { 200: ref(AcResult, 'The two-factor status is as asked.'), ...errors(400, 401, 429) },
    },
  }, async (request) => {
    const state = await setOwnPin(core, request.caller, request.body);
    return resultJson(core, state.active ? 'Two-factor authentication by PIN is on.' : 'Two-factor authentication by PIN is off.');
  });
};
