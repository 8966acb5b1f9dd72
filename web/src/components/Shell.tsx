// The frame of every page: the broker's logo and name, the main links, and who is logged in.
// On a phone the links fold behind a menu button.
import { AppShell, Anchor, Avatar, Burger, Button, Group, NavLink, Stack, Text, VisuallyHidden } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, NavLink as RouterNavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { api } from '../lib/api';
import { useSession } from '../lib/session';

interface NavItem { to: string; label: string; }

function navItems(isBrokerManager: boolean, loggedIn: boolean): NavItem[] {
  if (!loggedIn) return [{ to: '/pricing', label: 'Pricing' }, { to: '/cart', label: 'Cart' }, { to: '/legal', label: 'Legal' }, { to: '/login', label: 'Log in' }, { to: '/register', label: 'Sign up' }];
  return [
    { to: '/me', label: 'My account' },
    { to: '/orgs', label: 'Organizations' },
    { to: '/pricing', label: 'Pricing' },
    { to: '/cart', label: 'Cart' },
    { to: '/legal', label: 'Legal' },
    ...(isBrokerManager ? [{ to: '/console', label: 'Console' }] : []),
  ];
}

export function Shell() {
  const { session, refresh } = useSession();
  const [opened, { toggle, close }] = useDisclosure(false);
  const navigate = useNavigate();
  const location = useLocation();
  const user = session.user;
  const items = navItems(user?.is_broker_manager ?? false, user !== null);

  const logout = async () => {
    await api('POST', '/auth/logout/', {}).catch(() => undefined);
    await refresh();
    navigate('/login');
  };

  return (
    <AppShell header={{ height: 60 }} navbar={{ width: 230, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label={opened ? 'Close the menu' : 'Open the menu'} />
            <Anchor component={Link} to="/" underline="never" c="inherit">
              <Group gap="xs" wrap="nowrap">
                {session.broker.picture
                  ? <img src={session.broker.picture} alt="" height={32} />
                  : <Avatar color="indigo" radius="sm" size={32} aria-hidden>{session.broker.full_name.slice(0, 1).toUpperCase()}</Avatar>}
                <Text fw={600} size="lg">{session.broker.full_name}</Text>
              </Group>
            </Anchor>
          </Group>
          {user && (
            <Group gap="sm" wrap="nowrap">
              <Text size="sm" visibleFrom="sm" c="dimmed">{user.full_name || user.username}</Text>
              <Button variant="default" size="xs" onClick={logout}>Log out</Button>
            </Group>
          )}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main">
        <VisuallyHidden><h2>Main menu</h2></VisuallyHidden>
        <Stack gap={2}>
          {items.map((item) => (
            <NavLink
              key={item.to}
              component={RouterNavLink}
              to={item.to}
              label={item.label}
              active={location.pathname === item.to || location.pathname.startsWith(`${item.to}/`)}
              onClick={close}
            />
          ))}
        </Stack>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
