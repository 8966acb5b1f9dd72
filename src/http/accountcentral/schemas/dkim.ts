// Accountcentral's named shapes for DKIM keys, FBLs and message signing.
import type { TSchema } from '@fastify/type-provider-typebox';

export const DKIM_SCHEMAS: TSchema[] = [];
