// /orgs/:org/provider: the provider's dashboard. An overview of its figures over the
// trailing twelve months (the metrics routes), its plans, subscribers (active and churned),
// money and coupons (with their uses); for the broker's managers, the broker's balance sheets
// and the people registered who never subscribed.
import { Alert, Anchor, Button, Container, Group, Tabs } from '@mantine/core';
import { Link, useParams, useSearchParams } from 'react-router';
import { RequireLogin, useSession } from '../../lib/session';
import { PageTitle } from '../../components/PageTitle';
import { Loading, useLoad } from './load';
import { BalanceSheet } from './BalanceSheet';
import { ProviderCoupons } from './ProviderCoupons';
import { ProviderMetrics } from './ProviderMetrics';
import { ProviderPlans } from './ProviderPlans';
import { ProviderSales } from './ProviderSales';
import { ProviderSubscribers } from './ProviderSubscribers';
import { Registered } from './Registered';
import type { OrganizationProfile } from './types';

const TABS = ['overview', 'plans', 'subscribers', 'sales', 'coupons', 'balances', 'registered'] as const;
/** The broker's own: shown on its dashboard to its managers. */
const BROKER_TABS: readonly string[] = ['balances', 'registered'];

function ProviderPage() {
  const { org = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { session } = useSession();
  const profile = useLoad<OrganizationProfile>(`/profile/${encodeURIComponent(org)}/`);
  // The balance sheets are the broker's, kept by its managers.
  const sheets = org === session.broker.slug && (session.user?.is_broker_manager ?? false);
  const tab = TABS.find((t) => t === params.get('tab') && (!BROKER_TABS.includes(t) || sheets)) ?? 'overview';
  const name = profile.data?.printable_name ?? org;
  const zone = profile.data?.default_timezone || 'UTC';
  if (profile.error && (profile.error.status === 403 || profile.error.status === 404)) {
    return (
      <Container size="lg" px={0}>
        <PageTitle>Provider dashboard</PageTitle>
        <Alert color="red" role="alert" title="Not available to you">
          {profile.error.status === 403
            ? `Only ${org}'s managers and members may see its dashboard.`
            : `There is no organization ${org}.`} <Anchor component={Link} to="/orgs">Your organizations</Anchor>
        </Alert>
      </Container>
    );
  }
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
                {sheets && <Tabs.Tab value="balances">Balance sheet</Tabs.Tab>}
                {sheets && <Tabs.Tab value="registered">Registered</Tabs.Tab>}
              </Tabs.List>
              <Tabs.Panel value="overview"><ProviderMetrics org={org} defaultZone={zone} /></Tabs.Panel>
              <Tabs.Panel value="plans"><ProviderPlans org={org} /></Tabs.Panel>
              <Tabs.Panel value="subscribers"><ProviderSubscribers org={org} /></Tabs.Panel>
              <Tabs.Panel value="sales"><ProviderSales org={org} /></Tabs.Panel>
              <Tabs.Panel value="coupons"><ProviderCoupons org={org} /></Tabs.Panel>
              {sheets && <Tabs.Panel value="balances"><BalanceSheet defaultZone={zone} /></Tabs.Panel>}
              {sheets && <Tabs.Panel value="registered"><Registered /></Tabs.Panel>}
            </Tabs>
          )}
      </Loading>
    </Container>
  );
}

export function Provider() {
  return <RequireLogin><ProviderPage /></RequireLogin>;
}
