// /orgs/:org/provider: the provider's side. An overview with charts of its metrics (sales
// per month, active subscriptions over time), its plans, subscribers, money and coupons.
import { useEffect, useState } from 'react';
import { BarChart, LineChart } from '@mantine/charts';
import { Alert, Anchor, Button, Card, Container, Group, NativeSelect, SimpleGrid, Stack, Table, Tabs, Text, Title } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { api, ApiError, query, type Page } from '../../lib/api';
import { RequireLogin } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { day, money } from './format';
import { Loading, PagedList, useLoad, type Loaded } from './load';
import { ProviderCoupons } from './ProviderCoupons';
import { ProviderPlans } from './ProviderPlans';
import { ProviderSales } from './ProviderSales';
import type { OrganizationProfile, Subscriber, Subscription } from './types';

interface MonthPoint { month: string; sales: number; active: number; }

/** The first instant of each of the last `n` months (UTC), oldest first, and the next month's. */
function monthStarts(n: number, now = new Date()): Date[] {
  const starts: Date[] = [];
  for (let k = n - 1; k >= -1; k -= 1) starts.push(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - k, 1)));
  return starts;
}

/**
 * Twelve months of figures, from the public lists: each month's sales (the receivables'
 * total between its bounds) and the subscriptions active at its end (or now).
 */
function useMonthly(org: string): Loaded<{ points: MonthPoint[]; unit: string }> {
  const [data, setData] = useState<{ points: MonthPoint[]; unit: string } | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    const starts = monthStarts(12);
    const now = new Date();
    const base = encodeURIComponent(org);
    Promise.all(starts.slice(0, -1).map(async (start, k) => {
      const end = starts[k + 1]!;
      const at = end > now ? now : end;
      const [sales, active] = await Promise.all([
        api<{ total: string; unit: string }>('GET', `/billing/${base}/receivables/${query({ start_at: start.toISOString(), ends_at: end.toISOString(), page_size: 1 })}`),
        api<Page<Subscription>>('GET', `/metrics/${base}/active/${query({ ends_at: at.toISOString(), page_size: 1 })}`),
      ]);
      return { month: start.toLocaleDateString(undefined, { month: 'short', year: '2-digit', timeZone: 'UTC' }), sales: Number(sales.total), unit: sales.unit, active: active.count };
    }))
      .then((rows) => {
        if (!live) return;
        setData({ points: rows.map(({ month, sales, active }) => ({ month, sales: sales / 100, active })), unit: rows.find((r) => r.unit)?.unit ?? 'usd' });
        setError(null);
      })
      .catch((caught: unknown) => { if (live) setError(caught instanceof ApiError ? caught : new ApiError(0, 'page.error', String(caught), {})); });
    return () => { live = false; };
  }, [org, round]);
  return { data, error, loading: data === null && error === null, reload: () => setRound((n) => n + 1) };
}

function Overview({ org }: { org: string }) {
  const monthly = useMonthly(org);
  const active = useLoad<Page<Subscription>>(`/metrics/${encodeURIComponent(org)}/active/?page_size=1`);
  const churned = useLoad<Page<Subscription>>(`/metrics/${encodeURIComponent(org)}/churned/?page_size=1`);
  return (
    <Stack gap="lg">
      <SimpleGrid cols={{ base: 1, sm: 3 }}>
        <Card withBorder><Text size="sm" c="dimmed">Active subscriptions</Text><Text fz="xl" fw={700}>{active.data?.count ?? '…'}</Text></Card>
        <Card withBorder><Text size="sm" c="dimmed">Churned subscriptions</Text><Text fz="xl" fw={700}>{churned.data?.count ?? '…'}</Text></Card>
        <Card withBorder><Text size="sm" c="dimmed">Sales, last 12 months</Text><Text fz="xl" fw={700}>{monthly.data ? money(Math.round(monthly.data.points.reduce((sum, p) => sum + p.sales, 0) * 100), monthly.data.unit) : '…'}</Text></Card>
      </SimpleGrid>
      <Loading loaded={monthly} label="the metrics">
        {({ points, unit }) => (
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Card withBorder component="figure" m={0} aria-labelledby="sales-chart">
              <Title order={2} size="h5" id="sales-chart" mb="sm">Sales per month</Title>
              <BarChart h={220} data={points} dataKey="month" series={[{ name: 'sales', label: `Sales (${unit.toUpperCase()})`, color: 'indigo.6' }]} valueFormatter={(v) => money(Math.round(v * 100), unit)} tickLine="y" />
            </Card>
            <Card withBorder component="figure" m={0} aria-labelledby="active-chart">
              <Title order={2} size="h5" id="active-chart" mb="sm">Active subscriptions</Title>
              <LineChart h={220} data={points} dataKey="month" series={[{ name: 'active', label: 'Active', color: 'teal.6' }]} curveType="linear" yAxisProps={{ allowDecimals: false }} tickLine="y" />
            </Card>
          </SimpleGrid>
        )}
      </Loading>
    </Stack>
  );
}

function Subscribers({ org }: { org: string }) {
  const [state, setState] = useState('');
  return (
    <Stack>
      <NativeSelect label="Show" value={state} onChange={(e) => setState(e.currentTarget.value)} maw={300}
        data={[{ value: '', label: 'Every subscriber' }, { value: 'active', label: 'Active' }, { value: 'pending', label: 'Waiting for a consent' }, { value: 'churned', label: 'Churned' }]} />
      <PagedList<Subscriber> key={state} path={`/profile/${encodeURIComponent(org)}/subscribers/`} params={{ state: state || undefined }} label="subscribers" empty="No subscriber yet.">
        {(rows) => (
          <Table.ScrollContainer minWidth={480}>
            <Table aria-label="Subscribers">
              <Table.Thead><Table.Tr><Table.Th>Organization</Table.Th><Table.Th>E-mail</Table.Th><Table.Th>Subscribed until</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {rows.map((row) => (
                  <Table.Tr key={row.slug}>
                    <Table.Td>{row.printable_name}<Text size="xs" c="dimmed">{row.slug}</Text></Table.Td>
                    <Table.Td style={{ overflowWrap: 'anywhere' }}>{row.email ?? '—'}</Table.Td>
                    <Table.Td>{day(row.ends_at)}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </PagedList>
    </Stack>
  );
}

const TABS = ['overview', 'plans', 'subscribers', 'sales', 'coupons'] as const;

function ProviderPage() {
  const { org = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const profile = useLoad<OrganizationProfile>(`/profile/${encodeURIComponent(org)}/`);
  const tab = TABS.find((t) => t === params.get('tab')) ?? 'overview';
  const name = profile.data?.printable_name ?? org;
  return (
    <Container size="lg" px={0}>
      <PageTitle actions={(
        <Group gap="xs">
          <Button component={Link} to={`/orgs/${encodeURIComponent(org)}/billing`} variant="default">Billing</Button>
          <Button component={Link} to={`/orgs/${encodeURIComponent(org)}`} variant="default">Organization</Button>
        </Group>
      )}>{`Provider dashboard of ${name}`}</PageTitle>
      <Loading loaded={profile} label="the organization">
        {(p) => !p.is_provider
          ? <Alert title="Not a provider">{name} does not sell plans on this site. The site's managers can make it a provider. <Anchor component={Link} to={`/orgs/${encodeURIComponent(org)}/billing`}>Its billing</Anchor> shows what it buys.</Alert>
          : (
            <Tabs value={tab} onChange={(value) => setParams(value && value !== 'overview' ? { tab: value } : {}, { replace: true })} keepMounted={false}>
              <Tabs.List mb="md">
                <Tabs.Tab value="overview">Overview</Tabs.Tab>
                <Tabs.Tab value="plans">Plans</Tabs.Tab>
                <Tabs.Tab value="subscribers">Subscribers</Tabs.Tab>
                <Tabs.Tab value="sales">Sales</Tabs.Tab>
                <Tabs.Tab value="coupons">Coupons</Tabs.Tab>
              </Tabs.List>
              <Tabs.Panel value="overview"><Overview org={org} /></Tabs.Panel>
              <Tabs.Panel value="plans"><ProviderPlans org={org} /></Tabs.Panel>
              <Tabs.Panel value="subscribers"><Subscribers org={org} /></Tabs.Panel>
              <Tabs.Panel value="sales"><ProviderSales org={org} /></Tabs.Panel>
              <Tabs.Panel value="coupons"><ProviderCoupons org={org} /></Tabs.Panel>
            </Tabs>
          )}
      </Loading>
    </Container>
  );
}

export function Provider() {
  return <RequireLogin><ProviderPage /></RequireLogin>;
}
