// Accountcentral's named shapes for notifications, news and application status.
import type { TSchema } from '@fastify/type-provider-typebox';

export const NOTIFICATION_SCHEMAS: TSchema[] = [];
