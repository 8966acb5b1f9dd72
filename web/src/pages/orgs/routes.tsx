// The orgs pages' routes, children of the page frame (components/Shell.tsx).
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { page, loggedIn } = areaPages(() => import('./pages'));

export const orgsRoutes: RouteObject[] = [
  { path: 'orgs', ...loggedIn('OrgList') },
  {
    path: 'orgs/:org',
    ...loggedIn('OrgLayout'),
    children: [
      { index: true, ...page('ProfileTab') },
      { path: 'members', ...page('MembersTab') },
      { path: 'roles', ...page('RolesTab') },
      { path: 'customers', ...page('CustomersTab') },
      { path: 'domains', ...page('DomainsTab') },
      { path: 'oversight', ...page('OversightTab') },
      { path: 'team', ...page('TeamTab') },
      { path: 'dkim', ...page('DkimTab') },
      { path: 'account', ...page('AccountTab') },
      { path: 'requests/:key', ...page('RequestPage') },
    ],
  },
];
