// The broker's console: only the broker's managers may enter; anyone else is told so in
// words (the API refuses them too; this only saves them a page of refusals).
import { Alert, Anchor, Stack, Tabs, Text } from '@mantine/core';
import { Link, Outlet, useLocation, useNavigate } from 'react-router';
import { PageTitle } from '../../components/PageTitle';
import { useUser } from '../../lib/session';

const TABS = [
  { value: 'overview', label: 'Overview' },
  { value: 'users', label: 'Users' },
  { value: 'orgs', label: 'Organizations' },
  { value: 'settings', label: 'Settings' },
];

export function ConsoleLayout() {
  const user = useUser();
  const location = useLocation();
  const navigate = useNavigate();
  if (!user.is_broker_manager) {
    return (
      <Stack maw={720}>
        <PageTitle>Not allowed</PageTitle>
        <Alert color="orange" role="alert" title="The console is for the site's administrators">
          <Text>Your account ({user.username}) does not manage this site, so it cannot open the console.</Text>
          <Text mt="xs">Your own settings are under <Anchor component={Link} to="/me">My account</Anchor>, and your teams under <Anchor component={Link} to="/orgs">Organizations</Anchor>.</Text>
        </Alert>
      </Stack>
    );
  }
  const sub = location.pathname.replace(/^\/console\/?/, '').split('/')[0] || 'overview';
  return (
    <Stack maw={1100}>
      <Tabs value={sub} onChange={(value) => navigate(value && value !== 'overview' ? `/console/${value}` : '/console')}>
        <Tabs.List aria-label="Console">
          {TABS.map((t) => <Tabs.Tab key={t.value} value={t.value}>{t.label}</Tabs.Tab>)}
        </Tabs.List>
      </Tabs>
      <Outlet />
    </Stack>
  );
}
