// The provider's overview: its figures over the trailing twelve months from the metrics
// routes (revenue, balances, customers, active subscribers per plan), the months cut in the
// organization's timezone unless another is chosen, ending now or with a chosen month.
import { Card, Group, NativeSelect, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { useSearchParams } from 'react-router';
import type { Page } from '../../lib/api';
import { Loading, useLoad } from './load';
import { MetricsFigure } from './MetricsFigure';
import { formatValue, windowQuery, type MetricsTable, type Window } from './metrics';
import type { Subscription } from './types';

function zones(): string[] {
  try {
    return Intl.supportedValuesOf('timeZone');
  } catch {
    return ['UTC'];
  }
}

/** The window the dashboard shows, kept in the address (?month=2026-06&tz=Europe/Paris) so it can be shared. */
export function useWindow(): [Window, (next: Partial<Window>) => void] {
  const [params, setParams] = useSearchParams();
  const current: Window = { month: params.get('month') ?? '', timezone: params.get('tz') ?? '' };
  const set = (next: Partial<Window>) => setParams((old) => {
    const merged = new URLSearchParams(old);
    const value = { ...current, ...next };
    if (value.month) merged.set('month', value.month); else merged.delete('month');
    if (value.timezone) merged.set('tz', value.timezone); else merged.delete('tz');
    return merged;
  }, { replace: true });
  return [current, set];
}

export function WindowControls({ window, onChange, defaultZone }: { window: Window; onChange(next: Partial<Window>): void; defaultZone: string }) {
  return (
    <Group gap="sm" align="flex-end" wrap="wrap">
      <TextInput type="month" label="Twelve months up to" description="Empty: up to today" value={window.month}
        onChange={(event) => onChange({ month: event.currentTarget.value })} w={200} />
      <NativeSelect label="Months cut in the timezone" value={window.timezone} onChange={(event) => onChange({ timezone: event.currentTarget.value })} w={260}
        data={[{ value: '', label: `The organization's (${defaultZone})` }, ...zones().map((zone) => ({ value: zone, label: zone }))]} />
    </Group>
  );
}

function last(table: MetricsTable, key: string): number | null {
  const row = table.table.find((r) => r.key === key);
  const point = row?.values[row.values.length - 1];
  return point ? point[1] : null;
}

function sum(table: MetricsTable, key: string): number | null {
  const row = table.table.find((r) => r.key === key);
  return row ? row.values.reduce((total, [, value]) => total + value, 0) : null;
}

function Figure({ label, value }: { label: string; value: string }) {
  return (
    <Card withBorder>
      <Text size="sm" c="dimmed">{label}</Text>
      <Text fz="xl" fw={700}>{value}</Text>
    </Card>
  );
}

export function ProviderMetrics({ org, defaultZone }: { org: string; defaultZone: string }) {
  const [months, setMonths] = useWindow();
  const zone = months.timezone || defaultZone;
  const q = windowQuery(months, zone);
  const base = `/metrics/${encodeURIComponent(org)}`;
  const funds = useLoad<MetricsTable>(`${base}/funds/${q}`);
  const balances = useLoad<MetricsTable>(`${base}/balances/${q}`);
  const customers = useLoad<MetricsTable>(`${base}/customers/${q}`);
  const plans = useLoad<MetricsTable>(`${base}/plans/${q}`);
  const active = useLoad<Page<Subscription>>(`${base}/active/?page_size=1`);
  const churned = useLoad<Page<Subscription>>(`${base}/churned/?page_size=1`);
  const dash = '…';
  const totalSales = funds.data ? sum(funds.data, 'Total Sales') : null;
  const customersNow = customers.data ? last(customers.data, 'Total # of Customers') : null;
  return (
    <Stack gap="lg">
      <WindowControls window={months} onChange={setMonths} defaultZone={defaultZone} />
      <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }}>
        <Figure label="Sales over the twelve months" value={funds.data && totalSales !== null ? formatValue(totalSales, funds.data) : dash} />
        <Figure label="Customers at the end" value={customersNow !== null ? formatValue(customersNow, {}) : dash} />
        <Figure label="Active subscriptions now" value={active.data ? String(active.data.count) : dash} />
        <Figure label="Churned subscriptions" value={churned.data ? String(churned.data.count) : dash} />
      </SimpleGrid>
      <section aria-labelledby="revenue-heading">
        <Title order={2} size="h4" id="revenue-heading" mb="sm">Revenue</Title>
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <Loading loaded={funds} label="the revenue">
            {(table) => <MetricsFigure table={table} title="Sales, payments and refunds" kind="bar" timezone={zone}
              description="Total sales, the sales to new customers and those lost with churned ones, the payments received and the refunds, per month." />}
          </Loading>
          <Loading loaded={balances} label="the balances">
            {(table) => <MetricsFigure table={table} title="Balances" kind="line" timezone={zone}
              description="At each month's end: income recognized, paid but not yet earned (backlog), and ordered but not yet paid (receivable)." />}
          </Loading>
        </SimpleGrid>
      </section>
      <section aria-labelledby="customers-heading">
        <Title order={2} size="h4" id="customers-heading" mb="sm">Customers and plans</Title>
        <SimpleGrid cols={{ base: 1, lg: 2 }}>
          <Loading loaded={customers} label="the customers">
            {(table) => (
              <Stack>
                <MetricsFigure table={table} title="Customers" kind="line" format="count" timezone={zone}
                  description="Customers who paid, the new ones, those lost, and the difference, per month." />
                {table.extra && table.extra.length > 0 && (
                  <MetricsFigure table={table} rows={table.extra} title="Customer churn" kind="bar" format="percent" timezone={zone}
                    description="Customers lost in a month, as a share of the customers of the month before." />
                )}
              </Stack>
            )}
          </Loading>
          <Loading loaded={plans} label="the plans">
            {(table) => <MetricsFigure table={table} title="Active subscribers per plan" kind="line" format="count" timezone={zone}
              description="Subscriptions active at each month's end, per plan." />}
          </Loading>
        </SimpleGrid>
      </section>
    </Stack>
  );
}
