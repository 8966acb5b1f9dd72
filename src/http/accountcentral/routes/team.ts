// Accountcentral: team administration. A customer's managers (and those of the partners
// above it, and the broker's staff) administer the accounts the customer made: suspend and
// reactivate, unlock, a new password or PIN, the second factor, associated customers. The
// managers of a customer an account merely joined only read it. Lists of a customer's users
// go through the customer's own permissions.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getTeamUserInfo, getTeamUserLockout, getTeamUserTwoFactor, resetTeamUserPassword, resetTeamUserPin, sendTeamUserCode,
  setTeamUserSuspended, setTeamUserTwoFactor, unlockTeamUser, updateTeamUserInfo, verifyTeamUserCode,
} from '../../../core/team/accounts.js';
import { listApplicationUsers, listCustomerUsers, listFailedLoginUsers, listUsersWithIssues } from '../../../core/team/customer-users.js';
import { associateCustomers, listAssociatedCustomers, removeCustomerAssociations } from '../../../core/team/associations.js';
import { listSecurityEvents } from '../../../core/identity/security-event-queries.js';
import { getPreferences, updatePreferences } from '../../../core/identity/preferences.js';
import { Invalid } from '../../../core/errors.js';
import { AC, AcResult, Paged, TAGS, errors, ref } from '../schemas/common.js';
import {
  AcActive, AcActiveBody, AcApplicationUser, AcApplicationUsersQuery, AcAssociatedCustomer, AcAssociatedCustomersQuery, AcCodeBody,
  AcCustomerUser, AcCustomerUsersQuery, AcFailedLoginUser, AcFailedLoginsQuery, AcGroupPks, AcIssuesQuery, AcLockout, AcNewPassword,
  AcPreferences, AcPreferencesUpdate, AcSecurityEvent, AcSecurityEventsQuery, AcSuspendBody, AcTeamUserInfo, AcUserInfoUpdate,
  AcUserWithIssues, GroupPkParams, ISSUE_DESCRIPTION, UserPkParams,
} from '../schemas/team.js';
import { resultJson, pagedJson, listWindow } from '../shapes/common.js';
import {
  applicationUserJson, associatedCustomerJson, customerUserJson, failedLoginUserJson, preferenceChanges, preferencesJson,
  securityEventJson, sortOrder, teamUserInfoJson, userWithIssuesJson,
} from '../shapes/team.js';
import { SECURITY_EVENTS_LIST } from '../../../core/identity/security-event-queries.js';

const WHO_ADMINISTERS = 'For the managers of the customer that made the account (its `creationGroupPk`), the managers of the partners above it, and the broker\'s staff; '
  + 'a manager of a customer the account merely joined may not (404, as for a user they cannot see).';
const WHO_READS = 'Readable by the user, the managers of the customer that made the account or of a customer the user accepted to join (and of the partners above them), and the broker\'s staff.';
const WHO_LISTS = 'For whoever may read the customer\'s members: its members and managers, the managers of the partners above it, the broker\'s staff.';
const WHO_MANAGES = 'For the customer\'s managers, the managers of the partners above it, and the broker\'s staff.';
const USERS_OF = 'The users of a customer and of its sub-customers (its partner tree, closed customers left out): the accounts they made (`creationGroupPk`) and their accepted members.';

/** The core's field names in a preferences error, as Accountcentral names them. */
const PREFERENCE_FIELDS: Record<string, string> = {
  first_day_of_week: 'weekBegin', number_format: 'numberFormat', date_format: 'dateFormat', time_format: 'hourFormat',
};

export const teamRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const user = (params: { userPk: number }) => ({ id: params.userPk });
  const group = (params: { groupPk: number }) => ({ id: params.groupPk });

  app.post(`${AC}/users/:userPk/pin/reset`, {
    schema: {
      operationId: 'acResetUserPin',
      summary: 'Reset user Pin',
      tags: [TAGS.security, TAGS.users],
      description: `Resets the user's PIN: login codes by SMS are turned off and the mobile number (\`cellPhone\`) is no longer taken as verified, so the user (or a manager) must verify it again with a verification code before the PIN can be turned back on. Codes on their way stop working. Recorded as a \`pin.reset\` security event and mailed to the user. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      response: { 200: ref(AcResult, 'The PIN was reset.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    await resetTeamUserPin(core, request.caller, user(request.params));
    return resultJson(core, 'The PIN was reset.');
  });

  app.post(`${AC}/users/:userPk/password/reset`, {
    schema: {
      operationId: 'acResetUserPassword',
      summary: 'Reset user password',
      tags: [TAGS.security, TAGS.users],
      description: `Gives the user a new random password (20 characters: letters, digits and symbols), answered once as \`newPassword\` and stored only as an argon2id hash. Every session of the user ends, with every token issued in them, and every API key is revoked; a lockout is cleared so the new password works at once. The user is mailed who reset it and what ended. A manager cannot reset their own password here (400 \`user.administer_self\`: use "change password"). The answer is not cached (\`Cache-Control: no-store\`). ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      response: { 200: ref(AcNewPassword, 'The new password, shown this once.'), ...errors(400, 401, 404) },
    },
  }, async (request, reply) => {
    const password = await resetTeamUserPassword(core, request.caller, user(request.params));
    reply.header('cache-control', 'no-store');
    return { ...resultJson(core, 'The password was reset.'), newPassword: password };
  });

  app.get(`${AC}/users/:userPk/security-events`, {
    schema: {
      operationId: 'acGetUserSecurityEvents',
      summary: 'Security events for a single user',
      tags: [TAGS.security, TAGS.users],
      description: `The user's security events (logins and their failures, lockouts, password, PIN, key and status changes), newest first, a page at a time. \`type\` keeps one type; \`from\` and \`to\` (milliseconds since 1970, both included) bound the dates. ${WHO_READS}`,
      params: UserPkParams,
      querystring: AcSecurityEventsQuery,
      response: { 200: Paged(ref(AcSecurityEvent), 'A page of security events, newest first.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const { from, to, type } = request.query;
    const window = listWindow(request.query);
    const list = {
      ...window.core,
      order: SECURITY_EVENTS_LIST.defaultOrder,
      ...(from !== undefined ? { startAt: new Date(from) } : {}),
      ...(to !== undefined ? { endsAt: new Date(to + 1) } : {}),
    };
    const page = await listSecurityEvents(core, request.caller, user(request.params), list, type ? [type] : []);
    return pagedJson(page, window, securityEventJson);
  });

  app.get(`${AC}/customers/:groupPk/users/failed-logins`, {
    schema: {
      operationId: 'acGetFailedLoginUsers',
      summary: 'Get users associated with owned customers that have failed logins',
      tags: [TAGS.security, TAGS.customers],
      description: `${USERS_OF} Those with failed logins in the last \`days\` days (1 to 30; 7 when not given), with how many, how many in a row since their last successful login, the last one, and whether failed logins lock the account now. Most failures first unless \`sort\` says otherwise. ${WHO_MANAGES}`,
      params: GroupPkParams,
      querystring: AcFailedLoginsQuery,
      response: { 200: Paged(ref(AcFailedLoginUser), 'A page of users with failed logins.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listFailedLoginUsers(core, request.caller, group(request.params), request.query.days ?? 7,
      { ...window.core, order: sortOrder(request.query.sort) });
    return pagedJson(page, window, failedLoginUserJson);
  });

  app.post(`${AC}/users/:userPk/verification-code`, {
    schema: {
      operationId: 'acRequestUserVerificationCode',
      summary: 'request a verification code for specific user',
      tags: [TAGS.security, TAGS.users],
      description: `Texts a 6-digit verification code to the user's mobile number (\`cellPhone\`; a new number waiting for its proof gets it). The code is valid 10 minutes (CODE_LIFETIME_SECONDS) and only for that number; asking again withdraws the previous code. At most one text every 30 seconds per user (429 \`code.resend_too_soon\` with Retry-After) and a limit per number. A user without a mobile number: 400 naming \`cellPhone\`. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      response: { 200: ref(AcResult, 'The code is on its way.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    const sent = await sendTeamUserCode(core, request.caller, user(request.params));
    return resultJson(core, `A verification code was sent to ${sent.to}; it expires at ${sent.expiresAt.toISOString()}.`);
  });

  app.post(`${AC}/users/:userPk/verification-code/verify`, {
    schema: {
      operationId: 'acVerifyUserVerificationCode',
      summary: 'verify verification code for a user',
      tags: [TAGS.security, TAGS.users],
      description: `Checks the code texted to the user's mobile number: right and less than 10 minutes old, the number is verified (\`cellPhoneVerified\`). A code works once; a wrong one answers 400 \`code.invalid\`, and after 5 wrong codes it is withdrawn (429): ask for a new one. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      body: AcCodeBody,
      response: { 200: ref(AcResult, 'The mobile number is verified.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    await verifyTeamUserCode(core, request.caller, user(request.params), request.body.code);
    return resultJson(core, 'The mobile number is verified.');
  });

  app.get(`${AC}/users/:userPk/two-factor`, {
    schema: {
      operationId: 'acGetUserTwoFactor',
      summary: 'get two factor status for specific user',
      tags: [TAGS.security, TAGS.users],
      description: `Whether the user's PIN is on: a code by SMS to their verified mobile number at each login. ${WHO_READS}`,
      params: UserPkParams,
      response: { 200: ref(AcActive, 'The two-factor status.'), ...errors(400, 401, 404) },
    },
  }, async (request) => ({ active: await getTeamUserTwoFactor(core, request.caller, user(request.params)) }));

  app.put(`${AC}/users/:userPk/two-factor`, {
    schema: {
      operationId: 'acSetUserTwoFactor',
      summary: 'activate/deactivate two factor for pin for a specific user',
      tags: [TAGS.security, TAGS.users],
      description: `Turns the user's PIN (a code by SMS at each login) on or off. On needs a verified mobile number (400 \`phone.not_verified\` naming \`active\` otherwise). Asking for the state it already has changes nothing. Recorded as an \`otp.changed\` security event. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      body: AcActiveBody,
      response: { 200: ref(AcResult, 'The PIN is on or off.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const active = await setTeamUserTwoFactor(core, request.caller, user(request.params), request.body.active);
    return resultJson(core, active ? 'The PIN is on.' : 'The PIN is off.');
  });

  app.get(`${AC}/users/:userPk`, {
    schema: {
      operationId: 'acGetTeamUserInfo',
      summary: 'Get info user',
      tags: [TAGS.users],
      description: `A user's personal info (UserInfo), with \`suspensionInfo\` (reason, when, by whom) while the account is suspended or disabled, null while it is active. \`cellPhone\` is the mobile number verification codes and the PIN go to; \`phone\` a contact number. ${WHO_READS}`,
      params: UserPkParams,
      response: { 200: ref(AcTeamUserInfo, 'The user.'), ...errors(400, 401, 404) },
    },
  }, async (request) => teamUserInfoJson(await getTeamUserInfo(core, request.caller, user(request.params))));

  app.put(`${AC}/users/:userPk`, {
    schema: {
      operationId: 'acUpdateTeamUserInfo',
      summary: 'Modify info of user',
      tags: [TAGS.users],
      description: `Changes a user's personal info: the fields given, the others stay. The username cannot change (a different one is refused, as are different values of the other read-only fields: \`userPk\`, \`status\` (see "suspend or reactivate a user"), \`userType\`, \`groupName\`, \`cellPhoneVerified\` (see the verification code)). A new \`cellPhone\` waits for the code sent to it before it takes effect, and a new \`email\` for the link mailed to it; both need \`password\`, the password of the user making the request, and the user's verified address is told. Changing \`phone\` or \`cellPhone\` forgets that it was verified. For the user, the managers of the customer that made the account (and of the partners above it), and the broker's staff. Answers the user as it is now.`,
      params: UserPkParams,
      body: AcUserInfoUpdate,
      response: { 200: ref(AcTeamUserInfo, 'The user, changed.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    const body = request.body;
    const changed = await updateTeamUserInfo(core, request.caller, user(request.params), {
      id: body.userPk, firstName: body.name, lastName: body.surname, username: body.username, email: body.email,
      groupName: body.groupName, phone: body.phone, cellPhone: body.cellPhone, dateOfBirth: body.dateOfBirth, sex: body.sex,
      cellPhoneVerified: body.cellPhoneVerified, status: body.status?.toLowerCase() as 'active' | undefined,
      userType: body.userType?.toLowerCase() as 'interactive' | undefined, password: body.password,
    });
    return teamUserInfoJson(changed);
  });

  app.put(`${AC}/users/:userPk/suspension`, {
    schema: {
      operationId: 'acSuspendOrReactivateUser',
      summary: 'suspend or reactivate a user',
      tags: [TAGS.users],
      description: `\`suspended: true\` suspends the account: the user can no longer log in, and every session and token of theirs and every API key stop working at once (reactivating does not bring them back). The user is mailed. \`false\` makes a suspended or disabled account active again. Suspending a suspended account, or reactivating an active one, answers 409 (\`user.already_suspended\`, \`user.already_active\`). A manager cannot suspend their own account (400 \`user.suspend_self\`). \`reason\`, an addition, is kept in \`suspensionInfo\`. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      body: AcSuspendBody,
      response: { 200: ref(AcResult, 'The account is suspended or active.'), ...errors(400, 401, 404, 409) },
    },
  }, async (request) => {
    const status = await setTeamUserSuspended(core, request.caller, user(request.params), request.body.suspended, request.body.reason);
    return resultJson(core, status === 'active' ? 'The user was reactivated.' : 'The user was suspended.');
  });

  app.get(`${AC}/users/:userPk/lockout`, {
    schema: {
      operationId: 'acGetUserLockout',
      summary: 'retrieve info about lockout for user',
      tags: [TAGS.users],
      description: `Whether failed logins lock the account now (for everyone: one address locked out alone does not count), and until when. ${WHO_READS}`,
      params: UserPkParams,
      response: { 200: ref(AcLockout, 'The lockout.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const lockout = await getTeamUserLockout(core, request.caller, user(request.params));
    return { lockedOut: lockout.lockedOut, lockExpirationDate: lockout.lockExpirationDate?.toISOString() ?? null };
  });

  app.delete(`${AC}/users/:userPk/lockout`, {
    schema: {
      operationId: 'acUnlockUser',
      summary: 'unlock user resetting lockout attempts',
      tags: [TAGS.users],
      description: `Forgets the failed logins counted against the user's username and e-mail address, from every address: a lockout ends at once. Recorded as an \`account.unlocked\` security event. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      response: { 200: ref(AcResult, 'The user is unlocked.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    await unlockTeamUser(core, request.caller, user(request.params));
    return resultJson(core, 'The lockout attempts were reset.');
  });

  app.get(`${AC}/users/:userPk/customers`, {
    schema: {
      operationId: 'acGetAssociatedCustomers',
      summary: 'Get associated customers',
      tags: [TAGS.users, TAGS.customers],
      description: `The customers the user is associated with (holds an accepted role on), by name; \`creationGroup\` marks the one that made the account. \`groupName\` keeps those whose name contains it (or starts with it, with \`groupNameMode=startsWith\`), ignoring case. The user and the broker's staff see every one; a manager sees those they relate to. ${WHO_READS}`,
      params: UserPkParams,
      querystring: AcAssociatedCustomersQuery,
      response: { 200: Paged(ref(AcAssociatedCustomer), 'A page of customers.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listAssociatedCustomers(core, request.caller, user(request.params),
      { value: request.query.groupName, mode: request.query.groupNameMode }, window.core);
    return pagedJson(page, window, associatedCustomerJson);
  });

  app.post(`${AC}/users/:userPk/customers`, {
    schema: {
      operationId: 'acAssociateCustomers',
      summary: 'Associate customers',
      tags: [TAGS.users, TAGS.customers],
      description: `Associates the user with customers, given as an array of \`groupPk\`: the user gets the member role (\`contributor\`) on each, active at once (a pending invitation or request of the user there is accepted). Each customer must be one the caller manages (404 or 403 as for the customer otherwise), and have a seat left; one refused and none is associated. A customer the user is already associated with is left as it is, so asking again changes nothing. The user is mailed for each new association. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      body: AcGroupPks,
      response: { 200: ref(AcResult, 'The user is associated.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const added = await associateCustomers(core, request.caller, user(request.params), request.body);
    return resultJson(core, `The user was associated with ${added} new customer${added === 1 ? '' : 's'}.`);
  });

  app.delete(`${AC}/users/:userPk/customers`, {
    schema: {
      operationId: 'acRemoveCustomersAssociation',
      summary: 'Remove customers association',
      tags: [TAGS.users, TAGS.customers],
      description: `Removes the user's associations. The seed gives this operation no body: without one, the user loses every role (pending ones included) on every customer the caller manages, and keeps those on customers the caller does not manage. An addition: a body with an array of \`groupPk\` removes only those (each must be one the caller manages; one the user is not associated with is skipped). A customer is never left without a manager (409 \`role.last_manager\`, and nothing is removed). The account itself stays, with the customer that made it. ${WHO_ADMINISTERS}`,
      params: UserPkParams,
      body: Type.Union([AcGroupPks, Type.Object({}, { additionalProperties: false, description: 'No body (or `{}`): every customer the caller manages.' })]),
      response: { 200: ref(AcResult, 'The associations are removed.'), ...errors(400, 401, 403, 404, 409) },
    },
  }, async (request) => {
    // The surface turns a request without a body into `{}`: that is "no list".
    const ids = Array.isArray(request.body) ? request.body : undefined;
    const removed = await removeCustomerAssociations(core, request.caller, user(request.params), ids);
    return resultJson(core, `The user was removed from ${removed} customer${removed === 1 ? '' : 's'}.`);
  });

  app.get(`${AC}/users/:userPk/preferences`, {
    schema: {
      operationId: 'acGetTeamUserPreferences',
      summary: 'Get user preferences',
      tags: [TAGS.users],
      description: `A user of the team's preferences: time zone, language, first day of the week, number, date and hour formats (each \`{value, label}\`, one of the allowed options); defaults for what was never chosen. ${WHO_READS}`,
      params: UserPkParams,
      response: { 200: ref(AcPreferences, 'The preferences.'), ...errors(400, 401, 404) },
    },
  }, async (request) => preferencesJson(await getPreferences(core, request.caller, user(request.params))));

  app.put(`${AC}/users/:userPk/preferences`, {
    schema: {
      operationId: 'acUpdateTeamUserPreferences',
      summary: 'Update user preferences',
      tags: [TAGS.users],
      description: 'Changes a user of the team\'s preferences: those given, each one of the allowed options (the formats by `value`); an unknown value is refused naming its field. For the user, the managers of the customer that made the account (and of the partners above it), and the broker\'s staff.',
      params: UserPkParams,
      body: AcPreferencesUpdate,
      response: { 200: ref(AcPreferences, 'The preferences, changed.'), ...errors(400, 401, 404) },
    },
  }, async (request) => {
    try {
      return preferencesJson(await updatePreferences(core, request.caller, user(request.params), preferenceChanges(request.body)));
    } catch (error) {
      if (!(error instanceof Invalid)) throw error;
      throw new Invalid(Object.fromEntries(Object.entries(error.fields)
        .map(([field, messages]) => [PREFERENCE_FIELDS[field] ?? field, messages.map((m) => m.replace(/; see .*$/, '.'))])));
    }
  });

  app.get(`${AC}/customers/:groupPk/users`, {
    schema: {
      operationId: 'acGetCustomerUsers',
      summary: 'Get users associated with owned customers',
      tags: [TAGS.customers],
      description: `${USERS_OF} \`search\` looks in name, surname, username and e-mail; \`userType\` and \`status\` filter; \`sort\` orders (ascending unless \`,desc\`; by username by default). ${WHO_LISTS}`,
      params: GroupPkParams,
      querystring: AcCustomerUsersQuery,
      response: { 200: Paged(ref(AcCustomerUser), 'A page of users.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const { search, userType, status } = request.query;
    const page = await listCustomerUsers(core, request.caller, group(request.params), {
      search,
      userType: userType?.toLowerCase() as 'interactive' | undefined,
      status: status?.toLowerCase() as 'active' | undefined,
    }, { ...window.core, order: sortOrder(request.query.sort) });
    return pagedJson(page, window, customerUserJson);
  });

  app.get(`${AC}/customers/:groupPk/application-users`, {
    schema: {
      operationId: 'acGetApplicationUsers',
      summary: 'Get application users associated with owned customers with secret creation informations',
      tags: [TAGS.customers],
      description: `The application users (\`userType\` APPLICATION: credentials for an application) of the customer and its sub-customers, with when their credentials in use were made (the live API key, else the password), by whom, and of what kind. Never a secret. ${WHO_MANAGES}`,
      params: GroupPkParams,
      querystring: AcApplicationUsersQuery,
      response: { 200: Paged(ref(AcApplicationUser), 'A page of application users.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listApplicationUsers(core, request.caller, group(request.params), { ...window.core, order: sortOrder(request.query.sort) });
    return pagedJson(page, window, applicationUserJson);
  });

  app.get(`${AC}/customers/:groupPk/users/issues`, {
    schema: {
      operationId: 'acGetUsersWithIssues',
      summary: 'Get users associated with owned customers that have issues',
      tags: [TAGS.customers],
      description: `${USERS_OF} Those with at least one issue, each with the list of them (\`issues\`; \`sort=issues,desc\` puts those with the most first). The seed does not define an issue; ours are: ${ISSUE_DESCRIPTION} ${WHO_MANAGES}`,
      params: GroupPkParams,
      querystring: AcIssuesQuery,
      response: { 200: Paged(ref(AcUserWithIssues), 'A page of users with issues.'), ...errors(400, 401, 403, 404) },
    },
  }, async (request) => {
    const window = listWindow(request.query);
    const page = await listUsersWithIssues(core, request.caller, group(request.params), { ...window.core, order: sortOrder(request.query.sort) });
    return pagedJson(page, window, userWithIssuesJson);
  });
};
