// /api/users/...: user profiles and contacts, and the credentials a user manages
// themselves (password, API key, SSH key, second factors, notification choices).
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  USER_LIST_SPEC, createContact, deleteAccount, getProfile, listUsers, resendActivation, updateProfile,
} from '../../../core/identity/accounts.js';
import { confirmEmailChange, undoEmailChange } from '../../../core/identity/email-change.js';
import {
  changePassword, getOtpSettings, regenerateRecoveryCodes, resetUserApiKey, updateOtpSettings, updateSshKey, MAX_SSH_KEY_LENGTH,
} from '../../../core/identity/credentials.js';
import { OTP_SETUP_SECONDS } from '../../../core/identity/otp.js';
import { NOTIFICATION_NAMES, getNotifications, listNotificationOptions, setNotifications } from '../../../core/identity/notifications.js';
import { setSessionCookie } from '../../session-cookie.js';
import { ListParams, PageOf, pageEnvelope, toListQuery } from '../pages.js';
import { Detail, NoContent, UserParams, errors, ref } from '../schemas/common.js';
import { User, UserProfile, UserProfileCreate, UserProfilePatch, UserProfileUpdate } from '../schemas/users.js';
import { userJson, userProfileJson } from '../shapes/users.js';

const USERS = ['users'];

const CallerPassword = Type.String({ minLength: 1, maxLength: 256, description: 'Password of the user making the request.' });

const PasswordChange = Type.Object({
  password: CallerPassword,
  new_password: Type.String({ minLength: 1, maxLength: 256, description: 'New password for the user named in the URL.' }),
}, { additionalProperties: false });
const PasswordChanged = Type.Object({
  detail: Type.String(),
  token: Type.String({ description: 'A fresh token for the caller, in the session the request was made with (a new one for an API key): the other sessions of the user ended.' }),
}, { description: 'The password is changed.' });
const notificationNames = Type.Array(Type.String({ maxLength: 100 }), {
  maxItems: 100,
  description: `Names of the e-mail notifications the user receives, among: ${NOTIFICATION_NAMES.join(', ')}.`,
});
const NotificationsBody = Type.Object({ notifications: notificationNames }, { additionalProperties: false });
const Notifications = (description: string) => Type.Object({ notifications: notificationNames }, { description });

export const usersRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;

  app.get('/users/', {
    schema: {
      operationId: 'listUsers',
      tags: USERS,
      summary: 'Lists users',
      description: 'A page of user accounts and contacts, for the broker\'s managers. `q` searches username, e-mail, full name and nick name; '
        + 'order with `o` (created_at, slug, email, full_name; repeatable, `-` reverses) and `ot`; `start_at`/`ends_at` filter on creation time.',
      querystring: ListParams,
      response: { 200: PageOf(ref(User), 'A page of users.'), ...errors(400, 401, 403) },
    },
  }, async (request) => {
    const list = toListQuery(request.query, USER_LIST_SPEC, config);
    const page = await listUsers(core, request.caller, list);
    return pageEnvelope(request, config, list, page, userJson);
  });

  const createSchema = {
    summary: 'Creates a contact',
    description: 'Records a person the broker\'s team keeps track of: a user without login credentials (`credentials` is false). '
      + 'The username is derived from the e-mail address. For the broker\'s managers.',
    body: UserProfileCreate,
    response: { 201: ref(UserProfile, 'The contact, created.'), ...errors(400, 401, 403) },
  };
  app.post('/users/', { schema: { tags: USERS, operationId: 'createUser', ...createSchema } }, async (request, reply) => {
    reply.code(201);
    return userProfileJson(await createContact(core, request.caller, request.body));
  });

  app.get('/users/:user/', {
    schema: {
      operationId: 'getUser',
      tags: USERS,
      summary: 'Retrieves a user profile',
      description: 'The profile of one user. Users read their own; the broker\'s managers read anyone\'s and also see the activities '
        + 'recorded with the user (newest first; empty for other callers).',
      params: UserParams,
      response: { 200: ref(UserProfile, 'The user.'), ...errors(400, 401, 404) },
    },
  }, async (request) => userProfileJson(await getProfile(core, request.caller, { slug: request.params.user })));

  const updateDescription = 'Changes the profile. Changing the e-mail address needs `password`, the password of the user making the request. '
    + 'For an account that can log in, the new address takes effect only once confirmed through the link mailed to it '
    + '(`POST /api/auth/email/{key}/`), and the former address is then told and given a link to undo the change. '
    + 'The answer is the same whether or not the new address belongs to another account (its owner is told instead). '
    + 'A contact without a password takes the new address at once, unverified.';
  app.put('/users/:user/', {
    schema: { tags: USERS, operationId: 'updateUser', summary: 'Updates a user profile', description: updateDescription, params: UserParams, body: UserProfileUpdate, response: { 200: ref(UserProfile, 'The user, updated.'), ...errors(400, 401, 404) } },
  }, async (request) => userProfileJson(await updateProfile(core, request.caller, { slug: request.params.user }, request.body)));
  app.patch('/users/:user/', {
    schema: { tags: USERS, operationId: 'patchUser', summary: 'Updates part of a user profile', description: `${updateDescription} Only the fields given change.`, params: UserParams, body: UserProfilePatch, response: { 200: ref(UserProfile, 'The user, updated.'), ...errors(400, 401, 404) } },
  }, async (request) => userProfileJson(await updateProfile(core, request.caller, { slug: request.params.user }, request.body)));

  const limited = { rateLimit: { max: config.authRateLimit.max, timeWindow: config.authRateLimit.windowSeconds * 1000 } };
  const EmailKey = Type.Object({ key: Type.String({ minLength: 1, maxLength: 200, description: 'Key from the link mailed to the address.' }) });
  const EmailAnswer = (description: string) => Type.Object({ detail: Type.String(), email: Type.String({ description: 'The address of the account now.' }) }, { description });
  app.post('/auth/email/:key/', {
    config: limited,
    schema: {
      operationId: 'confirmEmailChange',
      tags: USERS,
      summary: 'Confirms a new e-mail address',
      description: 'Uses the link mailed to a new address (once): the address becomes the account\'s, verified. The former address is '
        + 'mailed a link to undo the change. Does not log anyone in.',
      security: [],
      params: EmailKey,
      response: { 200: EmailAnswer('The new address is the account\'s.'), ...errors(400, 404, 429) },
    },
  }, async (request) => {
    const { email } = await confirmEmailChange(core, request.caller, request.params.key);
    return { detail: 'Your e-mail address is confirmed.', email };
  });
  app.post('/auth/email/:key/undo/', {
    config: limited,
    schema: {
      operationId: 'undoEmailChange',
      tags: USERS,
      summary: 'Undoes an e-mail address change',
      description: 'Uses the link mailed to the former address after a change (once, within a week): the former address becomes the '
        + 'account\'s again and a password reset link is mailed to it. Works even if the password was changed since.',
      security: [],
      params: EmailKey,
      response: { 200: EmailAnswer('The former address is the account\'s again.'), ...errors(400, 404, 429) },
    },
  }, async (request) => {
    const { email } = await undoEmailChange(core, request.caller, request.params.key);
    return { detail: 'Your e-mail address is back. We mailed you a link to choose a new password.', email };
  });

  app.delete('/users/:user/', {
    schema: {
      operationId: 'deleteUser',
      tags: USERS,
      summary: 'Deletes a user account',
      description: 'Anonymizes the account: personal data and credentials are removed, the username and e-mail address become free, '
        + 'and the history (security events, activities) stays. Refused while the user is the only manager of an organization.',
      params: UserParams,
      response: { 204: NoContent('Deleted.'), ...errors(400, 401, 404, [409, 'The user is the only manager of an organization.']) },
    },
  }, async (request, reply) => {
    await deleteAccount(core, request.caller, { slug: request.params.user });
    return reply.code(204).send(null);
  });

  app.post('/users/:user/activate/', {
    schema: {
      operationId: 'resendActivation',
      tags: USERS,
      summary: 'Re-sends an activation link',
      description: 'Mails a new activation link to a user whose e-mail address is not verified yet.',
      params: UserParams,
      response: { 200: ref(User, 'The user; a new activation link is on its way.'), ...errors(400, 401, 404) },
    },
  }, async (request) => userJson(await resendActivation(core, request.caller, { slug: request.params.user })));

  const passwordDescription = '`password` is the password of the user making the request; `new_password` becomes the password of the user named '
    + 'in the URL. Every other session of that user ends (all of them when the caller changes someone else\'s password); the '
    + 'caller\'s session stays, and the answer carries a fresh token of it. API keys stay: a password reset revokes them.';
  for (const method of ['put', 'patch'] as const) {
    app[method]('/users/:user/password/', {
      schema: {
        tags: USERS, operationId: method === 'put' ? 'changePassword' : 'changePasswordPatch', summary: 'Changes a user password',
        description: passwordDescription, params: UserParams, body: PasswordChange, response: { 200: PasswordChanged, ...errors(400, 401, 404, 429) },
      },
    }, async (request, reply) => {
      const { token } = await changePassword(core, request.caller, { slug: request.params.user }, request.body);
      // The caller's session cookie predates the change: give them one that still works.
      if (request.caller.kind === 'user' && request.caller.via === 'session') setSessionCookie(reply, config, token);
      return { detail: 'Password updated successfully.', token };
    });
  }

  app.post('/users/:user/api-keys/', {
    schema: {
      operationId: 'resetApiKey',
      tags: USERS,
      summary: 'Resets a user secret API key',
      description: 'Revokes the user\'s API key and makes a new one, shown only in this answer. Send it as the user name of HTTP Basic '
        + 'authentication with an empty password. Needs the password of the user making the request.',
      params: UserParams,
      body: Type.Object({ password: CallerPassword }, { additionalProperties: false }),
      response: { 200: Type.Object({ secret: Type.String({ description: 'The secret API key.' }) }, { description: 'The new key, shown only here.' }), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => ({ secret: await resetUserApiKey(core, request.caller, { slug: request.params.user }, request.body) }));

  app.put('/users/:user/ssh-keys/', {
    schema: {
      operationId: 'updateSshKey',
      tags: USERS,
      summary: 'Updates a user public SSH key',
      description: 'Sets the OpenSSH public key (ssh-rsa, ssh-ed25519 or ecdsa-sha2-nistp256/384/521, optional comment). '
        + 'Needs the password of the user making the request.',
      params: UserParams,
      body: Type.Object({
        pubkey: Type.String({ minLength: 1, maxLength: MAX_SSH_KEY_LENGTH, description: 'Public key in OpenSSH format.' }),
        password: CallerPassword,
      }, { additionalProperties: false }),
      response: { 200: ref(Detail, 'The key is set.'), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => {
    await updateSshKey(core, request.caller, { slug: request.params.user }, request.body);
    return { detail: 'Public key updated successfully.' };
  });

  const RecoveryCodes = Type.Array(Type.String(), {
    description: 'Ten single-use recovery codes, shown only in this answer: each one logs in once in place of a code from the app (as `code`).',
  });
  app.get('/users/:user/otp/', {
    schema: {
      operationId: 'getOtp',
      tags: USERS,
      summary: 'Retrieves a user second factors',
      description: 'Whether the authenticator app, a code by e-mail and a code by SMS are asked for at login, and how many recovery codes '
        + 'are left unused. Never the seed nor the codes. For the user and the broker\'s managers.',
      params: UserParams,
      response: {
        200: Type.Object({
          otp_enabled: Type.Boolean({ description: 'The authenticator app is asked for at login.' }),
          email_verification_enabled: Type.Boolean({ description: 'A code by e-mail is asked for at login.' }),
          phone_verification_enabled: Type.Boolean({ description: 'A code by SMS is asked for at login.' }),
          recovery_codes_left: Type.Integer({ description: 'Recovery codes not used yet (0 while the authenticator app is off).' }),
        }, { description: 'The second factors as they are.' }),
        ...errors(400, 401, 404),
      },
    },
  }, async (request) => getOtpSettings(core, request.caller, { slug: request.params.user }));

  app.put('/users/:user/otp/', {
    schema: {
      operationId: 'updateOtp',
      tags: USERS,
      summary: 'Changes a user second factors',
      description: 'Turns on or off the authenticator app (`otp_enabled`), a code by e-mail and a code by SMS at login. '
        + 'Turning the authenticator on takes two calls: `"otp_enabled": true` answers a new seed (`priv_key`) and its '
        + '`otpauth://` URI, shown only once and not in use yet; the same call with `code`, a first code from the app, within '
        + `${OTP_SETUP_SECONDS / 60} minutes, turns it on and answers ten single-use recovery codes. A seed already in use keeps `
        + 'working until the new one is confirmed. Turning it off forgets the seed and the recovery codes. '
        + 'Needs the password of the user making the request.',
      params: UserParams,
      body: Type.Object({
        password: CallerPassword,
        otp_enabled: Type.Optional(Type.Boolean()),
        email_verification_enabled: Type.Optional(Type.Boolean()),
        phone_verification_enabled: Type.Optional(Type.Boolean()),
        code: Type.Optional(Type.Union([
          Type.Integer({ minimum: 0, maximum: 999999 }),
          Type.String({ pattern: '^\\d{1,6}$' }),
        ], { description: 'A first code from the authenticator app, confirming the seed answered by the previous call.' })),
      }, { additionalProperties: false }),
      response: {
        200: Type.Union([
          Type.Object({
            priv_key: Type.String({ description: 'Base32 seed to enter in an authenticator app.' }),
            provisioning_uri: Type.String({ description: 'otpauth:// URI, usually shown as a QR code; it names the site.' }),
          }),
          Type.Object({
            otp_enabled: Type.Boolean(),
            email_verification_enabled: Type.Boolean(),
            phone_verification_enabled: Type.Boolean(),
            recovery_codes: Type.Optional(RecoveryCodes),
          }),
        ], { description: 'A new seed to confirm, or the second factors as they are now (with recovery codes when the authenticator was just turned on).' }),
        ...errors(400, 401, 404, 429),
      },
    },
  }, async (request) => {
    const { kind: _kind, ...result } = await updateOtpSettings(core, request.caller, { slug: request.params.user }, request.body);
    return result;
  });

  app.post('/users/:user/otp/recovery-codes/', {
    schema: {
      operationId: 'regenerateRecoveryCodes',
      tags: USERS,
      summary: 'Makes new recovery codes',
      description: 'Replaces the recovery codes of the authenticator app with ten new ones, shown only in this answer; the old ones '
        + 'stop working. Needs the authenticator turned on and the password of the user making the request.',
      params: UserParams,
      body: Type.Object({ password: CallerPassword }, { additionalProperties: false }),
      response: { 200: Type.Object({ recovery_codes: RecoveryCodes }, { description: 'The new codes, shown only here.' }), ...errors(400, 401, 404, 429) },
    },
  }, async (request) => ({ recovery_codes: await regenerateRecoveryCodes(core, request.caller, { slug: request.params.user }, request.body) }));

  app.get('/users/notifications/options/', {
    schema: {
      operationId: 'listNotificationOptions',
      tags: USERS,
      summary: 'Lists the notifications a user may choose',
      description: 'Every e-mail notification a user may opt in to or out of, with a label to show. For any signed-in user. '
        + 'Addition from Accountcentral (not in DjaoApp).',
      response: {
        200: Type.Array(Type.Object({ value: Type.String({ description: 'The name, as in the notifications list.' }), label: Type.String() }),
          { description: 'Every notification, in the order lists keep.' }),
        ...errors(401),
      },
    },
  }, async (request) => listNotificationOptions(request.caller));

  app.get('/users/:user/notifications/', {
    schema: {
      operationId: 'getNotifications',
      tags: USERS,
      summary: 'Lists a user notification choices',
      description: 'The e-mail notifications the user receives; all of them until the user chooses.',
      params: UserParams,
      response: { 200: Notifications('The notifications the user receives.'), ...errors(400, 401, 404) },
    },
  }, async (request) => ({ notifications: await getNotifications(core, request.caller, { slug: request.params.user }) }));
  const notificationsDescription = 'Replaces the list of e-mail notifications the user receives. Unknown names are refused.';
  for (const method of ['put', 'patch', 'post'] as const) {
    app[method]('/users/:user/notifications/', {
      schema: {
        tags: USERS,
        operationId: { put: 'setNotifications', patch: 'patchNotifications', post: 'postNotifications' }[method],
        summary: 'Changes a user notification choices',
        description: notificationsDescription,
        params: UserParams,
        body: NotificationsBody,
        response: { 200: Notifications('The notifications the user receives now.'), ...errors(400, 401, 404) },
      },
    }, async (request) => ({ notifications: await setNotifications(core, request.caller, { slug: request.params.user }, request.body.notifications) }));
  }
};
