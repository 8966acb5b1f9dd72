// The console pages' routes, children of the page frame (components/Shell.tsx).
import type { RouteObject } from 'react-router';
import { areaPages } from '../../lib/lazy';

const { page, loggedIn } = areaPages(() => import('./pages'));

export const consoleRoutes: RouteObject[] = [
  {
    path: 'console',
    ...loggedIn('ConsoleLayout'),
    children: [
      { index: true, ...page('Overview') },
      { path: 'users', ...page('Users') },
      { path: 'users/:user', ...page('UserDetail') },
      { path: 'orgs', ...page('Orgs') },
      { path: 'settings', ...page('Settings') },
    ],
  },
];
