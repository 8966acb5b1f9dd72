// get.chat's Organization, Role and Access shapes.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

export const GetChatOrganization = Type.Object({
  id: Type.Integer({ description: 'The organization\'s id.' }),
  created_at: DateTime('When it was created.'),
  modified_at: DateTime('When it last changed.'),
  name: Type.String({ description: 'A name of the organization.' }),
  stack_quota: Nullable(Type.Integer({ description: 'How many stacks it may have; null is no limit.' })),
  webhook_url: Nullable(Type.String({ description: 'A webhook URL where all callbacks will be sent; null when none.' })),
  partner_id: Nullable(Type.Integer({ description: 'The partner organization it is a customer of; null when none.' })),
}, { $id: 'GetChatOrganization', description: 'An organization: a company with its users, stacks and applications.' });

export const GetChatRole = Type.Object({
  id: Type.Integer({ description: 'The role\'s id (what `role_id` names).' }),
  created_at: DateTime('When it was defined.'),
  modified_at: DateTime('When it last changed.'),
  name: Type.String({ description: 'Owner, Maintainer, Partner, or the organization\'s own role\'s title.' }),
  description: Type.String({ description: 'What it may do.' }),
}, { $id: 'GetChatRole', description: 'A role users are given on an organization.' });

export const GetChatAccessUser = Type.Object({
  id: Type.Integer({ description: 'The user\'s id.' }),
  created_at: DateTime('When the account was created (for a pending invitation: when it was sent).'),
  modified_at: DateTime('When the account last changed (for a pending invitation: when it was sent).'),
  email: Nullable(Type.String({ description: 'The e-mail address (for a pending invitation: the address invited).' })),
  is_email_verified: Type.Boolean({ description: 'Whether the user proved the address (false while invited).' }),
}, { $id: 'GetChatAccessUser', description: 'The user of an access.' });

export const GetChatAccess = Type.Object({
  id: Type.Integer({ description: 'The access\'s id.' }),
  created_at: DateTime('When it was given (or the invitation sent).'),
  modified_at: DateTime('When it last changed (accepted).'),
  type: Type.Union([Type.Literal('DIRECT'), Type.Literal('INVITED')], { description: '`DIRECT` once accepted, `INVITED` while the invitation waits.' }),
  user_id: Type.Integer({ description: 'The user\'s id.' }),
  organization_id: Type.Integer({ description: 'The organization\'s id.' }),
  role_id: Type.Integer({ description: 'The role\'s id.' }),
  user: Type.Unsafe({ $ref: 'GetChatAccessUser' }),
  role: Type.Unsafe({ $ref: 'GetChatRole' }),
}, { $id: 'GetChatAccess', description: 'A user\'s access to an organization, with a role.' });
