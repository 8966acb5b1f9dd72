// Packages: list (PK3), by id (PK1), by type (PK2), open to everyone as in the seed's guide;
// their administration by the broker's managers (create, change, retire, read the full
// definition); and the limits of numeric settings per organization.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  PACKAGE_LIST_SPEC, createPackage, getPackage, getPackageByType, getPackageDefinition, listPackages, retirePackage, updatePackage,
} from '../../../core/provisioning/packages.js';
import { getSettingLimits, setSettingLimit } from '../../../core/provisioning/limits.js';
import { ListOf, listAnswer, listQuery, toListQuery, type FilterDeclaration } from '../lists.js';
import { Id, TAGS, errors, ref } from '../schemas/common.js';
import {
  GetChatPackage, GetChatPackageDefinition, GetChatPackageWithSchema, GetChatSettingLimits, PackageCreateBody, PackageUpdateBody,
  SettingLimitChangeBody,
} from '../schemas/packages.js';
import { packageDefinitionJson, packageJson, packageWithSchemaJson, settingLimitsJson } from '../shapes/packages.js';

const PACKAGE_FILTERS: FilterDeclaration = {
  id: { type: 'integer', ops: ['eq'] },
  name: { type: 'string', ops: ['eq', 'ne', 'in', 'nin'] },
  type: { type: 'string', ops: ['eq', 'ne', 'in', 'nin'] },
};
const LIST_OPTIONS = { paginated: true, softDelete: true };

const PackageParams = Type.Object({ package_id: Id('ID of the Package.') });
const TypeParams = Type.Object({ package_type: Type.String({ minLength: 1, maxLength: 100, description: 'Type of the Package.' }) });
const LimitsParams = Type.Object({ organization_id: Id('Organization ID.'), package_id: Id('ID of the Package.') });
const LimitParams = Type.Object({
  organization_id: Id('Organization ID.'),
  package_id: Id('ID of the Package.'),
  setting: Type.String({ minLength: 1, maxLength: 100, pattern: '^[A-Za-z_][A-Za-z0-9_]*$', description: 'The numeric setting, such as `seats_quota`.' }),
});

export const packageRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { core } = app;

  app.get('/integration/packages', {
    schema: {
      operationId: 'getchatListPackages',
      summary: 'Shows a list of selected packages',
      description: 'Lists the packages a stack can install, to find the `package_id` of an application. Open to everyone (the seed\'s guide calls it without a token). Retired packages show only with the `deleted_at` filters. [Attention] The deprecated `paginated` parameter is false by default (a bare array); soon only paginated results will be answered.',
      tags: [TAGS.packages],
      security: [],
      querystring: listQuery(PACKAGE_FILTERS, LIST_OPTIONS),
      response: { 200: ListOf(ref(GetChatPackage), 'The packages: the paginated envelope, or with paginated=false the bare array.', true), ...errors(400) },
    },
  }, async (request) => {
    const asked = toListQuery(request.query, PACKAGE_FILTERS, PACKAGE_LIST_SPEC, core.config, LIST_OPTIONS);
    return listAnswer(asked, await listPackages(core, asked.list), packageJson);
  });

  app.get('/integration/packages/:package_id', {
    schema: {
      operationId: 'getchatGetPackage',
      summary: 'Gets a package by the ID',
      description: 'Gets a live package by its id, with the JSON Schema of its settings (who may pass each, and its default range). Open to everyone.',
      tags: [TAGS.packages, TAGS.inferred],
      security: [],
      params: PackageParams,
      response: { 200: ref(GetChatPackageWithSchema, 'The package.'), ...errors(400, [404, 'No live package has this id.']) },
    },
  }, async (request) => packageWithSchemaJson(await getPackage(core, request.params.package_id)));

  app.get('/integration/packages/types/:package_type', {
    schema: {
      operationId: 'getchatGetPackageByType',
      summary: 'Gets a package by the package type',
      description: 'Gets the live package of a type (`inbox`, `_hubspot`), with the JSON Schema of its settings. Open to everyone.',
      tags: [TAGS.packages, TAGS.inferred],
      security: [],
      params: TypeParams,
      response: { 200: ref(GetChatPackageWithSchema, 'The package.'), ...errors(400, [404, 'No live package has this type.']) },
    },
  }, async (request) => packageWithSchemaJson(await getPackageByType(core, request.params.package_type)));

  // ---- administration (the broker's managers) ----

  app.post('/integration/packages', {
    schema: {
      operationId: 'getchatCreatePackage',
      summary: 'Creates a package',
      description: 'Defines a new package: its settings\' JSON Schema, who may pass each setting and within which limits, and its deployer. For the broker\'s managers. Packages of the data folder\'s packages file are defined there instead.',
      tags: [TAGS.admin, TAGS.inferred],
      body: PackageCreateBody,
      response: {
        201: ref(GetChatPackageDefinition, 'The package, created.'),
        ...errors(400, 401, [403, 'Only the broker\'s managers administer packages.'], [409, 'A live package has this type already.']),
      },
    },
  }, async (request, reply) => reply.code(201).send(packageDefinitionJson(await createPackage(core, request.caller, request.body))));

  app.get('/integration/packages/:package_id/definition', {
    schema: {
      operationId: 'getchatGetPackageDefinition',
      summary: 'Gets a package\'s definition',
      description: 'The whole definition of a package, retired ones included: settings schema and rules as stored, deployer and its configuration, where it is defined. For the broker\'s managers.',
      tags: [TAGS.admin, TAGS.inferred],
      params: PackageParams,
      response: {
        200: ref(GetChatPackageDefinition, 'The package.'),
        ...errors(400, 401, [403, 'Only the broker\'s managers administer packages.'], [404, 'No package has this id.']),
      },
    },
  }, async (request) => packageDefinitionJson(await getPackageDefinition(core, request.caller, request.params.package_id)));

  app.patch('/integration/packages/:package_id', {
    schema: {
      operationId: 'getchatUpdatePackage',
      summary: 'Updates a package',
      description: 'Changes a package made through this API; the whole definition is checked again (each rule against the new schema). Applications keep the settings they have; the new rules apply to the next values passed. Changing the type of a package applications use is refused. For the broker\'s managers.',
      tags: [TAGS.admin, TAGS.inferred],
      params: PackageParams,
      body: PackageUpdateBody,
      response: {
        200: ref(GetChatPackageDefinition, 'The package, changed.'),
        ...errors([400, 'Invalid, defined in the packages file (`package.defined_in_file`), or in use and its type changing (`package.in_use`).'], 401,
          [403, 'Only the broker\'s managers administer packages.'], [404, 'No live package has this id.'], [409, 'A live package has this type already.']),
      },
    },
  }, async (request) => packageDefinitionJson(await updatePackage(core, request.caller, request.params.package_id, request.body)));

  app.delete('/integration/packages/:package_id', {
    schema: {
      operationId: 'getchatRetirePackage',
      summary: 'Retires a package',
      description: 'Retires a package made through this API: it leaves the lists (the `deleted_at` filters still show it) and no new application installs it. Refused while applications use it. For the broker\'s managers.',
      tags: [TAGS.admin, TAGS.inferred],
      params: PackageParams,
      response: {
        200: ref(GetChatPackageDefinition, 'The package, retired.'),
        ...errors([400, 'Defined in the packages file (`package.defined_in_file`), or applications use it (`package.in_use`).'], 401,
          [403, 'Only the broker\'s managers administer packages.'], [404, 'No live package has this id.']),
      },
    },
  }, async (request) => packageDefinitionJson(await retirePackage(core, request.caller, request.params.package_id)));

  // ---- limits per organization ----

  app.get('/integration/organizations/:organization_id/packages/:package_id/limits', {
    schema: {
      operationId: 'getchatGetSettingLimits',
      summary: 'Gets the limits of a package\'s settings for an organization',
      description: 'Each numeric setting of the package with the range it has on the organization: the package\'s own, or the one the broker personalized ("Each limitation could be personalized for the organization"). For whoever sees the organization\'s stacks.',
      tags: [TAGS.packages, TAGS.inferred],
      params: LimitsParams,
      response: {
        200: ref(GetChatSettingLimits, 'The limits.'),
        ...errors(400, 401, 403, [404, 'No such organization (or the caller may not see it), or no live package has this id.']),
      },
    },
  }, async (request) => settingLimitsJson(await getSettingLimits(core, request.caller, { id: request.params.organization_id }, request.params.package_id)));

  app.put('/integration/organizations/:organization_id/packages/:package_id/limits/:setting', {
    schema: {
      operationId: 'getchatSetSettingLimit',
      summary: 'Personalizes the limit of a setting for an organization',
      description: 'Raises (or lowers) the range of one numeric setting of a package on one organization; a bound left out or null follows the package, and both null removes the organization\'s limit. Applications already deployed keep their settings. For the broker\'s managers.',
      tags: [TAGS.admin, TAGS.inferred],
      params: LimitParams,
      body: SettingLimitChangeBody,
      response: {
        200: ref(GetChatSettingLimits, 'The limits, changed.'),
        ...errors([400, 'Invalid, no numeric setting of this name (`setting.unknown`), or an empty range.'], 401,
          [403, 'Only the broker\'s managers personalize limits.'], [404, 'No such organization (or the caller may not see it), or no live package has this id.']),
      },
    },
  }, async (request) => settingLimitsJson(await setSettingLimit(core, request.caller, { id: request.params.organization_id }, request.params.package_id,
    request.params.setting, { minimum: request.body.minimum ?? null, maximum: request.body.maximum ?? null })));
};
