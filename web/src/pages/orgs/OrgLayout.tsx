// /orgs/:org and its tabs: the organization's name as the page's heading, what the caller
// may do on it, and one tab per concern. The API decides every action; the page only hides
// what the caller's relation to the organization cannot do, and shows refusals in words.
import { createContext, useContext } from 'react';
import { Alert, Anchor, Badge, Group, Stack, Tabs, Text } from '@mantine/core';
import { Link, Outlet, useLocation, useNavigate, useParams } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { query } from '../../lib/api';
import { useUser } from '../../lib/session';
import { Loaded, refusal, StatusBadge, useResource, type Accessible, type OrganizationDetail, type Page } from './common';

export interface Capabilities {
  /** Holds an accepted role on the organization itself. */
  member: boolean;
  /** May change the profile, members, roles, customers, domains: its managers and whoever sits above. */
  manage: boolean;
  /** Sits above it (a partner's manager, the broker's managers): suspend, reactivate, close, quotas. */
  above: boolean;
  broker: boolean;
}

interface OrgContext {
  org: OrganizationDetail;
  can: Capabilities;
  reload(): void;
}

const Context = createContext<OrgContext | null>(null);

export function useOrg(): OrgContext {
  const value = useContext(Context);
  if (!value) throw new Error('useOrg outside OrgLayout');
  return value;
}

const TABS = [
  { value: 'profile', label: 'Profile' },
  { value: 'members', label: 'Members' },
  { value: 'roles', label: 'Roles' },
  { value: 'customers', label: 'Customers' },
  { value: 'domains', label: 'Domains' },
  { value: 'oversight', label: 'Oversight' },
  { value: 'team', label: 'Team' },
  { value: 'dkim', label: 'DKIM keys' },
  { value: 'account', label: 'Account details' },
] as const;

function visibleTabs(can: Capabilities): string[] {
  return TABS.map((t) => t.value).filter((value) => {
    if (value === 'domains') return can.manage;
    if (value === 'oversight') return can.manage;
    if (value === 'team' || value === 'dkim' || value === 'account') return can.manage;
    return true;
  });
}

export function capabilitiesOf(org: OrganizationDetail, mine: Accessible[], partnerRoles: Accessible[], broker: boolean): Capabilities {
  const accepted = mine.filter((a) => a.slug === org.slug && a.state === 'accepted');
  const member = accepted.length > 0;
  const managesPartner = org.partner !== null && partnerRoles.some((a) => a.slug === org.partner && a.state === 'accepted' && a.role_description.slug === 'manager');
  // Whoever reads an organization without holding a role on it sits above it (only the
  // managers of a partner above it and the broker's managers can).
  const above = broker || managesPartner || !member;
  const manage = above || accepted.some((a) => a.role_description.slug === 'manager');
  return { member, manage, above, broker };
}

export function OrgLayout() {
  const { org: slug = '' } = useParams();
  const user = useUser();
  const location = useLocation();
  const navigate = useNavigate();
  const base = `/orgs/${encodeURIComponent(slug)}`;
  const profile = useResource<OrganizationDetail>(`/profile/${encodeURIComponent(slug)}/`);
  const mine = useResource<Page<Accessible>>(`/users/${encodeURIComponent(user.username)}/accessibles/${query({ q: slug, page_size: 100 })}`);
  const partner = profile.data?.partner ?? null;
  const partnerRoles = useResource<Page<Accessible>>(partner ? `/users/${encodeURIComponent(user.username)}/accessibles/${query({ q: partner, page_size: 100 })}` : null);
  const sub = location.pathname.slice(base.length).replace(/^\//, '').split('/')[0] ?? '';

  if (profile.error) {
    return (
      <Stack maw={960}>
        <PageTitle>Organization</PageTitle>
        <Alert color="red" role="alert" title="This organization cannot be shown">{refusal(profile.error)}</Alert>
      </Stack>
    );
  }
  const ready = profile.data && mine.data && (!partner || partnerRoles.data || partnerRoles.error);
  const org = profile.data;
  return (
    <Stack maw={1040}>
      <PageTitle actions={org ? <Group gap="xs"><StatusBadge status={org.status} />{org.partner && <Badge variant="outline">customer of {org.partner}</Badge>}</Group> : undefined}>
        {org ? org.printable_name : 'Organization'}
      </PageTitle>
      <Loaded resource={{ ...profile, data: ready ? profile.data : null, error: mine.error }} what="the organization">
        {(loaded) => {
          const can = capabilitiesOf(loaded, mine.data?.results ?? [], partnerRoles.data?.results ?? [], user.is_broker_manager);
          const tabs = visibleTabs(can);
          return (
            <Context.Provider value={{ org: loaded, can, reload: profile.reload }}>
              {loaded.status === 'suspended' && <Alert color="orange" title="Suspended">This organization is suspended: its members cannot use it until it is reactivated.</Alert>}
              {loaded.status === 'closed' && <Alert color="gray" title="Closed">This organization is closed. Its history is kept; nothing can change now.</Alert>}
              <Group gap="md" wrap="wrap">
                <Text size="sm" c="dimmed">Identifier: {loaded.slug}</Text>
                {loaded.status === 'active' && (
                  // The organization's pages kept by the billing and deployment areas.
                  <Group gap="sm" component="nav" aria-label="More about the organization">
                    <Anchor component={Link} to={`${base}/billing`} size="sm">Billing</Anchor>
                    {loaded.is_provider && <Anchor component={Link} to={`${base}/provider`} size="sm">Sales</Anchor>}
                    <Anchor component={Link} to={`${base}/stacks`} size="sm">Stacks</Anchor>
                    <Anchor component={Link} to={`${base}/applications`} size="sm">Applications</Anchor>
                  </Group>
                )}
              </Group>
              <Tabs value={tabs.includes(sub) ? sub : sub === '' ? 'profile' : null} onChange={(value) => navigate(value && value !== 'profile' ? `${base}/${value}` : base)}>
                <Tabs.List aria-label="Parts of the organization">
                  {TABS.filter((t) => tabs.includes(t.value)).map((t) => <Tabs.Tab key={t.value} value={t.value}>{t.label}</Tabs.Tab>)}
                </Tabs.List>
              </Tabs>
              <Outlet />
            </Context.Provider>
          );
        }}
      </Loaded>
    </Stack>
  );
}
