// Accountcentral's named shapes for team administration (users, security) and capabilities.
import type { TSchema } from '@fastify/type-provider-typebox';

export const TEAM_SCHEMAS: TSchema[] = [];
