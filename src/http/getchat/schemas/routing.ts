// get.chat's PackageRouting shape and the body P1-P3 take.
import { Type } from '@fastify/type-provider-typebox';
import { DateTime } from './common.js';

export const GetChatPackageRouting = Type.Object({
  id: Type.Integer({ description: 'The routing\'s id.' }),
  created_at: DateTime('When it was created.'),
  modified_at: DateTime('When it last changed.'),
  package_uuid: Type.String({ format: 'uuid', description: 'The routed package\'s uuid (what the router\'s URL names).' }),
  package_type: Type.String({ description: 'The routed package\'s type.' }),
  url: Type.String({ description: 'Where the router forwards matching requests: the application\'s address.' }),
  source_params: Type.Record(Type.String(), Type.String(), { description: 'The parameters as given.' }),
  params: Type.String({ description: 'The parameters as the router matches them: a query string with sorted keys.' }),
}, { $id: 'GetChatPackageRouting', description: 'How the package router finds this application from a request\'s parameters.' });

export const RoutingBody = Type.Object({
  params: Type.Record(Type.String({ minLength: 1, maxLength: 200 }), Type.String({ maxLength: 1000 }), {
    minProperties: 1, maxProperties: 50, description: 'Parameters (name to value) that route a request to this application.',
  }),
}, { additionalProperties: false });
