// Metrics: a provider's figures over trailing months, the metrics lists, and the broker's
// balance sheets. Every figure is SQL over the ledger and the subscriptions.
export { balancesTable, customersTable, fundsTable, plansTable } from './figures.js';
export type { MetricsQuery, MetricsTable, PlanSeries, Point, Series } from './figures.js';
export { COUPON_USE_LIST, REGISTERED_LIST, listCouponUses, listRegisteredUsers } from './lists.js';
export type { CouponUse, UserBrief } from './lists.js';
export {
  MAX_SELECTOR, MAX_TITLE, accountsSelected, balanceSheet, createBalanceLine, deleteBalanceLine, getBalanceLine,
  listBalanceLines, moveBalanceLines, updateBalanceLine,
} from './balance-sheets.js';
export type { BalanceLine, BalanceLineInput, BalanceSeries, LineMove } from './balance-sheets.js';
export { isTimezone, monthPeriods } from './periods.js';
