// /account/...: registration, login, e-mail verification (both variants) and password reset
// with its cooldown (A1-A7). Paths the seed lost are chosen in its style and tagged so.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  loginForTokens, registerWithPassword, resetPasswordForTokens, verifyEmailForTokens,
} from '../../../core/identity/token-answers.js';
import { recoverWithCooldown, resetCooldown } from '../../../core/identity/recovery.js';
import { GetChatMessage, GetChatPasswordResetState, GetChatTokenResponse } from '../schemas/auth.js';
import { TAGS, errors, ref } from '../schemas/common.js';

const Email = (description: string) => Type.String({ format: 'email', maxLength: 254, description });
/** The seed's bound (4096); the password rules then ask for at most 256 characters, by name. */
const Password = (description: string) => Type.String({ minLength: 1, maxLength: 4096, description });
const Token = Type.String({ minLength: 1, maxLength: 200, description: 'One-time token that was sent to the email.' });

const Credentials = Type.Object({
  email: Email('The e-mail address (a username works too).'),
  password: Password('The password.'),
}, { additionalProperties: false });

const Registration = Type.Object({
  email: Email('The e-mail address to register.'),
  password: Password('The password of the new account (checked against the password rules).'),
}, { additionalProperties: false });

const Verification = Type.Object({
  token: Token,
  password: Type.Optional(Password('Chooses the password now (required for an account that has none yet, such as an invitee\'s); otherwise the password given at registration stays.')),
}, { additionalProperties: false });

const ResetRequest = Type.Object({ email: Email('The e-mail address of the account.') }, { additionalProperties: false });
const ResetConfirm = Type.Object({
  token: Token,
  password: Password('A new password that will be changed for the user.'),
}, { additionalProperties: false });

const Tokens = (what: string) => ref(GetChatTokenResponse, what);

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  // Per client address: these are the routes worth guessing at.
  const limited = { rateLimit: { max: core.config.authRateLimit.max, timeWindow: core.config.authRateLimit.windowSeconds * 1000 } };

  app.post('/account/login', {
    config: limited,
    schema: {
      operationId: 'getchatLogin',
      summary: 'Login a user by the given email and password',
      description: 'Login a user by the given email and password and returns an access token (for the header '
        + '`Authorization: Bearer {access_token}`), valid `expires_in` seconds. A wrong password and an unknown address '
        + 'get the same answer; too many failures lock the address for a while (429), whether or not an account has it.',
      tags: [TAGS.auth],
      security: [],
      body: Credentials,
      response: { 200: Tokens('Logged in.'), ...errors(400, [403, 'The account cannot log in (suspended or disabled).'], 429, 503) },
    },
  }, async (request) => loginForTokens(core, request.caller, request.body.email, request.body.password));

  app.post('/account/register', {
    config: limited,
    schema: {
      operationId: 'getchatRegister',
      summary: 'Register a new user on the platform',
      description: 'Registers a new user only if the email does not exist yet, and mails a one-time token to verify '
        + 'the address (`POST /account/verify-email` answers the tokens). Unlike the seed it does not answer tokens '
        + 'itself: the answer is the same whether or not the address is registered, so nobody can learn which '
        + 'addresses have accounts. When it is taken, nothing changes and its owner is mailed a password-reset link.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      body: Registration,
      response: { 202: ref(GetChatMessage, 'Accepted: an e-mail is on its way to the address.'), ...errors(400, 429) },
    },
  }, async (request, reply) => {
    const answer = await registerWithPassword(core, request.caller, request.body.email, request.body.password);
    return reply.code(202).send({ message: answer.detail, code: 'registration.requested', description: `An e-mail is on its way to ${answer.email}.` });
  });

  app.get('/account/verify-email', {
    config: limited,
    schema: {
      operationId: 'getchatVerifyEmailRedirect',
      summary: 'Verify the user email and redirect to the frontend',
      description: 'A way of verifying user email that redirects the browser to the frontend page (the site\'s home), '
        + 'where the user logs in with the password chosen at registration; a client that accepts JSON gets the message '
        + 'body instead of the redirect. An unknown, used or expired token answers the error body.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      querystring: Type.Object({ token: Token }, { additionalProperties: false }),
      response: {
        200: ref(GetChatMessage, 'Verified, to a client that accepts JSON (`Accept: application/json`) rather than a redirect.'),
        303: Type.Null({ description: 'Verified: to the frontend page in the `Location` header.' }),
        ...errors(400, [403, 'The account cannot log in (suspended or disabled).'], [404, 'The token is unknown, used or expired.'], 429),
      },
    },
  }, async (request, reply) => {
    await verifyEmailForTokens(core, request.caller, request.query.token);
    if ((request.headers.accept ?? '').includes('application/json')) {
      return reply.code(200).send({ message: 'Your e-mail address is verified: log in.', code: 'email.verified', description: 'Your e-mail address is verified: log in with your password.' });
    }
    return reply.code(303).header('location', core.links.site()).send(null);
  });

  app.post('/account/verify-email', {
    config: limited,
    schema: {
      operationId: 'getchatVerifyEmail',
      summary: 'Default way of verifying user email address',
      description: 'Verifies the address with the mailed one-time token and logs the user in. The password given at '
        + 'registration stays unless `password` chooses another; an account without one (an invitee registered by '
        + 'someone else) must choose it here.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      body: Verification,
      response: {
        200: Tokens('Verified and logged in.'),
        ...errors(400, [403, 'The account cannot log in (suspended or disabled).'], [404, 'The token is unknown, used or expired.'], 429),
      },
    },
  }, async (request) => verifyEmailForTokens(core, request.caller, request.body.token, request.body.password));

  app.post('/account/reset-password', {
    config: limited,
    schema: {
      operationId: 'getchatRequestPasswordReset',
      summary: 'Send a one-time token to reset the password',
      description: 'Sends a message to the requested email with a one-time token to reset the password, if an account '
        + 'has it (the answer is the same either way), and answers the cooldown before another may be asked. '
        + 'Past the limit of the window it answers 429 with Retry-After.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      body: ResetRequest,
      response: { 200: ref(GetChatPasswordResetState, 'Asked; the cooldown that follows.'), ...errors(400, 429) },
    },
  }, async (request) => recoverWithCooldown(core, request.caller, request.body.email).then((state) => ({
    email: state.email, next_reset_password_at: state.next_reset_password_at.toISOString(),
  })));

  app.post('/account/reset-password/cooldown', {
    config: limited,
    schema: {
      operationId: 'getchatPasswordResetCooldown',
      summary: 'Show the cooldown for resetting the password',
      description: 'Shows when a reset e-mail may next be asked for the given address (now, when it already may). '
        + 'Counted on the address whether or not an account has it. A POST so the address stays out of URLs and logs.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      body: ResetRequest,
      response: { 200: ref(GetChatPasswordResetState, 'The cooldown.'), ...errors(400, 429) },
    },
  }, async (request) => resetCooldown(core, request.caller, request.body.email).then((state) => ({
    email: state.email, next_reset_password_at: state.next_reset_password_at.toISOString(),
  })));

  app.post('/account/reset-password/confirm', {
    config: limited,
    schema: {
      operationId: 'getchatResetPassword',
      summary: 'Change the password with the one-time token',
      description: 'Changes the password of the user that requested the password reset with the one-time token, ends '
        + 'their other sessions and logs them in. An account with a second factor is refused before the token is used.',
      tags: [TAGS.auth, TAGS.inferred],
      security: [],
      body: ResetConfirm,
      response: {
        200: Tokens('Password changed; logged in.'),
        ...errors(400, [403, 'The account cannot log in (suspended or disabled).'], [404, 'The token is unknown, used or expired.'], 429),
      },
    },
  }, async (request) => resetPasswordForTokens(core, request.caller, request.body.token, request.body.password));
};
