// get.chat's Application (with and without its package) and the package summary it nests.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime, Nullable } from './common.js';
import { DeploymentError, PartnerMeta, UserStatus } from './stacks.js';

export const GetChatPackageSummary = Type.Object({
  id: Type.Integer({ description: 'The package\'s id.' }),
  created_at: DateTime('When the package was defined.'),
  modified_at: DateTime('When the package last changed.'),
  name: Type.String({ description: 'The package\'s name ("Inbox", "HubSpot").' }),
  type: Type.String({ description: 'The package\'s type (`inbox`, `_hubspot`).' }),
}, { $id: 'GetChatPackageSummary', description: 'The package an application installs.' });

const applicationFields = {
  id: Type.Integer({ description: 'The application\'s id (`application_id`).' }),
  uuid: Type.String({ format: 'uuid', description: 'The application\'s UUID (also in webhook events).' }),
  created_at: DateTime('When the application was requested.'),
  modified_at: DateTime('When the application last changed.'),
  user_status: UserStatus,
  domain: Nullable(Type.String({ description: 'Where the application answers once deployed; null before.' })),
  is_deployed: Type.Boolean({ description: 'Whether the application is deployed.' }),
  is_locked: Type.Boolean({ description: 'True while a deployment is under way: the application cannot be changed or deleted then (409 `application.locked`).' }),
  partner_meta: PartnerMeta(),
  error: DeploymentError,
  package_id: Type.Integer({ description: 'The package installed.' }),
  stack_id: Type.Integer({ description: 'The stack it is installed on.' }),
  deleted_at: Nullable(DateTime('When the application was destroyed; null while it lives.')),
};

export const GetChatApplication = Type.Object(applicationFields, {
  $id: 'GetChatApplication', description: 'An application: a package deployed on a stack with its settings (never shown back: they hold secrets).',
});

export const GetChatApplicationWithPackage = Type.Object({
  ...applicationFields,
  package: Type.Unsafe({ $ref: 'GetChatPackageSummary' }),
}, { $id: 'GetChatApplicationWithPackage', description: 'An application with the package it installs.' });
