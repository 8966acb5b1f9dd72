// The console pages' routes, children of the page frame (components/Shell.tsx).
import type { RouteObject } from 'react-router';
import { RequireLogin } from '../../lib/session';
import { ConsoleLayout } from './ConsoleLayout';
import { Overview } from './Overview';
import { Users } from './Users';
import { UserDetail } from './UserDetail';
import { Orgs } from './Orgs';
import { Settings } from './Settings';

export const consoleRoutes: RouteObject[] = [
  {
    path: 'console',
    element: <RequireLogin><ConsoleLayout /></RequireLogin>,
    children: [
      { index: true, element: <Overview /> },
      { path: 'users', element: <Users /> },
      { path: 'users/:user', element: <UserDetail /> },
      { path: 'orgs', element: <Orgs /> },
      { path: 'settings', element: <Settings /> },
    ],
  },
];
