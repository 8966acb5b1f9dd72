// Every named shape of EmbedThis's surface; the surface adds each with addSchema.
import type { TSchema } from '@fastify/type-provider-typebox';
import { EtError } from './common.js';
import { ACCOUNT_SCHEMAS } from './account.js';

export const SHARED_SCHEMAS: TSchema[] = [EtError, ...ACCOUNT_SCHEMAS];
