// Accountcentral's named shapes for the caller's own data (service, user) and the reference lists (options).
import type { TSchema } from '@fastify/type-provider-typebox';

export const SELF_SCHEMAS: TSchema[] = [];
