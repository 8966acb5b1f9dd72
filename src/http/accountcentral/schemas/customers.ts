// Accountcentral's named shapes for customers and provisioning jobs.
import type { TSchema } from '@fastify/type-provider-typebox';

export const CUSTOMER_SCHEMAS: TSchema[] = [];
