// get.chat's Stack, and the fields stacks and applications share.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';

/** The seed's "Custom partner meta information that partners know how to deal with". */
export const PartnerMeta = (description = 'Custom partner meta information that partners know how to deal with: key-value pairs kept as given.') =>
  Type.Record(Type.String({ maxLength: 200 }), Type.Unknown(), { maxProperties: 100, description });

/** user_status: REQUESTED while a deployment is under way, then READY, FAILED, or DELETED once destroyed. */
export const UserStatus = Type.String({
  description: '`REQUESTED` while a deployment (creation, change, deletion) is under way; then `READY`, or `FAILED` (see `error`); `DELETED` once destroyed.',
  examples: ['REQUESTED', 'READY', 'FAILED', 'DELETED'],
});

export const DeploymentError = Nullable(Type.Object({
  code: Type.String({ description: 'Stable machine code: `deployer.timeout`, `deployer.refused`, `deployer.unavailable`...' }),
  message: Type.String({ description: 'What went wrong.' }),
  attempts: Type.Integer({ description: 'Tries made so far.' }),
  retrying: Type.Optional(Type.Boolean({ description: 'True while another try is coming (the object stays REQUESTED and locked).' })),
}, { additionalProperties: true, description: 'The last deployment failure, null when none.' }));

export const GetChatStack = Type.Object({
  id: Type.Integer({ description: 'The stack\'s id (`stack_id`).' }),
  created_at: DateTime('When the stack was requested.'),
  modified_at: DateTime('When the stack last changed.'),
  name: Type.String({ description: 'Custom stack name (a generated one when none was given).' }),
  subdomain: Type.String({ description: 'Subdomain of the stack: its applications answer at `{subdomain}.{deploy domain}`.' }),
  application_quota: Nullable(Type.Integer({ description: 'How many applications the stack may have; null is no limit.' })),
  user_status: UserStatus,
  is_deployed: Type.Boolean({ description: 'Whether the stack is deployed.' }),
  is_locked: Type.Boolean({ description: 'True while a deployment is under way: the stack cannot be changed or deleted then (409 `stack.locked`).' }),
  partner_meta: PartnerMeta(),
  error: DeploymentError,
  organization_id: Type.Integer({ description: 'The organization the stack belongs to.' }),
  deleted_at: Nullable(DateTime('When the stack was destroyed; null while it lives.')),
}, { $id: 'GetChatStack', description: 'A stack: the group of applications an organization deploys together (an inbox and its packages).' });
