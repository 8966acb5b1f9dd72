// Metrics tables and lists in DjaoApp's field names.
import type { Static } from '@fastify/type-provider-typebox';
import type { BalanceSeries, CouponUse, MetricsTable, PlanSeries, Point, Series, UserBrief } from '../../../core/billing/metrics/index.js';
import type { BalanceSheet, CouponUse as CouponUseShape, MetricsTable as TableShape, PlansTable, UserBrief as UserShape } from '../schemas/metrics.js';
import { iso } from './common.js';

function valuesJson(values: Point[]): [string, number][] {
  return values.map(([at, figure]) => [iso(at), figure]);
}

function seriesJson(series: Series): { key: string; values: [string, number][] } {
  return { key: series.key, values: valuesJson(series.values) };
}

function frame(table: MetricsTable<Series>): Pick<Static<typeof TableShape>, 'title' | 'scale' | 'unit'> {
  return { title: table.title, ...(table.unit ? { unit: table.unit, scale: table.scale ?? 0.01 } : {}) };
}

export function metricsTableJson(table: MetricsTable): Static<typeof TableShape> {
  return { ...frame(table), table: table.table.map(seriesJson), ...(table.extra ? { extra: table.extra.map(seriesJson) } : {}) };
}

export function plansTableJson(table: MetricsTable<PlanSeries>): Static<typeof PlansTable> {
  return {
    ...frame(table),
    table: table.table.map((row) => ({
      key: row.key, title: row.title, is_active: row.isActive,
      location: `/api/profile/${row.providerSlug}/plans/${row.key}/`, values: valuesJson(row.values),
    })),
    ...(table.extra ? { extra: table.extra.map(seriesJson) } : {}),
  };
}

export function balanceSheetJson(table: MetricsTable<BalanceSeries>): Static<typeof BalanceSheet> {
  return { ...frame(table), table: table.table.map((row) => ({ key: row.key, selector: row.selector, values: valuesJson(row.values) })) };
}

export function userBriefJson(user: UserBrief): Static<typeof UserShape> {
  return { slug: user.slug, email: user.email, full_name: user.full_name, created_at: iso(user.created_at) };
}

export function couponUseJson(use: CouponUse): Static<typeof CouponUseShape> {
  return { user: userBriefJson(use.user), plan: use.plan, created_at: iso(use.created_at) };
}
