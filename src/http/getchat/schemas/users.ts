// get.chat's User and Profile shapes.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

export const GetChatUser = Type.Object({
  id: Type.Integer({ description: 'The user\'s id.' }),
  created_at: DateTime('When the account was created.'),
  modified_at: DateTime('When the account last changed.'),
  email: Type.String({ format: 'email', description: 'The e-mail address the user logs in with.' }),
  is_email_verified: Type.Boolean({ description: 'Whether the user proved they own the address.' }),
  organization_quota: Nullable(Type.Integer({ description: 'How many organizations the user may create; null is no limit.' })),
}, { $id: 'GetChatUser', description: 'A user: one person, who may have access to many organizations.' });

export const GetChatProfile = Type.Object({
  profile: Type.Unsafe({ $ref: 'GetChatUser' }),
}, { $id: 'GetChatProfile', description: 'The authenticated user\'s profile.' });
