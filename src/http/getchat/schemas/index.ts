// Every named shape of get.chat's surface; the surface adds each with addSchema. Each lane
// of work appends its own shapes here.
import type { TSchema } from '@fastify/type-provider-typebox';
import { GetChatError } from './common.js';
import { GetChatProfile, GetChatUser } from './users.js';
import { GetChatWebhookAttempt, GetChatWebhookDelivery, GetChatWebhookDeliveryDetail, GetChatWebhookSecret } from './webhooks.js';
import {
  GetChatPackage, GetChatPackageDefinition, GetChatPackageWithSchema, GetChatSettingLimit, GetChatSettingLimits,
} from './packages.js';
import { GetChatIdToken, GetChatOAuth2Client, GetChatOAuth2Token } from './oauth2.js';
import { GetChatMessage, GetChatPasswordResetState, GetChatTokenResponse } from './auth.js';
import { GetChatAccess, GetChatAccessUser, GetChatOrganization, GetChatRole } from './organizations.js';
import { GetChatStack } from './stacks.js';
import { GetChatApplication, GetChatApplicationWithPackage, GetChatPackageSummary } from './applications.js';

import { GetChatPackageRouting } from './routing.js';

export const SHARED_SCHEMAS: TSchema[] = [
  GetChatError,
  GetChatUser, GetChatProfile,
  GetChatWebhookSecret, GetChatWebhookDelivery, GetChatWebhookAttempt, GetChatWebhookDeliveryDetail,
  GetChatPackage, GetChatPackageWithSchema, GetChatPackageDefinition, GetChatSettingLimit, GetChatSettingLimits,
  GetChatOAuth2Client, GetChatOAuth2Token, GetChatIdToken,
  GetChatTokenResponse, GetChatPasswordResetState, GetChatMessage,
  GetChatOrganization, GetChatRole, GetChatAccessUser, GetChatAccess,
  GetChatStack,
  GetChatPackageSummary, GetChatApplication, GetChatApplicationWithPackage,
  GetChatPackageRouting,
];
