// EmbedThis's named shapes for accounts (Account, Billing, Metrics, User, pages).
import type { TSchema } from '@fastify/type-provider-typebox';

export const ACCOUNT_SCHEMAS: TSchema[] = [];
