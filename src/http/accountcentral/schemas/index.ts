// Every named shape of Accountcentral's surface; the surface adds each with addSchema.
// Each area keeps its shapes in its own file and lists them there.
import type { TSchema } from '@fastify/type-provider-typebox';
import { AcFieldError, AcMessage, AcPage, AcResult } from './common.js';
import { SELF_SCHEMAS } from './self.js';
import { TEAM_SCHEMAS } from './team.js';
import { CUSTOMER_SCHEMAS } from './customers.js';
import { DKIM_SCHEMAS } from './dkim.js';
import { NOTIFICATION_SCHEMAS } from './notifications.js';

export const SHARED_SCHEMAS: TSchema[] = [
  AcResult, AcFieldError, AcMessage, AcPage,
  ...SELF_SCHEMAS, ...TEAM_SCHEMAS, ...CUSTOMER_SCHEMAS, ...DKIM_SCHEMAS, ...NOTIFICATION_SCHEMAS,
];
