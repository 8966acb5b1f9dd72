// /api/auth/...: login, registration, activation, recovery, tokens, logout.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { login } from '../../../core/identity/login.js';
import { logout, refreshToken, verifyToken } from '../../../core/identity/sessions.js';
import { activate, getActivation, register } from '../../../core/identity/registration.js';
import { recover, resetPassword } from '../../../core/identity/recovery.js';
import { MAX_PASSWORD_LENGTH } from '../../../core/identity/passwords.js';
import { clearSessionCookie, setSessionCookie } from '../../session-cookie.js';
import { CART_COOKIE, writeCartCookie } from '../../cart-cookie.js';
import { Detail, Nullable, Slug, TokenBody, errors, ref } from '../schemas/common.js';
import { iso, orNull } from '../shapes/common.js';

const Password = (description: string) =>
  Type.String({ minLength: 1, maxLength: MAX_PASSWORD_LENGTH, description });

const Email = Type.String({ format: 'email', maxLength: 254, description: 'E-mail address.' });

const Credentials = Type.Object({
  username: Type.String({ minLength: 1, maxLength: 254, description: 'Username or e-mail address of the user.' }),
  password: Password('Secret password.'),
  code: Type.Optional(Type.Union([
    Type.Integer({ minimum: 0, maximum: 999999 }),
    Type.String({ pattern: '^\\d{1,6}$' }),
    Type.String({ pattern: '^\\s*[A-Za-z0-9]{5}-?[A-Za-z0-9]{5}\\s*$', description: 'A recovery code of the authenticator app.' }),
  ], { description: 'One-time code, checked when the user enabled a second factor (authenticator app, e-mail or text message); '
    + 'a recovery code of the authenticator app (`xxxxx-xxxxx`, each works once) stands in for it.' })),
}, { additionalProperties: false });

const Registration = Type.Object({
  username: Type.Optional({ ...Slug, description: 'Username; made from the e-mail address when omitted.' }),
  password: Type.Optional(Password('Checked against the password rules, but not kept: the password is chosen when activating, by whoever reads the mailbox.')),
  email: Email,
  full_name: Type.String({ minLength: 1, maxLength: 150, format: 'single-line', description: 'Full name.' }),
}, { additionalProperties: false });

const RegistrationAnswer = Type.Object({
  detail: Type.String({ description: 'What happens next, in plain text.' }),
  email: Type.String({ description: 'The e-mail address, as sent.' }),
}, { description: 'The registration is under way: an e-mail is on its way to the address.' });

const KeyParams = Type.Object({
  verification_key: Type.String({ minLength: 1, maxLength: 200, description: 'Activation key from the link mailed to the user.' }),
});

const ActivationView = Type.Object({
  slug: Type.String({ description: 'Username.' }),
  username: Type.String({ description: 'Same as slug.' }),
  email: Nullable(Type.String()),
  full_name: Nullable(Type.String()),
  printable_name: Type.String({ description: 'Name to display.' }),
  created_at: Type.String({ format: 'date-time' }),
  picture: Nullable(Type.String({ description: 'URL of the profile picture.' })),
  credentials: Type.Boolean({ description: 'True if the user already has login credentials.' }),
}, { description: 'Who the activation key belongs to.' });

const Activation = Type.Object({
  username: Type.Optional({ ...Slug, description: 'A new username.' }),
  new_password: Type.Optional(Password('Password to log in with; required: activating proves the mailbox, and the account takes the password its owner chooses.')),
  full_name: Type.Optional(Type.String({ maxLength: 150, format: 'single-line', description: 'Full name.' })),
}, { additionalProperties: false });

const Recover = Type.Object({ email: Email }, { additionalProperties: false });
const Recovering = Type.Object({ email: Email }, { description: 'The address, as sent: a link is on its way if an account has it.' });
const RefreshBody = Type.Object({ token: TokenBody.properties.token }, { additionalProperties: false });

const ResetParams = Type.Object({
  uidb64: Type.String({ minLength: 1, maxLength: 200, description: 'The user, as encoded in the reset link.' }),
  token: Type.String({ minLength: 1, maxLength: 200, description: 'Secret from the reset link.' }),
});

const Reset = Type.Object({
  new_password: Password('The new password.'),
  new_password2: Type.Optional(Password('The new password again; must match when given.')),
}, { additionalProperties: false });

const Authenticated = ref(TokenBody, 'Authenticated: a JSON Web Token, also set as the session cookie.');

export const authRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;
  const { config } = core;
  // Per client address, on every route here: they are the ones worth guessing at.
  const limited = { rateLimit: { max: config.authRateLimit.max, timeWindow: config.authRateLimit.windowSeconds * 1000 } };

  app.post('/auth/', {
    config: limited,
    schema: {
      operationId: 'authLogin',
      tags: ['auth'],
      summary: 'Logs a user in',
      description:
        'Checks a username (or e-mail address) and password and answers with a JSON Web Token, also set as the ' +
        'session cookie. A wrong password, an unknown user and an account without a password all get the same answer. ' +
        'After too many failures on one username or e-mail address, it is locked for a while (429 with Retry-After), ' +
        'whether or not an account exists. When the user enabled a second factor, `code` is required: from an ' +
        'authenticator app, or sent by e-mail or text message when the first attempt comes without one.',
      security: [],
      body: Credentials,
      response: {
        200: Authenticated,
        ...errors(400, [403, 'The account cannot log in (suspended or disabled).'], 429,
          [503, 'The service is too busy (every core checking passwords, or the database): retry after the number of seconds in the Retry-After header. A login refused because every core was busy is not counted against the account.']),
      },
    },
  }, async (request, reply) => {
    const { token } = await login(core, request.caller, request.body, { cart: request.cookies[CART_COOKIE] });
    setSessionCookie(reply, config, token);
    // The anonymous cart joined the user's: its cookie has done its job.
    if (request.cookies[CART_COOKIE] !== undefined) writeCartCookie(reply, config, []);
    return { token };
  });

  app.post('/auth/register/', {
    config: limited,
    schema: {
      operationId: 'authRegister',
      tags: ['auth'],
      summary: 'Registers a user',
      description:
        'Creates an account and mails a link to activate it. Unlike DjaoApp, it does not answer with a token: ' +
        'the answer is the same whether or not the e-mail address is already registered, so nobody can find out ' +
        'which addresses have accounts. When the address is taken, nothing is created and its owner is mailed a ' +
        'password-reset link instead. The username asked for is taken only when the account is activated (made from ' +
        'the e-mail address when omitted), so registering changes nothing anyone else can see. A username that ' +
        'is taken is reported, since usernames are public; names starting with pending-, deleted- or invited- are reserved.',
      security: [],
      body: Registration,
      response: { 200: RegistrationAnswer, ...errors(400, 429) },
    },
  }, async (request) => register(core, request.caller, request.body));

  app.get('/auth/activate/:verification_key/', {
    config: limited,
    schema: {
      operationId: 'authActivationRetrieve',
      tags: ['auth'],
      summary: 'Retrieves user associated to an activation key',
      description: 'Shows who an unused, unexpired activation key belongs to, so an activation page can greet them. It does not use the key.',
      security: [],
      params: KeyParams,
      response: { 200: ActivationView, ...errors(400, [404, 'The key is unknown, used or expired.'], 429) },
    },
  }, async (request) => {
    const view = await getActivation(core, request.caller, request.params.verification_key);
    return { ...view, email: orNull(view.email), full_name: orNull(view.full_name), picture: orNull(view.picture), created_at: iso(view.created_at) };
  });

  app.post('/auth/activate/:verification_key/', {
    config: limited,
    schema: {
      operationId: 'authActivate',
      tags: ['auth'],
      summary: 'Activates a user',
      description:
        'Uses the activation key (once), marks the e-mail address verified, sets the password (`new_password`, ' +
        'required), the username (the one given, else the one asked for at registration) and the optional full name, ' +
        'and logs the user in: the answer is a JSON Web Token, also set as the session cookie. Every activation link of ' +
        'the account works until one is used; an activated account has none left.',
      security: [],
      params: KeyParams,
      body: Activation,
      response: { 200: Authenticated, ...errors(400, 403, [404, 'The key is unknown, used or expired.'], 429) },
    },
  }, async (request, reply) => {
    const { token } = await activate(core, request.caller, request.params.verification_key, request.body, { cart: request.cookies[CART_COOKIE] });
    setSessionCookie(reply, config, token);
    if (request.cookies[CART_COOKIE] !== undefined) writeCartCookie(reply, config, []);
    return { token };
  });

  app.post('/auth/recover/', {
    config: limited,
    schema: {
      operationId: 'authRecover',
      tags: ['auth'],
      summary: 'Emails a password reset link',
      description:
        'Mails a single-use link to set a new password to the account with this e-mail address. The answer is ' +
        'the same whether or not such an account exists.',
      security: [],
      body: Recover,
      response: { 200: Recovering, ...errors(400, 429) },
    },
  }, async (request) => recover(core, request.caller, request.body.email));

  app.post('/auth/reset/:uidb64/:token/', {
    config: limited,
    schema: {
      operationId: 'authReset',
      tags: ['auth'],
      summary: 'Confirms a password reset',
      description:
        'Sets a new password through the link mailed by `POST /api/auth/recover/` (it works once) and lifts a login ' +
        'lockout. Since someone else may have known the old password, it ends every credential made with it: every ' +
        'session and its tokens, the secret API key and the SSH public key; the notice mailed to the owner names ' +
        'them. It then logs the user in: the answer is a JSON Web Token, also set as the session cookie. For an ' +
        'account with a second factor (authenticator app, code by e-mail or text message) the link alone is not ' +
        'enough to log in: the answer is `{"detail": ...}` without a token, and the user logs in with the new ' +
        'password and the second factor.',
      security: [],
      params: ResetParams,
      body: Reset,
      response: {
        200: Type.Union([ref(TokenBody), Type.Object({
          detail: Type.String({ description: 'The password is set; log in with it and the second factor.' }),
        })], { description: 'The password is set: a JSON Web Token (also set as the session cookie), or, for an account with a second factor, a message.' }),
        ...errors(400, 403, 404, 429),
      },
    },
  }, async (request, reply) => {
    const { uidb64, token: secret } = request.params;
    const { token } = await resetPassword(core, request.caller, uidb64, secret, request.body);
    if (token === null) {
      clearSessionCookie(reply, config);
      return { detail: 'Your password was reset. Log in with it and your second factor.' };
    }
    setSessionCookie(reply, config, token);
    return { token };
  });

  const refresh = {
    tags: ['auth'],
    description:
      'Checks a JSON Web Token exactly as any request would (signature, expiry, session, user, password), and ' +
      'answers with a new one in the same session that expires later, but never after the session ends: ' +
      '`SESSION_MAX_AGE_SECONDS` after the user logged in, or when it is logged out. An expired token is refused: ' +
      'log in again. When the request is itself authenticated, it must be as the user of the token.',
    security: [],
    body: RefreshBody,
    response: { 200: ref(TokenBody, 'A new token in the same session.'), ...errors(400, 403, 429) },
  };
  const verify = {
    tags: ['auth'],
    description:
      'Answers with the same token when the API would accept it, and otherwise a 400 with the reason the API ' +
      'would give (invalid, expired, session ended, account suspended, password changed since). ' +
      'When the request is itself authenticated, it must be as the user of the token.',
    security: [],
    body: RefreshBody,
    response: { 200: ref(TokenBody, 'The token is valid: the same token.'), ...errors(400, 403, 429) },
  };
  for (const [prefix, alias] of [['/auth/tokens/', false], ['/tokens/', true]] as const) {
    app.post(prefix, {
      config: limited,
      schema: {
        ...refresh, operationId: alias ? 'tokensRefresh' : 'authTokensRefresh',
        summary: alias ? 'Refreshes a JSON Web Token (alias of /api/auth/tokens/)' : 'Refreshes a JSON Web Token',
      },
    }, async (request) => ({ token: await refreshToken(core, request.caller, request.body.token) }));
    app.post(`${prefix}verify/`, {
      config: limited,
      schema: {
        ...verify, operationId: alias ? 'tokensVerify' : 'authTokensVerify',
        summary: alias ? 'Verifies a JSON Web Token (alias of /api/auth/tokens/verify/)' : 'Verifies a JSON Web Token',
      },
    }, async (request) => ({ token: await verifyToken(core, request.caller, request.body.token) }));
  }

  app.post('/auth/logout/', {
    config: limited,
    // A logout usually comes without a body (or an empty one of any type, with a bearer token).
    preValidation: async (request) => { if (request.body === undefined || (request.body as unknown) === '') request.body = {}; },
    schema: {
      operationId: 'authLogout',
      tags: ['auth'],
      summary: 'Logs a user out',
      description:
        'Ends the session the request is made with (its every token stops working, header or cookie) and removes ' +
        'the session cookie. With `{"everywhere": true}` it ends every session of the user, on every device. ' +
        'Unlike DjaoApp, where tokens cannot be revoked. `GET /api/users/{user}/sessions/` lists the open sessions.',
      security: [],
      body: Type.Object({
        everywhere: Type.Optional(Type.Boolean({ description: 'End every session of the user, not only this one.' })),
      }, { additionalProperties: false }),
      response: { 200: ref(Detail, 'Logged out.'), ...errors(400, 429) },
    },
  }, async (request, reply) => {
    await logout(core, request.caller, request.body.everywhere === true);
    clearSessionCookie(reply, config);
    return { detail: 'You have been logged out.' };
  });
};
