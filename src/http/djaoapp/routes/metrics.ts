// /api/metrics/...: figures computed from the ledger (balances, funds, customers, plans,
// coupon uses, registered users) and the broker's balance sheets with their editable lines.
// The active and churned lists stay with the subscriptions (routes/subscriptions.ts).
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';

export const metricsRoutes: FastifyPluginAsyncTypebox = async () => {
};
