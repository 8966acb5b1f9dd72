// The frame of "My account": the list of sections (a side list on a desktop, a menu
// button on a phone) and the section's page. The to-dos entry shows how many wait.
import { useEffect, useState } from 'react';
import { Badge, Box, Button, ComboboxChevron, Grid, Group, Menu, NavLink, Stack } from '@mantine/core';
import { Link, NavLink as RouterNavLink, Outlet, useLocation } from 'react-router';
import { api, type Page } from '../../lib/api';

export interface Section { to: string; label: string; }

export const SECTIONS: Section[] = [
  { to: '/me', label: 'Profile' },
  { to: '/me/contact', label: 'E-mail and phone' },
  { to: '/me/password', label: 'Password' },
  { to: '/me/security', label: 'Second factors' },
  { to: '/me/api-keys', label: 'API keys' },
  { to: '/me/ssh-keys', label: 'SSH keys' },
  { to: '/me/notifications', label: 'Notifications' },
  { to: '/me/preferences', label: 'Preferences' },
  { to: '/me/events', label: 'Security events' },
  { to: '/me/sessions', label: 'Sessions' },
  { to: '/me/orgs', label: 'My organizations' },
  { to: '/me/todos', label: 'To-dos' },
];

/** How many to-dos wait, asked again whenever the section changes (handling one changes it). */
function useTodoCount(path: string): number | null {
  const [count, setCount] = useState<number | null>(null);
  useEffect(() => {
    let current = true;
    api<Page<unknown>>('GET', '/todos/?page_size=1').then((page) => { if (current) setCount(page.count); }, () => undefined);
    return () => { current = false; };
  }, [path]);
  return count;
}

function countBadge(count: number | null) {
  if (!count) return null;
  return <Badge size="sm" circle aria-label={`${count} waiting`}>{count}</Badge>;
}

export function AccountLayout() {
  const location = useLocation();
  const todos = useTodoCount(location.pathname);
  const current = SECTIONS.find((s) => s.to === location.pathname.replace(/\/$/, '')) ?? SECTIONS[0]!;
  const isActive = (to: string) => location.pathname.replace(/\/$/, '') === to;

  return (
    <Grid gutter="lg">
      <Grid.Col span={{ base: 12, sm: 3 }}>
        <Box component="nav" aria-label="Account sections">
          <Box hiddenFrom="sm">
            <Menu position="bottom-start" width={260}>
              <Menu.Target>
                <Button variant="default" fullWidth justify="space-between" rightSection={<Group gap={6} wrap="nowrap">{countBadge(todos)}<ComboboxChevron /></Group>}>
                  Section: {current.label}
                </Button>
              </Menu.Target>
              <Menu.Dropdown>
                {SECTIONS.map((section) => (
                  <Menu.Item key={section.to} component={Link} to={section.to}
                    rightSection={section.to === '/me/todos' ? countBadge(todos) : null}
                    fw={isActive(section.to) ? 700 : undefined}>
                    {section.label}
                  </Menu.Item>
                ))}
              </Menu.Dropdown>
            </Menu>
          </Box>
          <Stack gap={2} visibleFrom="sm">
            {SECTIONS.map((section) => (
              <NavLink
                key={section.to}
                component={RouterNavLink}
                to={section.to}
                end
                label={section.label}
                active={isActive(section.to)}
                rightSection={section.to === '/me/todos' ? countBadge(todos) : null}
              />
            ))}
          </Stack>
        </Box>
      </Grid.Col>
      <Grid.Col span={{ base: 12, sm: 9 }}>
        <Outlet />
      </Grid.Col>
    </Grid>
  );
}
