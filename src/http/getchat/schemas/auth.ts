// get.chat's authentication shapes: the token answer, the reset cooldown, and the message body.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime } from './common.js';

export const GetChatTokenResponse = Type.Object({
  id_token: Type.String({ description: 'OpenID Connect ID token (a JWT) saying who logged in; not a credential.' }),
  access_token: Type.String({ description: 'Send it as `Authorization: Bearer {access_token}`.' }),
  token_type: Type.Literal('Bearer', { description: 'Always `Bearer`.' }),
  expires_in: Type.Integer({ description: 'Seconds until the access token expires; then log in again.' }),
}, { $id: 'GetChatTokenResponse', description: 'Tokens of a logged-in user.' });

export const GetChatPasswordResetState = Type.Object({
  email: Type.String({ description: 'The address, as sent.' }),
  next_reset_password_at: DateTime('When another reset e-mail may be asked for this address (now, when it already may).'),
}, { $id: 'GetChatPasswordResetState', description: 'The password-reset cooldown of an address.' });

export const GetChatMessage = Type.Object({
  message: Type.String({ description: 'What happened, in plain text.' }),
  code: Type.String({ description: 'Stable, dotted machine code.' }),
  description: Type.String({ description: 'More detail.' }),
}, { $id: 'GetChatMessage', description: 'A message: `{message, code, description}`.' });
