// The orgs pages' routes, children of the page frame (components/Shell.tsx).
import type { RouteObject } from 'react-router';
import { RequireLogin } from '../../lib/session';
import { OrgList } from './OrgList';
import { OrgLayout } from './OrgLayout';
import { ProfileTab } from './ProfileTab';
import { MembersTab } from './MembersTab';
import { RolesTab } from './RolesTab';
import { CustomersTab } from './CustomersTab';
import { DomainsTab } from './DomainsTab';
import { OversightTab } from './OversightTab';
import { RequestPage } from './RequestPage';
import { TeamTab } from './TeamTab';
import { DkimTab } from './DkimTab';
import { AccountTab } from './AccountTab';

export const orgsRoutes: RouteObject[] = [
  { path: 'orgs', element: <RequireLogin><OrgList /></RequireLogin> },
  {
    path: 'orgs/:org',
    element: <RequireLogin><OrgLayout /></RequireLogin>,
    children: [
      { index: true, element: <ProfileTab /> },
      { path: 'members', element: <MembersTab /> },
      { path: 'roles', element: <RolesTab /> },
      { path: 'customers', element: <CustomersTab /> },
      { path: 'domains', element: <DomainsTab /> },
      { path: 'oversight', element: <OversightTab /> },
      { path: 'team', element: <TeamTab /> },
      { path: 'dkim', element: <DkimTab /> },
      { path: 'account', element: <AccountTab /> },
      { path: 'requests/:key', element: <RequestPage /> },
    ],
  },
];
